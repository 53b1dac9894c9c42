"""Learning-rate schedules (``tf.keras.optimizers.schedules``): ``lr = schedule(step)``.

An optimizer given a schedule calls it with its ``iterations`` count before each update.
Values are float32 scalar Tensors, as TensorFlow returns them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.tensor import Tensor, wrap


def _step(step: Any) -> float:
    return float(step._value if isinstance(step, Tensor) else step)


def _lr(value: float) -> Tensor:
    return wrap(np.asarray(value, dtype=np.float32))


class LearningRateSchedule:
    """Base: ``__call__(step)`` returns the learning rate for that (0-based) step."""

    def __call__(self, step: Any) -> Tensor:
        raise NotImplementedError

    def get_config(self) -> dict:
        raise NotImplementedError

    @classmethod
    def from_config(cls, config: dict) -> LearningRateSchedule:
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """initial · decay_rate^(step / decay_steps), the exponent floored when ``staircase``."""

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str | None = None) -> None:
        if decay_steps <= 0:
            raise ValueError(f"Argument `decay_steps` must be > 0, received: {decay_steps}")
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps, self.decay_rate = decay_steps, float(decay_rate)
        self.staircase, self.name = bool(staircase), name

    def __call__(self, step: Any) -> Tensor:
        p = _step(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return _lr(self.initial_learning_rate * self.decay_rate ** p)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """initial / (1 + decay_rate · step / decay_steps), floored when ``staircase``."""

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str | None = None) -> None:
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps, self.decay_rate = decay_steps, float(decay_rate)
        self.staircase, self.name = bool(staircase), name

    def __call__(self, step: Any) -> Tensor:
        p = _step(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return _lr(self.initial_learning_rate / (1 + self.decay_rate * p))

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[0] while step ≤ boundaries[0], values[1] while step ≤ boundaries[1], …"""

    def __init__(self, boundaries: list, values: list, name: str | None = None) -> None:
        if len(values) != len(boundaries) + 1:
            raise ValueError("The length of boundaries should be 1 less than the length of "
                             f"values. Received: boundaries={boundaries} of length "
                             f"{len(boundaries)}, and values={values} of length {len(values)}.")
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step: Any) -> Tensor:
        s = _step(step)
        for boundary, value in zip(self.boundaries, self.values):
            if s <= boundary:
                return _lr(value)
        return _lr(self.values[-1])

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine from initial (or, after a linear warmup, from warmup_target) down to alpha·it."""

    def __init__(self, initial_learning_rate: float, decay_steps: int, alpha: float = 0.0,
                 name: str | None = None, warmup_target: float | None = None,
                 warmup_steps: int = 0) -> None:
        if decay_steps <= 0:
            raise ValueError(f"Argument `decay_steps` must be > 0, received: {decay_steps}")
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps, self.alpha, self.name = decay_steps, float(alpha), name
        self.warmup_target, self.warmup_steps = warmup_target, int(warmup_steps)

    def __call__(self, step: Any) -> Tensor:
        s = _step(step)
        peak = self.initial_learning_rate
        if self.warmup_target is not None:
            if s < self.warmup_steps:
                frac = s / self.warmup_steps
                return _lr(self.initial_learning_rate
                           + (self.warmup_target - self.initial_learning_rate) * frac)
            peak, s = self.warmup_target, s - self.warmup_steps
        s = min(s, self.decay_steps)
        cosine = 0.5 * (1 + math.cos(math.pi * s / self.decay_steps))
        return _lr(peak * ((1 - self.alpha) * cosine + self.alpha))

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}
