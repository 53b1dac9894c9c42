"""Parity cases for ``tf.linalg``: values, dtypes, gradients and the errors users hit.

QR and SVD factors are only unique up to signs: the cases compare what TensorFlow's sign
choice gives (checked to agree with LAPACK's on these inputs) and, for SVD, also sign-free
quantities (the reconstruction, |u|, |v|) that any correct SVD must match.
"""

from __future__ import annotations

_A = "a = tf.constant([[4., 1., 2.], [1., 3., 0.5], [2., 0.5, 5.]])\n"
_A64 = "a = tf.constant([[4., 1., 2.], [1., 3., 0.5], [2., 0.5, 5.]], tf.float64)\n"
_GENERIC = "g = tf.constant([[0.3, -1.2, 2.5], [1.7, 0.4, -0.8], [-0.6, 2.2, 1.1]])\n"
_BATCH = ("b = tf.constant([[[2., 1.], [1., 3.]], [[1., 2.], [3., 4.]], [[5., -1.], [2., 2.]]])"
          "\n")


def _gradient(expression: str, setup: str = _A64, source: str = "a") -> str:
    return (setup + "with tf.GradientTape() as tape:\n"
            f"    tape.watch({source})\n    y = {expression}\n"
            f"result = [y, tape.gradient(y, {source})]\n")


