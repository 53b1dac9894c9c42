"""Keras optimizers: SGD (momentum, Nesterov), Adam, AdamW, RMSprop.

Each update is one fused numpy kernel per variable (TensorFlow's ResourceApply* ops): the
variable gets a new array, never an in-place write, so tapes holding old values stay valid.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from engine.context import STATE, user_stacklevel
from engine.indexed_slices import IndexedSlices, densified
from engine.keras import schedules  # noqa: F401  (tf.keras.optimizers.schedules)
from engine.tensor import Tensor, Variable


def _sole_owner(var: Variable) -> bool:
    """True when only the variable references its array, so an in-place write is invisible:
    no tape snapshot, eager view or graph value still holds the old value."""
    return sys.getrefcount(var._value) <= _SOLE_REFCOUNT


class SparseGradient(np.ndarray):
    """A tf.gather gradient (IndexedSlices) made dense for the update kernels, keeping what
    Keras 3 computes from the slices themselves: g² squares each slice before duplicate rows
    add up, so Adam and RMSprop see Σ(gᵢ²), not (Σgᵢ)², where a row was looked up twice."""

    squared: np.ndarray | None = None

    def __array_wrap__(self, array: np.ndarray, context: Any = None,
                       return_scalar: bool = False) -> Any:
        # arithmetic on it gives plain arrays: nothing downstream (a variable's new value)
        # inherits the subclass
        plain = array.view(np.ndarray)
        return plain[()] if return_scalar else plain

    @classmethod
    def of(cls, slices: IndexedSlices) -> SparseGradient:
        dense = slices.numpy_dense().view(cls)
        values, rows = slices.values._value, slices.indices._value
        dense.squared = np.zeros_like(np.asarray(dense))
        np.add.at(dense.squared, rows, np.square(values))
        return dense


def _squared(g: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """g², as Keras 3 takes it (per slice for a sparse gradient)."""
    squared = getattr(g, "squared", None)  # a clipped copy has none: plain g² then
    if squared is None:
        return np.square(g, out=out)
    if out is None:
        return squared.astype(g.dtype, copy=True)
    np.copyto(out, squared)
    return out


class Optimizer:
    """Base: slot variables per model variable, ``iterations``, ``apply_gradients``."""

    def __init__(self, learning_rate: Any = 0.001, name: str = "Optimizer",
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, **kwargs: Any) -> None:
        unknown = set(kwargs) - {"weight_decay", "use_ema", "ema_momentum", "jit_compile",
                                 "decay", "epsilon"}
        if unknown:
            raise TypeError(f"Unexpected keyword argument(s) for {type(self).__name__}: "
                            f"{sorted(unknown)}")
        self.name = name
        self._learning_rate = learning_rate
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.iterations = Variable(np.int64(0), trainable=False, name="iteration")
        self._slots: dict[int, dict[str, np.ndarray]] = {}
        self._variables: list[Variable] = []

    @property
    def learning_rate(self) -> float:
        lr = self._learning_rate
        if callable(lr):
            lr = lr(int(self.iterations._value))
        return float(lr._value if isinstance(lr, Tensor) else lr)

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        self._learning_rate = value

    lr = learning_rate

    def variables(self) -> list[Variable]:
        return [self.iterations] + list(self._variables)

    def _slot(self, var: Variable, name: str) -> np.ndarray:
        slots = self._slots.setdefault(id(var), {})
        if name not in slots:
            slots[name] = np.zeros_like(var._value)
        return slots[name]

    def _clip(self, grads: list[np.ndarray]) -> list[np.ndarray]:
        if self.clipvalue is not None:
            grads = [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        if self.clipnorm is not None:
            out = []
            for g in grads:
                n = float(np.sqrt(np.sum(np.square(g))))
                out.append(g * (self.clipnorm / n) if n > self.clipnorm else g)
            grads = out
        if self.global_clipnorm is not None:
            n = float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads)))
            if n > self.global_clipnorm:
                grads = [g * (self.global_clipnorm / n) for g in grads]
        return grads

    def apply_gradients(self, grads_and_vars: Iterable, name: str | None = None,
                        **kwargs: Any) -> Variable:
        """Apply one update per (gradient, variable) pair; None gradients are skipped, with
        Keras 3's warning naming their variables (a silently frozen layer is a bug)."""
        pairs = [(g, v) for g, v in grads_and_vars]
        if not pairs:
            raise ValueError("No gradients provided for any variable.")
        for _, v in pairs:
            if not isinstance(v, Variable):
                raise TypeError(f"apply_gradients expects (gradient, Variable) pairs; got "
                                f"{type(v).__name__} in place of a Variable.")
        live = [(g, v) for g, v in pairs if g is not None]
        if not live:
            names = ", ".join(v.name for _, v in pairs)
            raise ValueError(f"No gradients provided for any variable: [{names}].")
        if len(live) < len(pairs):
            missing = [v._name for g, v in pairs if g is None]
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the "
                          "loss. If using `model.compile()`, did you forget to provide a `loss` "
                          "argument?", UserWarning, stacklevel=user_stacklevel())
        if STATE.graph is not None:  # a traced step updates densely (see SparseGradient)
            return STATE.graph.apply_gradients(self, [(densified(g), v) for g, v in live])
        grads = [SparseGradient.of(g) if isinstance(g, IndexedSlices) else
                 np.asarray(g._value if isinstance(g, Tensor) else g) for g, _ in live]
        for g, (_, v) in zip(grads, live):
            if g.shape != v._value.shape:
                raise ValueError(f"Gradient of shape {g.shape} does not match variable "
                                 f"{v.name} of shape {v._value.shape}.")
        self.apply_arrays(grads, [v for _, v in live])
        return self.iterations

    def apply_arrays(self, grads: list[np.ndarray], variables: list[Variable]) -> None:
        """The update kernel, shared by eager calls and traced graphs: numpy in, numpy out."""
        grads = self._clip(grads)
        step = int(self.iterations._value) + 1
        lr = self.learning_rate
        hook = STATE.hook
        for g, v in zip(grads, variables):
            if id(v) not in self._slots:
                self._slots[id(v)] = {}
                self._variables.append(v)
            g = g.astype(v._value.dtype, copy=False)
            delta = None
            if _sole_owner(v):
                delta = self._update_inplace(v, g, lr, step)
            else:
                v._value = self._update(v, g, lr, step)
            if hook is not None:
                hook.variable_updated(v, type(self).__name__, delta)
        self.iterations._value = np.int64(step)
        if hook is not None:
            hook.optimizer_step(self, step)

    def _update_inplace(self, var: Variable, g: np.ndarray, lr: float,
                        step: int) -> np.ndarray | None:
        """Write the update into the variable's array (only called when nothing aliases it).

        Returns what was subtracted from the variable when the kernel had it at hand (the
        debugger's update norm then costs one dot product instead of a copy of the weights)."""
        np.copyto(var._value, self._update(var, g, lr, step))
        return None

    def minimize(self, loss: Any, var_list: Any, tape: Any = None) -> Variable:
        from engine.tape import GradientTape

        if tape is None:
            if not callable(loss):
                raise ValueError("`tape` is required when a `Tensor` loss is passed.")
            with GradientTape() as tape:
                value = loss()
        else:
            value = loss
        var_list = list(var_list() if callable(var_list) else var_list)
        grads = tape.gradient(value, var_list)
        return self.apply_gradients(zip(grads, var_list))

    def _update(self, var: Variable, g: np.ndarray, lr: float, step: int) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"name": self.name, "learning_rate": self.learning_rate}


