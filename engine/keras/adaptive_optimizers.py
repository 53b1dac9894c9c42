"""Adamax, Nadam, Adadelta and Ftrl: Keras 3's update rules as numpy kernels.

Each kernel rounds as Keras 3 does on TensorFlow: everything in the variable's dtype,
Python constants rounded to it where Keras mixes them with tensors (``1 - β`` taken in
double first when β is a Python float, in float32 when Keras casts β first), and βᵗ as a
correctly rounded power.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.keras.optimizers import Optimizer
from engine.keras.variables import KerasVariable
from engine.tensor import Variable


def _power(real: type, base: float, exponent: int) -> Any:
    """base**exponent in ``real`` as TensorFlow's pow gives it: the rounded base raised in
    double and rounded once."""
    return real(float(real(base)) ** exponent)


def _dense(g: np.ndarray) -> np.ndarray:
    """A gradient as a plain array (a sparse one is used as its dense sum)."""
    return np.asarray(g).view(np.ndarray)


class Adamax(Optimizer):
    """Adam with the infinity norm: u = max(β₂·u, |g|); w -= lr·m / ((1 - β₁ᵗ)(u + ε))."""

    _keras_slot_names = {"m": "momentum", "u": "norm"}

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate, name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self._slot_groups = (("m", "u"),)

    def _update(self, var, g, lr, step):
        g = _dense(g)
        m, u = self._slot(var, "m"), self._slot(var, "u")
        real = m.dtype.type
        m += (g - m) * real(1 - self.beta_1)
        np.maximum(real(self.beta_2) * u, np.abs(g), out=u)
        denom = (real(1) - _power(real, self.beta_1, step)) * (u + real(self.epsilon))
        return var._value - (real(lr) * m) / denom

    def get_config(self) -> dict:
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2,
                    epsilon=self.epsilon)


class Nadam(Optimizer):
    """Adam with Nesterov momentum and Keras' momentum schedule
    μₜ = β₁(1 - ½·0.96ᵗ), whose running product is the variable ``u_product``."""

    _keras_slot_names = {"m": "momentum", "v": "velocity"}

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate, name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self._slot_groups = (("m", "v"),)
        self._u_product: KerasVariable | None = None
        self._u_product_step = 0  # the step whose factor u_product already holds

    def build(self, var_list: list[Variable]) -> None:
        super().build(var_list)
        if self._u_product is None:
            dtype = var_list[0]._value.dtype if var_list else np.float32
            self._u_product = KerasVariable(np.asarray(1.0, dtype), trainable=False,
                                            path=f"{self.name}/variable")

    @property
    def variables(self) -> list[Variable]:
        out = super().variables
        return out if self._u_product is None else [*out, self._u_product]

    def _advance_u_product(self, step: int) -> None:
        """u_product *= β₁(1 - ½·0.96ᵗ), once per step, before any variable's update."""
        if self._u_product_step == step:
            return
        u = self._u_product._value
        real = u.dtype.type
        factor = real(1) - real(0.5) * _power(real, 0.96, step)
        self._u_product._value = np.asarray(u * real(self.beta_1) * factor, u.dtype)
        self._u_product_step = step

    def _update(self, var, g, lr, step):
        if self._u_product is None:
            self.build([var])
        self._advance_u_product(step)
        g = _dense(g)
        m, v = self._slot(var, "m"), self._slot(var, "v")
        real = m.dtype.type
        beta_1, beta_2 = real(self.beta_1), real(self.beta_2)
        u_t = beta_1 * (real(1) - real(0.5) * _power(real, 0.96, step))
        u_t_1 = beta_1 * (real(1) - real(0.5) * _power(real, 0.96, step + 1))
        u_product_t = real(self._u_product._value)
        u_product_t_1 = u_product_t * u_t_1
        beta_2_power = _power(real, self.beta_2, step)
        m += (g - m) * (real(1) - beta_1)
        v += (np.square(g) - v) * (real(1) - beta_2)
        m_hat = (u_t_1 * m) / (real(1) - u_product_t_1) + \
            ((real(1) - u_t) * g) / (real(1) - u_product_t)
        v_hat = v / (real(1) - beta_2_power)
        return var._value - (m_hat * real(lr)) / (np.sqrt(v_hat) + real(self.epsilon))

    def get_config(self) -> dict:
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2,
                    epsilon=self.epsilon)


