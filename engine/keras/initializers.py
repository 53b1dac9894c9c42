"""Weight initializers (``tf.keras.initializers``), seeded as Keras 3 seeds them.

A random initializer made without a seed takes one from Python's global ``random`` when it
is made (``random.randint(1, 10**9)``, Keras 3's ``make_default_seed``), and every call
draws the stateless values of the seed pair ``[seed, 0]``: after
``keras.utils.set_random_seed(s)`` (or ``random.seed(s)``) a model starts from the weights
Keras 3 on TensorFlow gives it, and an initializer returns the same values on each call.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.keras import backend
from engine.keras.random import draw_seed, make_default_seed
from engine.ops import array_ops, linalg_ops, math_ops, random_ops
from engine.tensor import Tensor, wrap


def compute_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) as Keras counts them; conv kernels multiply by the receptive field."""
    shape = tuple(int(d) for d in shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base: ``init(shape, dtype)`` returns a Tensor of initial values."""

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Initializer:
        return cls(**config)


class Zeros(Initializer):
    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
        return wrap(np.zeros(tuple(shape), dtype=backend.standardize_dtype(dtype)))


class Ones(Initializer):
    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
        return wrap(np.ones(tuple(shape), dtype=backend.standardize_dtype(dtype)))


class Constant(Initializer):
    def __init__(self, value: Any = 0) -> None:
        self.value = value

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
        value = np.asarray(self.value._value if isinstance(self.value, Tensor) else self.value)
        out = np.broadcast_to(value, tuple(shape)).astype(backend.standardize_dtype(dtype))
        return wrap(np.array(out))

    def get_config(self) -> dict:
        value = self.value
        return {"value": np.asarray(value).tolist() if not isinstance(value, int | float)
                else value}


class RandomInitializer(Initializer):
    """Keras 3's seeding (see the module docstring); ``seed`` as given stays the config."""

    def __init__(self, seed: int | None = None) -> None:
        if seed is not None and not isinstance(seed, int | np.integer):
            raise ValueError("`seed` argument should be an instance of "
                             "`keras.random.SeedGenerator()` or an integer. "
                             f"Received: seed={seed}")
        self._init_seed = seed
        self.seed = make_default_seed() if seed is None else int(seed)

    def get_config(self) -> dict:
        return {"seed": self._init_seed}


class RandomNormal(RandomInitializer):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean, self.stddev = mean, stddev
        super().__init__(seed)

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
        return random_ops.stateless_normal(tuple(shape), draw_seed(self.seed), self.mean,
                                           self.stddev, backend.standardize_dtype(dtype))

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    def __init__(self, minval: float = -0.05, maxval: float = 0.05,
                 seed: int | None = None) -> None:
        self.minval, self.maxval = minval, maxval
        super().__init__(seed)

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
        return random_ops.stateless_uniform(tuple(shape), draw_seed(self.seed), self.minval,
                                            self.maxval, backend.standardize_dtype(dtype))

    def get_config(self) -> dict:
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


class TruncatedNormal(RandomInitializer):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean, self.stddev = mean, stddev
        super().__init__(seed)

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
        return random_ops.stateless_truncated_normal(tuple(shape), draw_seed(self.seed),
                                                     self.mean, self.stddev,
                                                     backend.standardize_dtype(dtype))

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


# Stddev of a unit normal truncated to [-2, 2]: dividing by it restores the wanted variance.
_TRUNCATED_STDDEV = 0.87962566103423978


class VarianceScaling(RandomInitializer):
    """Variance ``scale / n`` where n is fan_in, fan_out or their average (Keras' family)."""

    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal", seed: int | None = None,
                 input_axes: Any = None, output_axes: Any = None) -> None:
        if input_axes is not None or output_axes is not None:
            raise ValueError("VarianceScaling: input_axes/output_axes are not supported by "
                             "Tapescope; fans come from the last two axes.")
        if scale <= 0:
            raise ValueError(f"`scale` must be positive. Received: scale={scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode!r}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"Invalid `distribution` argument: {distribution!r}")
        self.scale, self.mode, self.distribution = scale, mode, distribution
        super().__init__(seed)

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
        fan_in, fan_out = compute_fans(tuple(shape))
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        dtype = backend.standardize_dtype(dtype)
        seed = draw_seed(self.seed)
        if self.distribution == "truncated_normal":
            return random_ops.stateless_truncated_normal(
                tuple(shape), seed, 0.0, math.sqrt(variance) / _TRUNCATED_STDDEV, dtype)
        if self.distribution == "untruncated_normal":
            return random_ops.stateless_normal(tuple(shape), seed, 0.0, math.sqrt(variance),
                                               dtype)
        limit = math.sqrt(3.0 * variance)
        return random_ops.stateless_uniform(tuple(shape), seed, -limit, limit, dtype)

    def get_config(self) -> dict:
        return {"seed": self._init_seed, "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "input_axes": None, "output_axes": None}


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed parameters; only the seed is configurable."""

    preset: tuple[float, str, str] = (1.0, "fan_avg", "uniform")

    def __init__(self, seed: int | None = None, input_axes: Any = None,
                 output_axes: Any = None) -> None:
        super().__init__(*self.preset, seed=seed, input_axes=input_axes,
                         output_axes=output_axes)

    def get_config(self) -> dict:
        return {"seed": self._init_seed, "input_axes": None, "output_axes": None}


class GlorotUniform(_Preset):
    """uniform(-limit, limit), limit = √(6 / (fan_in + fan_out)): Keras' default kernel init."""

    preset = (1.0, "fan_avg", "uniform")


class GlorotNormal(_Preset):
    """Truncated normal with stddev √(2 / (fan_in + fan_out))."""

    preset = (1.0, "fan_avg", "truncated_normal")


class HeNormal(_Preset):
    """Truncated normal with stddev √(2 / fan_in), for ReLU networks."""

    preset = (2.0, "fan_in", "truncated_normal")


class HeUniform(_Preset):
    """uniform(-limit, limit), limit = √(6 / fan_in)."""

    preset = (2.0, "fan_in", "uniform")


class LecunNormal(_Preset):
    preset = (1.0, "fan_in", "truncated_normal")


class LecunUniform(_Preset):
    preset = (1.0, "fan_in", "uniform")


class Orthogonal(RandomInitializer):
    """A (semi-)orthogonal matrix: Q of the QR decomposition of a seeded normal matrix,
    signs fixed by R's diagonal, times ``gain`` (Keras 3's draw; recurrent kernels' default)."""

    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None:
        self.gain = gain
        super().__init__(seed)

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        rows = math.prod(shape[:-1])
        cols = shape[-1]
        dtype = backend.standardize_dtype(dtype)
        a = random_ops.stateless_normal((max(rows, cols), min(rows, cols)),
                                        draw_seed(self.seed), 0.0, 1.0, dtype)
        q, r = linalg_ops.qr(a)
        q = math_ops.multiply(q, math_ops.sign(linalg_ops.diag_part(r)))
        if rows < cols:
            q = array_ops.transpose(q)
        out = math_ops.multiply(math_ops.cast(self.gain, dtype), array_ops.reshape(q, shape))
        return wrap(np.ascontiguousarray(out._value))  # (a transposed Q is a strided view)

    def get_config(self) -> dict:
        return {**super().get_config(), "gain": self.gain}


# Keras' snake-case aliases.
zeros, ones, constant = Zeros, Ones, Constant
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal
he_normal, he_uniform, lecun_normal, lecun_uniform = HeNormal, HeUniform, LecunNormal, LecunUniform
variance_scaling = VarianceScaling
orthogonal = OrthogonalInitializer = Orthogonal

_BY_NAME = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "he_normal": HeNormal, "he_uniform": HeUniform,
    "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform,
    "orthogonal": Orthogonal,
}
_BY_CLASS = {cls.__name__: cls for cls in _BY_NAME.values()}
_BY_NAME.update(uniform=RandomUniform, normal=RandomNormal, one=Ones, zero=Zeros)  # Keras 3 aliases


def serialize(initializer: Initializer) -> dict:
    """Keras 3's form: ``module``, ``class_name``, ``config``, ``registered_name``."""
    return {"module": "keras.initializers", "class_name": type(initializer).__name__,
            "config": initializer.get_config(), "registered_name": None}


def deserialize(config: dict) -> Initializer:
    cls = _BY_CLASS.get(config.get("class_name", ""))
    if cls is None:
        raise ValueError(f"Unknown initializer: {config.get('class_name')!r}")
    return cls.from_config(config.get("config", {}))


def get(identifier: Any) -> Initializer | None:
    """An initializer from a name (``"he_normal"``), a config dict, an instance or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, str):
        key = identifier if identifier in _BY_NAME else backend.to_snake_case(identifier)
        if key in _BY_NAME:
            return _BY_NAME[key]()
        raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")