CASES: list[tuple[str, str]] = [
    # -- inv -------------------------------------------------------------------------------
    ("inv_float32", _A + "result = tf.linalg.inv(a)"),
    ("inv_float64", _A64 + "result = tf.linalg.inv(a)"),
    ("inv_batch", _BATCH + "result = tf.linalg.inv(b)"),
    ("inv_adjoint", _BATCH + "result = tf.linalg.inv(b, adjoint=True)"),
    ("inv_gradient", _gradient("tf.reduce_sum(tf.linalg.inv(a) * [[1., 2., 3.]])")),
    ("inv_adjoint_gradient", _gradient("tf.reduce_sum(tf.linalg.inv(a, adjoint=True) * "
                                       "[[1., 2., 3.]])")),
    ("inv_singular", "result = tf.linalg.inv(tf.constant([[1., 2.], [2., 4.]]))"),
    ("inv_not_square", "result = tf.linalg.inv(tf.ones((2, 3)))"),
    ("inv_rank1", "result = tf.linalg.inv(tf.ones((3,)))"),
    ("inv_int", "result = tf.linalg.inv(tf.constant([[1, 0], [0, 1]]))"),
    # -- det -------------------------------------------------------------------------------
    ("det_float32", _A + "result = tf.linalg.det(a)"),
    ("det_float64", _A64 + "result = tf.linalg.det(a)"),
    ("det_batch", _BATCH + "result = tf.linalg.det(b)"),
    ("det_singular", "result = tf.linalg.det(tf.constant([[1., 2.], [2., 4.]], tf.float64))"),
    ("det_gradient", _gradient("tf.linalg.det(a)")),
    ("det_batch_gradient", _gradient("tf.linalg.det(b) * [1., 2., 3.]", _BATCH, "b")),
    ("det_not_square", "result = tf.linalg.det(tf.ones((2, 3)))"),
    # -- solve -----------------------------------------------------------------------------
    ("solve_float32", _A + "result = tf.linalg.solve(a, [[1.], [2.], [3.]])"),
    ("solve_float64_two_rhs", _A64 + "result = tf.linalg.solve(a, tf.constant("
     "[[1., 0.], [2., 1.], [3., -1.]], tf.float64))"),
    ("solve_adjoint", _A64 + "m = a + tf.constant([[0., 1., 0.], [0., 0., 0.], [0., 0., 0.]], "
     "tf.float64)\nresult = tf.linalg.solve(m, tf.constant([[1.], [2.], [3.]], tf.float64), "
     "adjoint=True)"),
    ("solve_gradient", _A64 + """m = a + tf.constant([[0., 1., 0.], [0., 0., 0.], [0., 0., 0.]], tf.float64)
rhs = tf.constant([[1., 0.], [2., 1.], [3., -1.]], tf.float64)
with tf.GradientTape(persistent=True) as tape:
    tape.watch([m, rhs])
    y = tf.reduce_sum(tf.linalg.solve(m, rhs) * [[1., 2.]])
    z = tf.reduce_sum(tf.linalg.solve(m, rhs, adjoint=True) * [[1., 2.]])
result = [y, tape.gradient(y, [m, rhs]), z, tape.gradient(z, [m, rhs])]
"""),
    ("solve_shape_mismatch", _A + "result = tf.linalg.solve(a, tf.ones((2, 1)))"),
    ("solve_singular", "result = tf.linalg.solve(tf.constant([[1., 2.], [2., 4.]]), "
     "tf.ones((2, 1)))"),
    ("solve_dtype_mismatch", _A + "result = tf.linalg.solve(a, tf.ones((3, 1), tf.float64))"),
    # -- cholesky --------------------------------------------------------------------------
    ("cholesky_float32", _A + "result = tf.linalg.cholesky(a)"),
    ("cholesky_float64_batch", "result = tf.linalg.cholesky(tf.constant("
     "[[[2., 1.], [1., 3.]], [[9., 3.], [3., 5.]]], tf.float64))"),
    ("cholesky_reads_lower_triangle", "result = tf.linalg.cholesky(tf.constant("
     "[[4., 100.], [2., 5.]]))"),
    ("cholesky_gradient", _gradient("tf.reduce_sum(tf.linalg.cholesky(a) * "
                                    "[[1., 2., 3.], [4., 5., 6.], [7., 8., 9.]])")),
    # TensorFlow 2.21's CPU kernel no longer raises: NaN in the failed matrices' lower
    # triangle (their upper triangle is uninitialized memory, so it is masked off here).
    ("cholesky_not_positive_definite", "result = tf.linalg.band_part(tf.linalg.cholesky("
     "tf.constant([[1., 2.], [2., 1.]])), -1, 0)"),
    ("cholesky_not_positive_definite_batch", "result = tf.linalg.band_part("
     "tf.linalg.cholesky(tf.constant([[[4., 0.], [0., 1.]], [[1., 2.], [2., 1.]]])), -1, 0)"),
    # -- diag, diag_part, trace ---------------------------------------------------------------
    ("diag_int", "result = tf.linalg.diag([1, 2, 3])"),
    ("diag_batch", "result = tf.linalg.diag(tf.constant([[1., 2.], [3., 4.]]))"),
    ("diag_rectangular", "result = tf.linalg.diag([1., 2.], num_rows=2, num_cols=4)"),
    ("diag_padding", "result = tf.linalg.diag([1., 2.], padding_value=9.)"),
    ("diag_gradient", _gradient("tf.reduce_sum(tf.linalg.diag(a) * tf.reshape(tf.range(27.,"
                                " dtype=tf.float64), (3, 3, 3)))")),
    ("diag_scalar", "result = tf.linalg.diag(tf.constant(1.))"),
    ("diag_part", _A + "result = tf.linalg.diag_part(a)"),
    ("diag_part_rectangular_batch",
     "result = tf.linalg.diag_part(tf.reshape(tf.range(24), (2, 3, 4)))"),
    ("diag_part_gradient", _gradient("tf.linalg.diag_part(a[:2]) * [2., 3.]")),
    ("diag_part_rank1", "result = tf.linalg.diag_part(tf.ones((3,)))"),
    ("trace", _A + "result = tf.linalg.trace(a)"),
    ("trace_batch_int", "result = tf.linalg.trace(tf.reshape(tf.range(24), (2, 3, 4)))"),
    ("trace_gradient", _gradient("tf.linalg.trace(a)")),
    # -- matvec, matmul alias, eye --------------------------------------------------------------
    ("matvec", _A + "result = tf.linalg.matvec(a, [1., 2., 3.])"),
    ("matvec_transpose_batch", _BATCH + "result = tf.linalg.matvec(b, [[1., 2.], [3., 4.], "
     "[5., 6.]], transpose_a=True)"),
    ("matvec_gradient", _A64 + """v = tf.constant([1., -2., 0.5], tf.float64)
with tf.GradientTape() as tape:
    tape.watch([a, v])
    y = tf.linalg.matvec(a, v) * [1., 2., 3.]
result = [y, tape.gradient(y, [a, v])]
"""),
    ("matvec_size_mismatch", _A + "result = tf.linalg.matvec(a, [1., 2.])"),
    ("linalg_matmul", _A + "result = tf.linalg.matmul(a, a, transpose_b=True)"),
    ("eye", "result = tf.linalg.eye(3)"),
    ("eye_rectangular_int", "result = tf.linalg.eye(2, num_columns=3, dtype=tf.int32)"),
    ("eye_batch", "result = tf.linalg.eye(2, batch_shape=[2, 1], dtype=tf.float64)"),
    ("tf_eye", "result = tf.eye(2, 4)"),
    # -- band_part --------------------------------------------------------------------------
    ("band_part_lower", "result = tf.linalg.band_part(tf.reshape(tf.range(1., 17.), (4, 4)), "
     "-1, 0)"),
    ("band_part_tridiagonal_batch", "result = tf.linalg.band_part(tf.reshape(tf.range(24), "
     "(2, 3, 4)), 1, 1)"),
    ("band_part_gradient", _gradient("tf.linalg.band_part(a, 0, 1) * [[1., 2., 3.]]")),
    ("band_part_too_wide", "result = tf.linalg.band_part(tf.ones((2, 2)), 3, 0)"),
    # -- qr --------------------------------------------------------------------------------
    ("qr_square", _GENERIC + "result = tf.linalg.qr(g)"),
    ("qr_tall_float64", "result = tf.linalg.qr(tf.constant([[1., 2.], [3., 4.], [5., 9.]], "
     "tf.float64))"),
    ("qr_tall_full_matrices", "result = tf.linalg.qr(tf.constant([[1., 2.], [3., 4.], "
     "[5., 9.]], tf.float64), full_matrices=True)"),
    ("qr_wide", "result = tf.linalg.qr(tf.constant([[1., 2., 3.], [4., 5., 7.]], "
     "tf.float64))"),
    ("qr_gradient_tall", """x = tf.constant([[1., 2.], [3., 4.], [5., 7.]], tf.float64)
with tf.GradientTape() as tape:
    tape.watch(x)
    q, r = tf.linalg.qr(x)
    y = tf.reduce_sum(q * [[1., 2.]]) + tf.reduce_sum(r * [[3., 4.]])
result = tape.gradient(y, x)
"""),
    ("qr_gradient_wide", """x = tf.constant([[1., 2., 3.], [4., 5., 7.]], tf.float64)
with tf.GradientTape() as tape:
    tape.watch(x)
    q, r = tf.linalg.qr(x)
    y = tf.reduce_sum(q * [[1., 2.]]) + tf.reduce_sum(r * [[3., 4., 5.]])
result = tape.gradient(y, x)
"""),
    ("qr_rank1", "result = tf.linalg.qr(tf.ones((3,)))"),
    # -- svd -------------------------------------------------------------------------------
    ("svd_values_only", _GENERIC + "result = tf.linalg.svd(g, compute_uv=False)"),
    ("svd_values_batch_float64", "result = tf.linalg.svd(tf.constant([[[1., 2., 3.], "
     "[4., 5., 7.]], [[0., 1., 0.], [2., 0., 1.]]], tf.float64), compute_uv=False)"),
    ("svd_order_s_u_v", """x = tf.constant([[1., 2.], [3., 4.], [5., 7.]], tf.float64)
s, u, v = tf.linalg.svd(x)
result = [s, tf.abs(u), tf.abs(v), u @ tf.linalg.diag(s) @ tf.transpose(v)]
"""),
    ("svd_full_matrices_shapes", """x = tf.constant([[1., 2.], [3., 4.], [5., 7.]])
s, u, v = tf.linalg.svd(x, full_matrices=True)
result = [tf.shape(s), tf.shape(u), tf.shape(v)]
"""),
    ("svd_values_gradient", _gradient("tf.reduce_sum(tf.linalg.svd(a, compute_uv=False) * "
                                      "[1., 2., 3.])")),
    ("svd_rank1", "result = tf.linalg.svd(tf.ones((3,)))"),
]