class Adadelta(Optimizer):
    """Zeiler's Adadelta: a = ρa + (1-ρ)g²; Δ = -√(d + ε)·g / √(a + ε);
    d = ρd + (1-ρ)Δ²; w += lr·Δ."""

    _keras_slot_names = {"a": "accumulated_grad", "d": "accumulated_delta_var"}

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.95, epsilon: float = 1e-7,
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate, name, **kwargs)
        self.rho, self.epsilon = float(rho), float(epsilon)
        self._slot_groups = (("a", "d"),)

    def _update(self, var, g, lr, step):
        g = _dense(g)
        a, d = self._slot(var, "a"), self._slot(var, "d")
        real = a.dtype.type
        rho, rest, eps = real(self.rho), real(1 - self.rho), real(self.epsilon)
        np.copyto(a, rho * a + rest * np.square(g))
        delta = -((np.sqrt(d + eps) * g) / np.sqrt(a + eps))
        np.copyto(d, rho * d + rest * np.square(delta))
        return var._value + real(lr) * delta

    def get_config(self) -> dict:
        return dict(super().get_config(), rho=self.rho, epsilon=self.epsilon)


class Ftrl(Optimizer):
    """Follow-the-regularized-leader (McMahan et al.), with Keras 3's L1, L2, L2-shrinkage
    and ``beta`` terms; the accumulator starts at ``initial_accumulator_value``."""

    _keras_slot_names = {"accumulator": "accumulator", "linear": "linear"}

    def __init__(self, learning_rate: Any = 0.001, learning_rate_power: float = -0.5,
                 initial_accumulator_value: float = 0.1,
                 l1_regularization_strength: float = 0.0,
                 l2_regularization_strength: float = 0.0,
                 l2_shrinkage_regularization_strength: float = 0.0, beta: float = 0.0,
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate, name, **kwargs)
        checks = (("initial_accumulator_value", initial_accumulator_value, "positive or zero"),
                  ("l1_regularization_strength", l1_regularization_strength,
                   "positive or zero"),
                  ("l2_regularization_strength", l2_regularization_strength,
                   "positive or zero"),
                  ("l2_shrinkage_regularization_strength",
                   l2_shrinkage_regularization_strength, "positive or zero"))
        for arg, value, need in checks:
            if value < 0.0:
                raise ValueError(f"`{arg}` needs to be {need}. Received: {arg}={value}.")
        if learning_rate_power > 0.0:
            raise ValueError("`learning_rate_power` needs to be negative or zero. Received: "
                             f"learning_rate_power={learning_rate_power}.")
        self.learning_rate_power = float(learning_rate_power)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.l1_regularization_strength = float(l1_regularization_strength)
        self.l2_regularization_strength = float(l2_regularization_strength)
        self.l2_shrinkage_regularization_strength = float(l2_shrinkage_regularization_strength)
        self.beta = float(beta)
        self._slot_initial = {"accumulator": self.initial_accumulator_value}
        self._slot_groups = (("accumulator", "linear"),)

    def _update(self, var, g, lr, step):
        g = _dense(g)
        accum, linear = self._slot(var, "accumulator"), self._slot(var, "linear")
        real = accum.dtype.type
        w = var._value
        lr_t = real(lr)
        power = real(-self.learning_rate_power)
        l2 = real(self.l2_regularization_strength) + real(self.beta) / (real(2.0) * lr_t)
        grad = g + real(2 * self.l2_shrinkage_regularization_strength) * w
        new_accum = accum + np.square(g)
        linear += grad - ((np.power(new_accum, power) - np.power(accum, power)) / lr_t) * w
        quadratic = np.power(new_accum, power) / lr_t + real(2) * l2
        l1 = real(self.l1_regularization_strength)
        clipped = np.clip(linear, -l1, l1)
        np.copyto(accum, new_accum)
        return ((clipped - linear) / quadratic).astype(w.dtype, copy=False)

    def get_config(self) -> dict:
        return dict(super().get_config(), learning_rate_power=self.learning_rate_power,
                    initial_accumulator_value=self.initial_accumulator_value,
                    l1_regularization_strength=self.l1_regularization_strength,
                    l2_regularization_strength=self.l2_regularization_strength,
                    l2_shrinkage_regularization_strength=(
                        self.l2_shrinkage_regularization_strength),
                    beta=self.beta)
