"""Keras optimizers: SGD (momentum, Nesterov), Adam, AdamW, RMSprop, Adagrad (and, from
adaptive_optimizers, Adamax, Nadam, Adadelta, Ftrl).

Each update is one fused numpy kernel per variable (TensorFlow's ResourceApply* ops): the
variable gets a new array, never an in-place write, so tapes holding old values stay valid.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from engine import denormals
from engine.context import STATE, user_stacklevel
from engine.indexed_slices import IndexedSlices
from engine.keras import backend, schedules  # schedules: tf.keras.optimizers.schedules
from engine.keras.variables import KerasVariable
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
        return cls.from_rows(slices.values._value, slices.indices._value,
                             tuple(int(d) for d in slices.dense_shape._value))

    @classmethod
    def from_rows(cls, values: np.ndarray, rows: np.ndarray, shape: tuple) -> SparseGradient:
        """Rows ``values`` at ``rows`` of a zero tensor of ``shape`` (duplicates add up)."""
        dense = np.zeros(shape, values.dtype)
        np.add.at(dense, rows, values)
        dense = dense.view(cls)
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

    # The engine's short slot keys → Keras 3's names (``adam/…_kernel_momentum``).
    _keras_slot_names: dict[str, str] = {}
    # A slot's starting value when it is not zero (Adagrad's accumulator).
    _slot_initial: dict[str, float] = {}

    def __init__(self, learning_rate: Any = 0.001, name: str | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, **kwargs: Any) -> None:
        unknown = set(kwargs) - {"weight_decay", "use_ema", "ema_momentum", "jit_compile",
                                 "decay", "epsilon", "ema_overwrite_frequency",
                                 "loss_scale_factor", "gradient_accumulation_steps"}
        if unknown:
            raise TypeError(f"Unexpected keyword argument(s) for {type(self).__name__}: "
                            f"{sorted(unknown)}")
        self.name = name or backend.unique_object_name(backend.to_snake_case(
            type(self).__name__))
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.iterations = KerasVariable(np.int64(0), trainable=False,
                                        path=f"{self.name}/iteration")
        self._learning_rate = self._build_learning_rate(learning_rate)
        self._slots: dict[int, dict[str, np.ndarray]] = {}
        self._variables: list[Variable] = []
        self._slot_variables: dict[tuple[int, str], KerasVariable] = {}
        # The slots in the order Keras 3's build() adds them: one tuple per
        # add_optimizer_variables call (a tuple's slots interleave per model variable).
        self._slot_groups: tuple[tuple[str, ...], ...] = ()
        self._pending_slot_values: list[np.ndarray] | None = None  # from a checkpoint
        self.built = False

    def _build_learning_rate(self, learning_rate: Any) -> Any:
        """A schedule or callable stays one; a number becomes a float32 variable, as in
        Keras 3 (so it can be assigned, saved and restored)."""
        if callable(learning_rate) and not isinstance(learning_rate, Tensor):
            return learning_rate
        value = learning_rate._value if isinstance(learning_rate, Tensor) else learning_rate
        return KerasVariable(np.float32(value), trainable=False,
                             path=f"{self.name}/learning_rate")

    @property
    def learning_rate(self) -> Any:
        """The learning-rate variable (``.numpy()``, ``.assign``), or a schedule's value now."""
        lr = self._learning_rate
        if isinstance(lr, Variable):
            return lr
        if isinstance(lr, schedules.LearningRateSchedule):
            return lr(self.iterations)
        return lr()

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        if callable(value) and not isinstance(value, Tensor):
            self._learning_rate = value
            return
        if not isinstance(self._learning_rate, Variable):
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object as "
                            "its `learning_rate` constructor argument, hence its learning rate "
                            "is not settable. If you need the learning rate to be settable, you "
                            "should instantiate the optimizer with a float `learning_rate` "
                            "argument.")
        self._learning_rate.assign(value)

    lr = learning_rate

    def _current_learning_rate(self) -> float:
        """The rate for this step as a Python float (the kernels' scalar)."""
        lr = self._learning_rate
        if isinstance(lr, Variable):
            return float(lr._value)
        lr = lr(int(self.iterations._value)) if isinstance(
            lr, schedules.LearningRateSchedule) else lr()
        return float(lr._value if isinstance(lr, Tensor) else lr)

    def build(self, var_list: list[Variable]) -> None:
        """Make the slots of every variable now (Keras 3 does it before the first step)."""
        for var in var_list:
            self._track(var)
        self.built = True
        pending, self._pending_slot_values = self._pending_slot_values, None
        if pending is not None:
            self.restore_slot_values(pending)

    def restore_slot_values(self, values: list[np.ndarray]) -> bool:
        """Set the slots, in ``variables`` order, from a checkpoint. Before the optimizer
        has slots the values wait for ``build`` (TensorFlow defers them the same way);
        returns whether they were applied now."""
        if not self.built:
            self._pending_slot_values = list(values)
            return False
        slots = self.variables[len(self.variables) - self._slot_count():]
        if len(slots) != len(values):
            raise ValueError(f"The checkpoint holds {len(values)} slot variables for optimizer "
                             f"'{self.name}', which has {len(slots)}.")
        for slot, value in zip(slots, values):
            if slot._value.shape != value.shape:
                raise ValueError(f"Received incompatible tensor with shape {value.shape} when "
                                 "attempting to restore variable with shape "
                                 f"{slot._value.shape} and name {slot.name}.")
            np.copyto(slot._value, value)
        return True

    def _slot_count(self) -> int:
        return sum(len(group) for group in self._slot_groups) * len(self._variables)

    def _track(self, var: Variable) -> None:
        if id(var) not in self._slots:
            self._slots[id(var)] = {}
            self._variables.append(var)
            for group in self._slot_groups:
                for name in group:
                    self._slot(var, name)

    @property
    def variables(self) -> list[Variable]:
        """``[iteration, learning_rate, slots…]`` in Keras 3's order; a slot is a variable
        over the very array the update kernel writes, so it always shows the live state."""
        out: list[Variable] = [self.iterations]
        if isinstance(self._learning_rate, Variable):
            out.append(self._learning_rate)
        for group in self._slot_groups:
            for var in self._variables:
                for name in group:
                    out.append(self._slot_variable(var, name))
        return out

    def _slot_variable(self, var: Variable, name: str) -> KerasVariable:
        key = (id(var), name)
        wrapper = self._slot_variables.get(key)
        if wrapper is None:
            # Keras 3's add_variable_from_reference: a Keras variable's path, else the
            # variable's full name ("w:0" -> "w_0")
            path = getattr(var, "path", None)
            owner = (path if path is not None else str(var.name).replace(":", "_")).replace(
                "/", "_")
            with backend.unobserved():  # a view of optimizer state, not a new weight
                wrapper = KerasVariable(
                    np.zeros((), var._value.dtype), trainable=False,
                    path=f"{self.name}/{owner}_{self._keras_slot_names.get(name, name)}")
            wrapper._value = self._slot(var, name)
            self._slot_variables[key] = wrapper
            return wrapper
        wrapper._value = self._slot(var, name)  # the same array, or the one assigned to it
        return wrapper

    def _slot(self, var: Variable, name: str) -> np.ndarray:
        slots = self._slots.setdefault(id(var), {})
        if self._slot_variables:
            # A slot variable the user assigned holds a new array: the kernels adopt it
            # (they only ever write in place, so a different array is the newer one).
            shown = self._slot_variables.get((id(var), name))
            if shown is not None and shown._value is not slots.get(name):
                slots[name] = shown._value
        if name not in slots:
            slots[name] = np.full_like(var._value, self._slot_initial.get(name, 0))
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
        if STATE.graph is not None:  # one graph node; slices stay slices (SparseGradient)
            return STATE.graph.apply_gradients(self, live)
        grads = [SparseGradient.of(g) if isinstance(g, IndexedSlices) else
                 np.asarray(g._value if isinstance(g, Tensor) else g) for g, _ in live]
        for g, (_, v) in zip(grads, live):
            if g.shape != v._value.shape:
                raise ValueError(f"Gradient of shape {g.shape} does not match variable "
                                 f"{v.name} of shape {v._value.shape}.")
        with denormals.flushed():  # TensorFlow's update kernels run with FTZ/DAZ too
            self.apply_arrays(grads, [v for _, v in live])
        return self.iterations

    @staticmethod
    def sparse_arrays(grads: list, variables: list[Variable]) -> list[np.ndarray]:
        """A traced update's gradients for ``apply_arrays``: a (values, indices) pair, an
        IndexedSlices inside the graph, becomes a SparseGradient as eagerly."""
        return [SparseGradient.from_rows(g[0], g[1], v._value.shape) if isinstance(g, tuple)
                else g for g, v in zip(grads, variables)]

    def apply_arrays(self, grads: list[np.ndarray], variables: list[Variable]) -> None:
        """The update kernel, shared by eager calls and traced graphs: numpy in, numpy out."""
        grads = self._clip(grads)
        step = int(self.iterations._value) + 1
        lr = self._current_learning_rate()
        hook = STATE.hook
        if not self.built:
            self.build(variables)
        for g, v in zip(grads, variables):
            if id(v) not in self._slots:
                self._track(v)
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
        lr = self._learning_rate
        if isinstance(lr, Variable):
            lr = float(lr._value)
        return {"name": self.name, "learning_rate": lr, "weight_decay": None,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": False, "ema_momentum": 0.99,
                "ema_overwrite_frequency": None, "loss_scale_factor": None,
                "gradient_accumulation_steps": None}