# Gradients through u and v of losses that do not depend on the vectors' signs.
_SVD_GRADIENT = """x = tf.constant({matrix}, tf.float64)
with tf.GradientTape() as tape:
    tape.watch(x)
    s, u, v = tf.linalg.svd(x, full_matrices={full})
    y = (tf.reduce_sum(s * tf.range(1., s.shape[-1] + 1., dtype=tf.float64))
         + tf.reduce_sum(tf.square(u) * tf.reshape(tf.range(tf.size(u), dtype=tf.float64),
                                                   tf.shape(u)))
         + tf.reduce_sum(tf.square(v[..., :1]) * 0.5))
result = tape.gradient(y, x)
"""
_WIDE = "[[1., 2., 3.], [4., 5., 7.]]"
_TALL = "[[1., 2.], [3., -4.], [5., 9.]]"
_SQUARE = "[[[3., 1.], [0.5, 2.]], [[1., -2.], [0.3, 4.]]]"
CASES += [
    ("svd_gradient_through_u_v_wide", _SVD_GRADIENT.format(matrix=_WIDE, full=False)),
    ("svd_gradient_through_u_v_tall", _SVD_GRADIENT.format(matrix=_TALL, full=False)),
    ("svd_gradient_through_u_v_square_batch",
     _SVD_GRADIENT.format(matrix=_SQUARE, full=False)),
    ("svd_gradient_full_matrices_off_by_one",
     _SVD_GRADIENT.format(matrix=_TALL, full=True)),
    ("svd_gradient_full_matrices_off_by_two",
     _SVD_GRADIENT.format(matrix="[[1.], [2.], [4.]]", full=True)),
    ("qr_gradient_full_matrices_tall", """x = tf.constant([[1., 2.], [3., 4.], [5., 9.]], tf.float64)
with tf.GradientTape() as tape:
    tape.watch(x)
    q, r = tf.linalg.qr(x, full_matrices=True)
    y = tf.reduce_sum(r)
result = tape.gradient(y, x)
"""),
]

