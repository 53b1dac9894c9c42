"""Check tape gradients against central finite differences, in float64.

The scalar checked is ``sum(out * w)`` with fixed random weights ``w``, so every output
element contributes with its own weight and a rule that mixes elements up is caught.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

import engine as tf
from engine.context import Hook, set_hook

Call = Callable[..., Any]


class OpLog(Hook):
    """A debugger hook that only notes the names of the ops that ran."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def op_executed(self, op: Any, inputs: tuple, outputs: tuple, attrs: dict,
                    seconds: float) -> None:
        self.names.add(op.name)
        if any(isinstance(t, tf.Variable) for t in inputs):
            self.names.add("ReadVariableOp")  # reads are recorded on tapes, not executed

    def variable_created(self, variable: Any) -> None:
        pass

    def variable_updated(self, variable: Any, action: str) -> None:
        pass


@contextmanager
def ops_run() -> Iterator[set[str]]:
    """Collect the names of the ops executed inside the block."""
    log = OpLog()
    previous = set_hook(log)
    try:
        yield log.names
    finally:
        set_hook(previous)


def outputs_of(result: Any) -> list[tf.Tensor]:
    """A call's result as a list of tensors (a single tensor, or a list of them)."""
    return list(result) if isinstance(result, list | tuple) else [result]


def weights_for(arrays: Sequence[np.ndarray], seed: int = 0) -> list[np.ndarray]:
    """Fixed random weights, one array per given array and of its shape."""
    rng = np.random.default_rng(seed)
    return [np.asarray(rng.normal(size=np.shape(a)), dtype=np.float64) for a in arrays]


def sources(arrays: Sequence[np.ndarray], variables: bool) -> list[tf.Tensor]:
    """Float64 constants (or trainable variables) holding the arrays."""
    if variables:
        return [tf.Variable(a) for a in arrays]
    return [tf.constant(a) for a in arrays]


def weighted_sum(outputs: Sequence[tf.Tensor], weights: Sequence[np.ndarray]) -> tf.Tensor:
    """sum_i reduce_sum(out_i * w_i), built with engine ops (so a tape records it)."""
    terms = [tf.reduce_sum(o * tf.constant(w)) for o, w in zip(outputs, weights)]
    return terms[0] if len(terms) == 1 else tf.add_n(terms)


def numeric_gradient(f: Callable[[list[np.ndarray]], float], arrays: Sequence[np.ndarray],
                     eps: float) -> list[np.ndarray]:
    """Central differences of the scalar ``f`` with respect to every element of every array."""
    grads = []
    work = [np.array(a, dtype=np.float64) for a in arrays]
    for x in work:
        g = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            original = x[idx]
            x[idx] = original + eps
            up = f(work)
            x[idx] = original - eps
            down = f(work)
            x[idx] = original
            g[idx] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


def dense(gradient: Any) -> Any:
    """A gradient as a dense tensor: tf.gather's is IndexedSlices, as in TensorFlow."""
    return tf.convert_to_tensor(gradient) if isinstance(gradient, tf.IndexedSlices) else gradient


def assert_close(name: str, got: Any, expected: np.ndarray, like: np.ndarray,
                 tol: float) -> None:
    """``got`` is a float64 tensor of ``like``'s shape, equal to ``expected`` within tol."""
    assert got is not None, f"{name}: the tape returned no gradient"
    value = np.asarray(dense(got))
    shape = np.shape(like)
    assert value.shape == shape, f"{name}: gradient shape {value.shape}, input shape {shape}"
    assert value.dtype == np.float64, f"{name}: gradient dtype {value.dtype}"
    np.testing.assert_allclose(value, expected, rtol=tol, atol=tol, err_msg=name)


def check_gradient(call: Call, arrays: Sequence[np.ndarray], kwargs: dict | None = None, *,
                   variables: bool = False, eps: float = 1e-6, tol: float = 1e-5) -> set[str]:
    """Assert the tape's gradient of ``call(*arrays, **kwargs)`` matches finite differences.

    Returns the names of the ops that ran (forward and backward), so a caller can check
    that the op it meant to exercise did run.
    """
    kwargs = kwargs or {}
    with ops_run() as names:
        xs = sources(arrays, variables)
        with tf.GradientTape() as tape:
            if not variables:
                tape.watch(xs)
            outs = outputs_of(call(*xs, **kwargs))
            for o in outs:
                assert o.dtype == tf.float64, f"output dtype {o.dtype.name}, expected float64"
            weights = weights_for([o.numpy() for o in outs])
            loss = weighted_sum(outs, weights)
        grads = tape.gradient(loss, xs)

    def scalar(values: list[np.ndarray]) -> float:
        results = outputs_of(call(*sources(values, variables), **kwargs))
        return float(sum(np.sum(np.asarray(o) * w) for o, w in zip(results, weights)))

    expected = numeric_gradient(scalar, arrays, eps)
    for i, (g, e, a) in enumerate(zip(grads, expected, arrays)):
        assert_close(f"input {i}", g, e, a, tol)
    return names


def first_gradient(call: Call, xs: Sequence[tf.Tensor], kwargs: dict,
                   weights: Sequence[np.ndarray]) -> list[tf.Tensor]:
    """Gradient of the weighted sum of ``call``'s outputs, zeros where unconnected."""
    with tf.GradientTape() as tape:
        tape.watch(list(xs))
        loss = weighted_sum(outputs_of(call(*xs, **kwargs)), weights)
    return tape.gradient(loss, list(xs), unconnected_gradients="zero")


def check_second_derivative(call: Call, arrays: Sequence[np.ndarray],
                            kwargs: dict | None = None, *, eps: float = 1e-6,
                            tol: float = 1e-5) -> set[str]:
    """Assert a nested tape's Hessian-vector product matches finite differences of the
    first gradient: d/dx sum_i <grad_i(x), v_i>."""
    kwargs = kwargs or {}
    out_weights = weights_for([np.asarray(o) for o in outputs_of(
        call(*sources(arrays, False), **kwargs))])
    directions = weights_for(arrays, seed=1)

    def contract(grads: Sequence[tf.Tensor]) -> tf.Tensor:
        return weighted_sum(grads, directions)

    with ops_run() as names:
        xs = sources(arrays, False)
        with tf.GradientTape() as outer:
            outer.watch(xs)
            s = contract(first_gradient(call, xs, kwargs, out_weights))
        second = outer.gradient(s, xs, unconnected_gradients="zero")

    def scalar(values: list[np.ndarray]) -> float:
        grads = first_gradient(call, sources(values, False), kwargs, out_weights)
        return float(sum(np.sum(np.asarray(dense(g)) * v) for g, v in zip(grads, directions)))

    expected = numeric_gradient(scalar, arrays, eps)
    for i, (g, e, a) in enumerate(zip(second, expected, arrays)):
        assert_close(f"input {i} (second order)", g, e, a, tol)
    return names