def _measure_sole_refcount() -> int:
    probe = Variable(np.zeros(1, np.float32), trainable=False)
    return sys.getrefcount(probe._value)


_SOLE_REFCOUNT = 0  # set below, once Variable is importable


class SGD(Optimizer):
    """v = momentum·v - lr·g; w += v (Nesterov: w += momentum·v - lr·g)."""

    def __init__(self, learning_rate: Any = 0.01, momentum: float = 0.0, nesterov: bool = False,
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate, name, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be in [0, 1]. Received: momentum={momentum}")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)
        self._slot_groups = (("momentum",),) if self.momentum != 0 else ()

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

    _keras_slot_names = {"m": "momentum", "v": "velocity", "vhat": "velocity_hat"}

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, name: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate, name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self.amsgrad = bool(amsgrad)
        self._slot_groups = (("m", "v"),) + ((("vhat",),) if self.amsgrad else ())

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
        alpha = self._step_size(real, lr, step)
        moved = np.subtract(g, m, out=np.empty(m.shape, m.dtype))
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

    def _step_size(self, real: type, lr: float, step: int) -> Any:
        """α = lr·√(1 - β₂ᵗ) / (1 - β₁ᵗ) in ``real`` (the variables' float type): the same
        for every variable of a step, so taken once per step (numpy scalar arithmetic costs
        microseconds per operation)."""
        key = (real, lr, step, self.beta_1, self.beta_2)
        cached = self._alpha
        if cached is not None and cached[0] == key:
            return cached[1]
        # βᵗ correctly rounded, as TensorFlow's pow gives it (numpy's float32 power can be an
        # ulp off): the power of the rounded β, taken in double and rounded once.
        b1_t = real(float(real(self.beta_1)) ** step)
        b2_t = real(float(real(self.beta_2)) ** step)
        alpha = real(lr) * np.sqrt(real(1) - b2_t) / (real(1) - b1_t)
        self._alpha = (key, alpha)
        return alpha

    _alpha: tuple | None = None  # ((real, lr, step, β₁, β₂), α) of the last step

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
                 amsgrad: bool = False, name: str | None = None, **kwargs: Any) -> None:
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
                 epsilon: float = 1e-7, centered: bool = False, name: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate, name, **kwargs)
        self.rho, self.momentum, self.epsilon = float(rho), float(momentum), float(epsilon)
        self.centered = bool(centered)
        self._slot_groups = (("velocity",),) + ((("momentum",),) if self.momentum > 0 else ()) \
            + ((("average_gradient",),) if self.centered else ())

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