def _measure_sole_refcount() -> int:
    probe = Variable(np.zeros(1, np.float32), trainable=False)
    return sys.getrefcount(probe._value)


_SOLE_REFCOUNT = 0  # set below, once Variable is importable


class SGD(Optimizer):
    """v = momentum·v - lr·g; w += v (Nesterov: w += momentum·v - lr·g)."""

    def __init__(self, learning_rate: Any = 0.01, momentum: float = 0.0, nesterov: bool = False,
                 name: str = "SGD", **kwargs: Any) -> None:
        super().__init__(learning_rate, name, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be in [0, 1]. Received: momentum={momentum}")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def _update(self, var, g, lr, step):
        w = var._value
        if self.momentum == 0:
            return w - lr * g
        v = self._slot(var, "momentum")
        v *= self.momentum
        v -= lr * g
        if self.nesterov:
            return w + self.momentum * v - lr * g
        return w + v

    def get_config(self) -> dict:
        return dict(super().get_config(), momentum=self.momentum, nesterov=self.nesterov)

    def _update_inplace(self, var, g, lr, step):
        if self.momentum == 0:
            delta = lr * g
            var._value -= delta
            return delta
        var._value[...] = self._update(var, g, lr, step)
        return None


# Moments of weights whose gradient is mostly zero (MNIST's border pixels) decay by beta_1
# each step into float32's subnormal range, where every multiply costs ~50x (x86 without
# flush-to-zero); over one MNIST epoch that made steps 30% slower by the end. TensorFlow
# flushes subnormals to zero on CPU, so doing it here every few steps changes nothing
# TensorFlow users could see, and costs one pass per slot per FLUSH_DENORMALS_EVERY steps.
FLUSH_DENORMALS_EVERY = 16


def _flush_denormals(slot: np.ndarray) -> None:
    if slot.dtype.kind == "f" and slot.size > 1:
        np.copyto(slot, 0, where=np.abs(slot) < np.finfo(slot.dtype).tiny)


class Adam(Optimizer):
    """Kingma & Ba with Keras' epsilon placement: w -= lr_t · m / (√v + ε)."""

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, name: str = "Adam",
                 **kwargs: Any) -> None:
        super().__init__(learning_rate, name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self.amsgrad = bool(amsgrad)

    def _adam_step(self, var, g, lr, step):
        """The step Keras 3 takes, rounded as it rounds: every constant and the bias
        correction in the variable's dtype, m += (g - m)·(1 - β₁), v += (g² - v)·(1 - β₂),
        update = m·α / (√v + ε) with α = lr·√(1 - β₂ᵗ) / (1 - β₁ᵗ)."""
        m = self._slot(var, "m")
        v = self._slot(var, "v")
        if step % FLUSH_DENORMALS_EVERY == 0:
            _flush_denormals(m)
            _flush_denormals(v)
        real = m.dtype.type  # numpy scalars of the variable's dtype: no float64 temporaries
        # βᵗ correctly rounded, as TensorFlow's pow gives it (numpy's float32 power can be an
        # ulp off): the power of the rounded β, taken in double and rounded once.
        b1_t = real(float(real(self.beta_1)) ** step)
        b2_t = real(float(real(self.beta_2)) ** step)
        alpha = real(lr) * np.sqrt(real(1) - b2_t) / (real(1) - b1_t)
        moved = np.subtract(g, m, out=np.empty_like(m))
        moved *= real(1 - self.beta_1)
        m += moved
        _squared(g, out=moved)
        moved -= v
        moved *= real(1 - self.beta_2)
        v += moved
        denom_v = v
        if self.amsgrad:
            vhat = self._slot(var, "vhat")
            np.maximum(vhat, v, out=vhat)
            denom_v = vhat
        update = np.sqrt(denom_v, out=moved)
        update += real(self.epsilon)
        np.divide(np.multiply(m, alpha), update, out=update)
        return update

    def _update(self, var, g, lr, step):
        return var._value - self._adam_step(var, g, lr, step)

    def get_config(self) -> dict:
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2,
                    epsilon=self.epsilon, amsgrad=self.amsgrad)

    def _update_inplace(self, var, g, lr, step):
        delta = self._adam_step(var, g, lr, step)
        var._value -= delta
        return delta