CASES += [
    ("inv_float16", "result = tf.linalg.inv(tf.constant([[2., 1.], [1., 3.]], tf.float16))"),
    ("qr_float16", "result = tf.linalg.qr(tf.constant([[2., 1.], [1., 3.]], tf.float16))"),
    ("det_float16", "result = tf.linalg.det(tf.eye(2, dtype=tf.float16))"),
    ("cholesky_bool", "result = tf.linalg.cholesky(tf.cast(tf.eye(2), tf.bool))"),
    ("band_part_bool", "result = tf.linalg.band_part(tf.cast(tf.ones((2, 3)), tf.bool), 0, 0)"),
    ("diag_part_bool", "result = tf.linalg.diag_part(tf.cast(tf.eye(2), tf.bool))"),
]

# TensorFlow's SVD is Eigen's (divide and conquer / Jacobi), the engine's LAPACK's gesdd: the
# same singular values to a few float32 rounding steps.
FLOAT32_ULPS = {
    "svd_values_only": (16, "Eigen's SVD vs LAPACK's: different rounding order"),
    # Eigen's and LAPACK's Householder QR agree in signs, but a small entry of Q (0.013)
    # carries the absolute rounding error of its larger neighbours: 62 ulp of it is 1e-9.
    "qr_square": (64, "a small entry of Q carries its neighbours' absolute rounding error"),
}

CASES += [
    ("diag_above", "result = tf.linalg.diag([1, 2], k=1)"),
    ("diag_below", "result = tf.linalg.diag([1., 2.], k=-2)"),
    ("diag_num_rows_only", "result = tf.linalg.diag([1, 2], num_rows=3)"),
    ("diag_num_cols_only", "result = tf.linalg.diag([1, 2], num_cols=3)"),
    ("diag_above_num_cols", "result = tf.linalg.diag(tf.constant([[1, 2], [3, 4]]), k=1, "
     "num_cols=5)"),
    ("diag_inconsistent_size", "result = tf.linalg.diag([1, 2], num_rows=3, num_cols=3)"),
    ("diag_part_offsets", "x = tf.reshape(tf.range(12), (3, 4))\nresult = ["
     "tf.linalg.diag_part(x, k=1), tf.linalg.diag_part(x, k=-1), tf.linalg.diag_part(x, k=3), "
     "tf.linalg.diag_part(x, k=-2)]"),
    ("diag_part_out_of_range", "result = tf.linalg.diag_part(tf.ones((3, 4)), k=4)"),
    ("diag_part_below_out_of_range", "result = tf.linalg.diag_part(tf.ones((3, 4)), k=-3)"),
    ("diag_offset_gradients", _A64 + """d = tf.constant([1., 2.], tf.float64)
with tf.GradientTape(persistent=True) as tape:
    tape.watch([a, d])
    y = tf.linalg.diag_part(a, k=-1) * [2., 3.]
    z = tf.linalg.diag(d, k=1) * tf.reshape(tf.range(9., dtype=tf.float64), (3, 3))
result = [y, tape.gradient(y, a), z, tape.gradient(z, d)]
"""),
]