class Adagrad(Optimizer):
    """Keras 3 Adagrad: a += g²; w -= lr·g / √(a + ε), in the variable's dtype, with the
    accumulator starting at ``initial_accumulator_value`` (ε inside the root, as Keras)."""

    _keras_slot_names = {"accumulator": "accumulator"}

    def __init__(self, learning_rate: Any = 0.001, initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate, name, **kwargs)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = float(epsilon)
        self._slot_initial = {"accumulator": self.initial_accumulator_value}
        self._slot_groups = (("accumulator",),)

    def _update(self, var, g, lr, step):
        accumulator = self._slot(var, "accumulator")
        real = accumulator.dtype.type  # Keras casts lr and adds ε in the variable's dtype
        accumulator += _squared(g)  # per slice for a sparse gradient
        return var._value - (real(lr) * g) / np.sqrt(accumulator + real(self.epsilon))

    def get_config(self) -> dict:
        return dict(super().get_config(),
                    initial_accumulator_value=self.initial_accumulator_value,
                    epsilon=self.epsilon)


def get(identifier: Any) -> Optimizer:
    """An optimizer from a name (``"adam"``) or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    table = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad,
             "adamax": Adamax, "nadam": Nadam, "adadelta": Adadelta, "ftrl": Ftrl}
    if isinstance(identifier, str) and identifier.lower() in table:
        return table[identifier.lower()]()
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")


_SOLE_REFCOUNT = _measure_sole_refcount()

from engine.keras.adaptive_optimizers import Adadelta, Adamax, Ftrl, Nadam  # noqa: E402,F401