class AdamW(Adam):
    """Adam with decoupled weight decay: w -= lr·wd·w before the Adam step."""

    def __init__(self, learning_rate: Any = 0.001, weight_decay: float = 0.004,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 amsgrad: bool = False, name: str = "AdamW", **kwargs: Any) -> None:
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, name, **kwargs)
        self.weight_decay = float(weight_decay)

    def _update(self, var, g, lr, step):
        decayed = var._value - lr * self.weight_decay * var._value
        return decayed - self._adam_step(var, g, lr, step)

    def _update_inplace(self, var, g, lr, step):
        # Adam's in-place kernel would skip the decay: apply it here first.
        var._value -= lr * self.weight_decay * var._value
        var._value -= self._adam_step(var, g, lr, step)
        return None  # the change is the decay and the step: no one array holds it

    def get_config(self) -> dict:
        return dict(super().get_config(), weight_decay=self.weight_decay)


class RMSprop(Optimizer):
    """Keras RMSprop: a = ρa + (1-ρ)g²; w -= lr·g / √(a + ε) (ε inside the root, as in
    Keras and TensorFlow's ResourceApplyRMSProp), with optional momentum and centering."""

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False, name: str = "RMSprop",
                 **kwargs: Any) -> None:
        super().__init__(learning_rate, name, **kwargs)
        self.rho, self.momentum, self.epsilon = float(rho), float(momentum), float(epsilon)
        self.centered = bool(centered)

    def _update(self, var, g, lr, step):
        a = self._slot(var, "velocity")
        a *= self.rho
        a += (1 - self.rho) * _squared(g)
        denom = a
        if self.centered:
            mg = self._slot(var, "average_gradient")
            mg *= self.rho
            mg += (1 - self.rho) * g
            denom = a - np.square(mg)
        increment = lr * g / np.sqrt(denom + self.epsilon)
        if self.momentum > 0:
            mom = self._slot(var, "momentum")
            mom *= self.momentum
            mom += increment
            increment = mom
        return var._value - increment

    def get_config(self) -> dict:
        return dict(super().get_config(), rho=self.rho, momentum=self.momentum,
                    epsilon=self.epsilon, centered=self.centered)


def get(identifier: Any) -> Optimizer:
    """An optimizer from a name (``"adam"``) or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    table = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop}
    if isinstance(identifier, str) and identifier.lower() in table:
        return table[identifier.lower()]()
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")


_SOLE_REFCOUNT = _measure_sole_refcount()
