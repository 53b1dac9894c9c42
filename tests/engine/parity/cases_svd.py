"""Parity cases for ``tf.linalg.svd``'s singular vectors, signs included: TensorFlow's CPU
kernel runs Eigen's JacobiSVD for matrices of fewer than 16 columns, and the engine
reproduces it (engine/ops/linalg_svd.py). Square, tall, wide, batched, thin and full,
float32 and float64. See ``cases_numerics.py`` for the case format.

float32 vectors are compared as ``u + 2``: their entries are good to ~1e-7 absolutely (the
last bits of float32 Jacobi rotations), which a ulp test cannot say of an entry near 0
(6.94e-7 vs 6.89e-7 is 84,000 ulp), while a flipped sign still moves an entry by 2|x|.
"""

from __future__ import annotations

_MATRIX = """
rng = np.random.default_rng({seed})
a = tf.constant(rng.normal(size={shape}), tf.{dtype})
s, u, v = tf.linalg.svd(a, full_matrices={full})
result = [s, u, v] if a.dtype == tf.float64 else [s, u + 2, v + 2]
"""


def _case(name: str, shape: tuple, dtype: str = "float32", full: bool = False,
          seed: int = 0) -> tuple[str, str]:
    return name, _MATRIX.format(seed=seed, shape=shape, dtype=dtype, full=full)


CASES: list[tuple[str, str]] = [
    _case("square_2x2", (2, 2)),
    _case("square_3x3", (3, 3), seed=1),
    _case("square_3x3_float64", (3, 3), "float64", seed=1),
    _case("square_6x6", (6, 6), seed=2),
    _case("square_15x15_float64", (15, 15), "float64", seed=3),
    _case("tall_5x3", (5, 3), seed=4),
    _case("tall_5x3_full", (5, 3), full=True, seed=4),
    _case("tall_9x4_float64_full", (9, 4), "float64", full=True, seed=5),
    _case("wide_3x5", (3, 5), seed=6),
    _case("wide_3x5_full", (3, 5), full=True, seed=6),
    _case("wide_4x12_float64", (4, 12), "float64", seed=7),
    _case("row_1x4", (1, 4), seed=8),
    _case("column_4x1_full", (4, 1), full=True, seed=9),
    _case("batch_2x4x4", (2, 4, 4), seed=10),
    _case("batch_2x3x5x2_float64", (2, 3, 5, 2), "float64", seed=11),
    ("negative_diagonal", """
s, u, v = tf.linalg.svd(tf.constant([[-3., 0., 0.], [0., 2., 0.], [0., 0., -1.]]))
result = [s, u + 2, v + 2]
"""),
    ("equal_singular_values_keep_their_order", """
s, u, v = tf.linalg.svd(tf.constant([[0., 2.], [2., 0.], [0., 0.]], tf.float64))
result = [s, u, v]
"""),
    ("zero_matrix", """
s, u, v = tf.linalg.svd(tf.zeros((3, 2)), full_matrices=True)
result = [s, u, v]
"""),
    ("integer_valued_rank_two", """
s, u, v = tf.linalg.svd(tf.constant([[1., 2., 3.], [4., 5., 6.], [7., 8., 10.]]))
result = [s, u + 2, v + 2]
"""),
    ("values_only_equal_with_vectors", """
a = tf.constant(np.random.default_rng(12).normal(size=(4, 3)), tf.float32)
result = [tf.linalg.svd(a, compute_uv=False), tf.linalg.svd(a)[0]]
"""),
    ("nan_input_gives_nan", """
s, u, v = tf.linalg.svd(tf.constant([[1., float("nan")], [0., 1.]]))
result = [s, u, v]
"""),
    ("gradient_through_vectors_with_signs", """
a = tf.constant(np.random.default_rng(13).normal(size=(4, 3)), tf.float64)
with tf.GradientTape() as tape:
    tape.watch(a)
    s, u, v = tf.linalg.svd(a)
    y = tf.reduce_sum(u[:, 0] * tf.constant([1., 2., 3., 4.], tf.float64)) + tf.reduce_sum(v)
result = tape.gradient(y, a)
"""),
]
