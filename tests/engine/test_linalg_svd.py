"""The SVD the engine runs for TensorFlow's signs (engine/ops/linalg_svd.py): a stack is
computed exactly as each matrix alone, and the results are an SVD (signs against
TensorFlow itself: parity/cases_svd.py)."""

from __future__ import annotations

import numpy as np
import pytest

import engine as tf
from engine.ops import linalg_svd

SHAPES = [(1, 1), (3, 3), (5, 3), (3, 5), (8, 8), (12, 5), (2, 9), (15, 15), (20, 15)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("full", [False, True])
def test_a_stack_gives_each_matrix_what_it_gives_alone_bit_for_bit(dtype, full):
    rng = np.random.default_rng(1)
    for shape in [(3, 3), (5, 3), (3, 5), (8, 8), (12, 5)]:
        a = rng.normal(size=(12, *shape)).astype(dtype)
        a[3, :, 0] = a[3, :, -1]  # rank deficient
        a[4] = 0
        stacked = linalg_svd.jacobi_svd(a, full)
        for i in range(len(a)):
            alone = linalg_svd.jacobi_svd(a[i:i + 1], full)
            for got, want in zip(stacked, alone):
                np.testing.assert_array_equal(got[i], want[0], err_msg=f"{shape} #{i}")


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_factors_are_an_svd(shape, dtype):
    a = np.random.default_rng(2).normal(size=(2, *shape)).astype(dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for full in (False, True):
        s, u, v = (t.numpy() for t in tf.linalg.svd(tf.constant(a), full_matrices=full))
        k = min(shape)
        assert s.dtype == u.dtype == v.dtype == dtype
        assert np.all(s[:, :-1] >= s[:, 1:]) and np.all(s >= 0)
        rebuilt = u[..., :k] @ (s[:, :, None] * np.swapaxes(v[..., :k], -1, -2))
        np.testing.assert_allclose(rebuilt, a, atol=tol * 10 * max(1, np.abs(a).max()))
        for q in (u, v):
            np.testing.assert_allclose(np.swapaxes(q, -1, -2) @ q,
                                       np.broadcast_to(np.eye(q.shape[-1]), q.shape[:-2] +
                                                       (q.shape[-1],) * 2), atol=tol * 10)


def test_wider_matrices_and_other_dtypes_are_left_to_lapack():
    assert linalg_svd.eigen_svd(np.ones((3, 16)), False) is None
    assert linalg_svd.eigen_svd(np.ones((3, 15)), False) is not None
    assert linalg_svd.eigen_svd(np.ones((0, 3)), False) is None
    assert linalg_svd.eigen_svd(np.ones((3, 3), np.float16), False) is None


def test_a_non_finite_matrix_gives_nan_only_for_itself():
    a = np.stack([np.eye(2), [[1.0, np.inf], [0.0, 1.0]]])
    s, u, v = linalg_svd.jacobi_svd(a, False)
    assert np.isnan(s[1]).all() and np.isnan(u[1]).all() and np.isnan(v[1]).all()
    np.testing.assert_array_equal(s[0], [1.0, 1.0])
