"""Parity cases for the math and nn functions issue 11 adds (trigonometry, expm1, xlogy,
segment reductions, clipping by norm, einsum, the nn composites, pooling, depthwise conv):
values, dtypes, gradients and the errors a user meets, as real TensorFlow computes them
(``fixtures_mathnn.json``, made by ``make_fixtures.py mathnn``).
"""

from __future__ import annotations


def _grad(setup: str, expr: str, *sources: str, dense: bool = False) -> str:
    """Case code: ``expr`` and its gradient w.r.t. ``sources`` (watched constants). With
    ``dense``, gradients go through convert_to_tensor: TensorFlow's gather gradient is an
    IndexedSlices, the engine's a dense tensor, and the dense values are what must agree."""
    names = ", ".join(sources)
    grads = f"tape.gradient(y, [{names}])"
    if dense:
        grads = f"[tf.convert_to_tensor(g) for g in {grads}]"
    watch = "\n".join(f"    tape.watch({s})" for s in sources)
    return f"""
{setup}
with tf.GradientTape() as tape:
{watch}
    y = {expr}
result = [y, {grads}]
"""


X32 = "x = tf.constant([-2.5, -1.0, -0.2, 0.0, 0.3, 1.0, 2.0])"
X64 = "x = tf.constant([-2.5, -1.0, -0.2, 0.0, 0.3, 1.0, 2.0], tf.float64)"
# Quarters times eighths: every float32 product and sum is exact, whatever order a kernel
# adds in, so convolutions compare to the last bit.
IMG = "x = tf.reshape(tf.range(50, dtype=tf.float32) / 4.0 - 6.0, [1, 5, 5, 2])"

CASES: list[tuple[str, str]] = [
    # -- trigonometry ----------------------------------------------------------------------
    ("sin_float32", _grad(X32, "tf.sin(x)", "x")),
    ("sin_float64", _grad(X64, "tf.math.sin(x)", "x")),
    ("cos_float32", _grad(X32, "tf.cos(x)", "x")),
    ("cos_float64", _grad(X64, "tf.math.cos(x)", "x")),
    ("tan_float32", _grad(X32, "tf.tan(x)", "x")),
    ("tan_float64", _grad(X64, "tf.math.tan(x)", "x")),
    ("sin_int_raises", "result = tf.sin(tf.constant([1, 2]))"),
    ("sin_second_derivative", """
x = tf.constant([0.5, 1.5])
with tf.GradientTape() as outer:
    outer.watch(x)
    with tf.GradientTape() as inner:
        inner.watch(x)
        y = tf.sin(x) * tf.cos(x)
    g = inner.gradient(y, x)
result = [g, outer.gradient(g, x)]
"""),
    # -- ceil, expm1, log_sigmoid, xlogy ---------------------------------------------------------
    ("ceil_values_and_no_gradient", _grad(
        "x = tf.constant([-1.5, -0.5, 0.0, 0.2, 1.0, 2.7])", "tf.math.ceil(x)", "x")),
    ("ceil_float64", "result = tf.math.ceil(tf.constant([-1.5, 2.000001], tf.float64))"),
    ("ceil_int_raises", "result = tf.math.ceil(tf.constant([1, 2]))"),
    ("expm1_small_and_large", _grad(
        "x = tf.constant([-20., -1e-6, 0., 1e-7, 1e-3, 1., 10.])", "tf.math.expm1(x)", "x")),
    ("expm1_float64", _grad(
        "x = tf.constant([-1e-10, 0., 1e-8, 2.], tf.float64)", "tf.math.expm1(x)", "x")),
    ("log_sigmoid_stable", _grad(
        "x = tf.constant([-200., -30., -1., 0., 1., 30., 200.])", "tf.math.log_sigmoid(x)",
        "x")),
    ("log_sigmoid_float64", _grad(
        "x = tf.constant([-800., -3., 0., 3., 800.], tf.float64)", "tf.math.log_sigmoid(x)",
        "x")),
    ("xlogy_zero_x", _grad(
        "x = tf.constant([0., 0., 0., 1., 2., -3.])\ny = tf.constant([0., 1., -1., 0., 3., 0.5])",
        "tf.math.xlogy(x, y)", "x", "y")),
    ("xlogy_broadcast_float64", _grad(
        "x = tf.constant([[0.], [2.]], tf.float64)\ny = tf.constant([0.5, 1., 4.], tf.float64)",
        "tf.math.xlogy(x, y)", "x", "y")),
    ("xlogy_dtype_mismatch_raises",
     "result = tf.math.xlogy(tf.constant([1.]), tf.constant([1.], tf.float64))"),
    ("xlogy_int_raises", "result = tf.math.xlogy(tf.constant([1]), tf.constant([2]))"),
    # -- reduce_euclidean_norm -------------------------------------------------------------------
    ("euclidean_norm_all", _grad(
        "x = tf.constant([[3., -4.], [1., 2.]])", "tf.math.reduce_euclidean_norm(x)", "x")),
    ("euclidean_norm_axis_keepdims", _grad(
        "x = tf.constant([[3., -4., 0.], [1., 2., 2.]], tf.float64)",
        "tf.math.reduce_euclidean_norm(x, axis=1, keepdims=True)", "x")),
    ("euclidean_norm_axis0", _grad(
        "x = tf.constant([[3., -4., 0.], [4., 3., 0.]])",
        "tf.math.reduce_euclidean_norm(x, axis=0)", "x")),
    ("euclidean_norm_int", "result = tf.math.reduce_euclidean_norm(tf.constant([[3, 4], [1, 1]]),"
     " axis=1)"),
    ("euclidean_norm_no_axes_is_magnitude", _grad(
        "x = tf.constant([-3., 4.])", "tf.math.reduce_euclidean_norm(x, axis=[])", "x")),
    ("euclidean_norm_bad_axis_raises",
     "result = tf.math.reduce_euclidean_norm(tf.constant([1., 2.]), axis=3)"),
    # -- segments ------------------------------------------------------------------------------
    ("segment_sum_rows", _grad(
        "x = tf.constant([[1., 2.], [3., 4.], [5., 6.], [7., 8.]])",
        "tf.math.segment_sum(x, tf.constant([0, 0, 2, 2])) * tf.constant([[1.], [2.], [3.]])",
        "x")),
    ("segment_sum_int", "result = tf.math.segment_sum(tf.constant([1, 2, 3]), [0, 1, 1])"),
    ("segment_sum_unsorted_raises",
     "result = tf.math.segment_sum(tf.constant([1., 2., 3.]), [1, 0, 1])"),
    ("segment_sum_wrong_length_raises",
     "result = tf.math.segment_sum(tf.constant([1., 2., 3.]), [0, 1])"),
    ("unsorted_segment_mean", _grad(
        "x = tf.constant([[1., 2.], [3., 4.], [5., 6.], [7., 8.]])",
        "tf.math.unsorted_segment_mean(x, tf.constant([2, 0, 2, 2]), 4) * "
        "tf.constant([[1.], [2.], [3.], [4.]])", "x")),
    ("unsorted_segment_mean_float64_negative_id", _grad(
        "x = tf.constant([1., 2., 4.], tf.float64)",
        "tf.math.unsorted_segment_mean(x, [1, -1, 1], 2)", "x")),
    ("unsorted_segment_mean_int",
     "result = tf.math.unsorted_segment_mean(tf.constant([1, 2, 4]), [0, 0, 1], 3)"),
    ("unsorted_segment_max_ties_and_empty", _grad(
        "x = tf.constant([[1., 5.], [3., 5.], [3., 0.], [-2., -1.]])",
        "tf.math.unsorted_segment_max(x, tf.constant([0, 0, 0, 2]), 3)", "x")),
    ("unsorted_segment_max_int",
     "result = tf.math.unsorted_segment_max(tf.constant([4, 9, 2]), [1, 1, 0], 3)"),
    ("unsorted_segment_max_float64",
     "result = tf.math.unsorted_segment_max(tf.constant([4., 9.], tf.float64), [1, 1], 2)"),
    ("unsorted_segment_max_out_of_range_raises",
     "result = tf.math.unsorted_segment_max(tf.constant([4., 9.]), [0, 5], 2)"),
    # -- clip_by_norm, clip_by_global_norm -------------------------------------------------------
    ("clip_by_norm_clipped", _grad(
        "x = tf.constant([[3., 4.], [6., 8.]])", "tf.clip_by_norm(x, 5.0)", "x")),
    ("clip_by_norm_unclipped", _grad(
        "x = tf.constant([0.3, -0.4])", "tf.clip_by_norm(x, 2.0)", "x")),
    ("clip_by_norm_axes", _grad(
        "x = tf.constant([[3., 4.], [0.3, 0.4]], tf.float64)",
        "tf.clip_by_norm(x, 1.0, axes=[1])", "x")),
    ("clip_by_norm_zero_gradient", _grad(
        "x = tf.zeros([3])", "tf.clip_by_norm(x, 1.0)", "x")),
    ("clip_by_norm_int_raises", "result = tf.clip_by_norm(tf.constant([3, 4]), 1.5)"),
    ("clip_by_global_norm_clipped", """
a = tf.constant([3., 4.])
b = tf.constant([[12.]])
with tf.GradientTape() as tape:
    tape.watch([a, b])
    (ca, cb), norm = tf.clip_by_global_norm([a, b], 6.5)
    y = tf.reduce_sum(ca * tf.constant([1., 2.])) + tf.reduce_sum(cb)
result = [ca, cb, norm, tape.gradient(y, [a, b])]
"""),
    ("clip_by_global_norm_none_and_unclipped", """
clipped, norm = tf.clip_by_global_norm([tf.constant([0.1, 0.2]), None], 5.0)
result = [clipped[0], norm, tf.constant(clipped[1] is None)]
"""),
    ("clip_by_global_norm_use_norm",
     "result = tf.clip_by_global_norm([tf.constant([1., 1.])], 1.0, use_norm=tf.constant(4.0))"),
    ("clip_by_global_norm_inf_gives_nan",
     "result = tf.clip_by_global_norm([tf.constant([np.inf, 1.])], 1.0)"),
    ("clip_by_global_norm_tensor_raises",
     "result = tf.clip_by_global_norm(tf.constant([1., 2.]), 1.0)"),
    ("global_norm", "result = tf.linalg.global_norm([tf.constant([3.]), tf.constant([[4.]])])"),
    # -- einsum ---------------------------------------------------------------------------------
    ("einsum_matmul", _grad(
        "a = tf.reshape(tf.range(6.0), [2, 3])\nb = tf.reshape(tf.range(12.0) / 5, [3, 4])",
        "tf.einsum('ij,jk->ik', a, b)", "a", "b")),
    ("einsum_batch_matmul", _grad(
        "a = tf.reshape(tf.range(12.0) - 5, [2, 2, 3])\nb = tf.reshape(tf.range(18.0) / 7, "
        "[2, 3, 3])", "tf.einsum('bij,bjk->bik', a, b)", "a", "b")),
    ("einsum_transpose", _grad(
        "a = tf.reshape(tf.range(6.0), [2, 3])", "tf.einsum('ij->ji', a) * "
        "tf.constant([[1.], [2.], [3.]])", "a")),
    ("einsum_reductions", _grad(
        "a = tf.reshape(tf.range(24.0), [2, 3, 4])",
        "[tf.einsum('ijk->', a), tf.einsum('ijk->ik', a), tf.einsum('ijk->kj', a)]", "a")),
    ("einsum_outer_and_dot", _grad(
        "u = tf.constant([1., 2., 3.], tf.float64)\nv = tf.constant([4., -5., 6.], tf.float64)",
        "[tf.einsum('i,j->ij', u, v), tf.einsum('i,i->', u, v), tf.einsum('i,i', u, v)]",
        "u", "v")),
    ("einsum_implicit_output", _grad(
        "a = tf.reshape(tf.range(6.0), [2, 3])\nb = tf.reshape(tf.range(12.0), [4, 3])",
        "tf.einsum('ij,kj', a, b)", "a", "b")),
    ("einsum_ellipsis_broadcast", _grad(
        "a = tf.reshape(tf.range(12.0) / 3, [2, 2, 3])\nb = tf.reshape(tf.range(6.0), [3, 2])",
        "tf.einsum('...ij,...jk->...ik', a, b)", "a", "b")),
    ("einsum_contract_missing_letter", _grad(
        "a = tf.reshape(tf.range(6.0), [2, 3])\nb = tf.constant([1., 2., 3., 4.])",
        "tf.einsum('ij,k->i', a, b)", "a", "b")),
    ("einsum_trace_and_diagonal", _grad(
        "a = tf.reshape(tf.range(9.0), [3, 3])\nb = tf.reshape(tf.range(18.0) / 4, [2, 3, 3])",
        "[tf.einsum('ii->', a), tf.einsum('ii->i', a), tf.einsum('bii->b', b), "
        "tf.einsum('ii', a)]", "a", "b")),
    ("einsum_int", "result = tf.einsum('ij,jk->ik', tf.constant([[1, 2]]), "
     "tf.constant([[3], [4]]))"),
    ("einsum_three_operands", "result = tf.einsum('ij,jk,kl->il', tf.ones([2, 3]), "
     "tf.ones([3, 4]), tf.ones([4, 2]))"),
    ("einsum_dimension_mismatch_raises",
     "result = tf.einsum('ij,jk->ik', tf.ones([2, 3]), tf.ones([4, 2]))"),
    ("einsum_operand_count_raises",
     "result = tf.einsum('ij,jk->ik', tf.ones([2, 3]))"),
    ("einsum_rank_mismatch_raises", "result = tf.einsum('ijk->k', tf.ones([2, 3]))"),
    ("einsum_dtype_mismatch_raises",
     "result = tf.einsum('ij,jk->ik', tf.ones([2, 3]), tf.ones([3, 2], tf.float64))"),
    # -- sigmoid cross-entropy ---------------------------------------------------------------
    ("sigmoid_xent_stable", _grad(
        "logits = tf.constant([-200., -3., 0., 2., 200.])\n"
        "labels = tf.constant([0., 1., 0.5, 0., 1.])",
        "tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)",
        "logits", "labels")),
    ("sigmoid_xent_float64", _grad(
        "logits = tf.constant([[-800., 0.3], [2., 800.]], tf.float64)\n"
        "labels = tf.constant([[1., 0.], [1., 0.]], tf.float64)",
        "tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)", "logits")),
    ("sigmoid_xent_shape_mismatch_raises",
     "result = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones([2]), "
     "logits=tf.ones([3]))"),
    ("sigmoid_xent_list_labels",
     "result = tf.nn.sigmoid_cross_entropy_with_logits(labels=[1., 0.], logits=tf.constant("
     "[0.5, -0.5]))"),
    # -- dropout --------------------------------------------------------------------------------
    ("dropout_rate_zero_is_identity", _grad(
        "x = tf.constant([[1., 2.], [3., 4.]])", "tf.nn.dropout(x, rate=0.0)", "x")),
    ("dropout_rate_one_raises", "result = tf.nn.dropout(tf.ones([3]), rate=1.0)"),
    ("dropout_negative_rate_raises", "result = tf.nn.dropout(tf.ones([3]), rate=-0.1)"),
    ("dropout_int_raises", "result = tf.nn.dropout(tf.constant([1, 2]), rate=0.5)"),
    ("dropout_scaling_and_zeros", """
x = tf.ones([40, 50])
y = tf.nn.dropout(x, rate=0.75, seed=3)
values = np.unique(y.numpy())
result = [tf.constant(values), y.dtype == tf.float32 and tf.constant(y.shape == x.shape)]
"""),
    ("dropout_noise_shape_shares_decisions", """
x = tf.ones([6, 40])
y = tf.nn.dropout(x, rate=0.5, noise_shape=[1, 40], seed=1).numpy()
result = [tf.constant(bool((y == y[0]).all())), tf.constant(np.unique(y))]
"""),
    ("dropout_gradient_is_mask_times_scale", """
x = tf.ones([30, 30], tf.float64)
with tf.GradientTape() as tape:
    tape.watch(x)
    y = tf.nn.dropout(x, rate=0.2)
g = tape.gradient(y, x)
result = tf.constant(bool(np.array_equal(g.numpy(), y.numpy())))
"""),
    # -- moments, batch_normalization --------------------------------------------------------
    ("moments_axes0", _grad(
        "x = tf.constant([[1., 2., 4.], [3., 8., 5.]])", "tf.nn.moments(x, axes=[0])", "x")),
    ("moments_keepdims_float64", _grad(
        "x = tf.reshape(tf.range(24.0, dtype=tf.float64) ** 1.5, [2, 3, 4])",
        "tf.nn.moments(x, axes=[0, 2], keepdims=True)", "x")),
    ("moments_all_axes", "result = tf.nn.moments(tf.constant([[1., 2.], [3., 7.]]), [0, 1])"),
    ("moments_float16",
     "result = tf.nn.moments(tf.constant([1., 2., 3.5], tf.float16), axes=[0])"),
    ("batch_normalization", _grad(
        "x = tf.constant([[1., 2., 4.], [3., 8., 5.]])\nmean = tf.constant([2., 5., 4.5])\n"
        "var = tf.constant([1., 9., 0.25])\noffset = tf.constant([0.1, 0.2, 0.3])\n"
        "scale = tf.constant([2., 1., 0.5])",
        "tf.nn.batch_normalization(x, mean, var, offset, scale, 1e-3)",
        "x", "mean", "var", "offset", "scale")),
    ("batch_normalization_no_offset_scale", _grad(
        "x = tf.constant([[1., 2.], [3., 8.]], tf.float64)\n"
        "mean, var = tf.nn.moments(x, axes=[0])",
        "tf.nn.batch_normalization(x, mean, var, None, None, 1e-5)", "x")),
    # -- embedding_lookup ----------------------------------------------------------------------
    ("embedding_lookup", _grad(
        "params = tf.reshape(tf.range(12.0), [4, 3])\nids = tf.constant([[3, 0], [3, 1]])",
        "tf.nn.embedding_lookup(params, ids)", "params", dense=True)),
    ("embedding_lookup_sharded", _grad(
        "p0 = tf.constant([[0., 0.], [2., 2.], [4., 4.]])\np1 = tf.constant([[1., 1.], "
        "[3., 3.]])", "tf.nn.embedding_lookup([p0, p1], tf.constant([4, 1, 0, 3, 2]))",
        "p0", "p1", dense=True)),
    ("embedding_lookup_max_norm", _grad(
        "params = tf.constant([[3., 4.], [0.3, 0.4]])",
        "tf.nn.embedding_lookup(params, [0, 1, 0], max_norm=1.0)", "params", dense=True)),
    ("embedding_lookup_variable", """
table = tf.Variable([[1., 2.], [3., 4.], [5., 6.]])
with tf.GradientTape() as tape:
    y = tf.reduce_sum(tf.nn.embedding_lookup(table, [2, 2, 0]) * tf.constant([1., 10.]))
result = [y, tf.convert_to_tensor(tape.gradient(y, table))]
"""),
    ("embedding_lookup_out_of_range_raises",
     "result = tf.nn.embedding_lookup(tf.ones([3, 2]), [0, 3])"),
    ("embedding_lookup_float_ids_raises",
     "result = tf.nn.embedding_lookup(tf.ones([3, 2]), tf.constant([0., 1.]))"),
    # -- avg_pool ---------------------------------------------------------------------------------
    ("avg_pool_valid", _grad(IMG, "tf.nn.avg_pool(x, ksize=2, strides=2, padding='VALID')",
                             "x")),
    ("avg_pool2d_same_border_windows", _grad(
        IMG, "tf.nn.avg_pool2d(x, ksize=3, strides=2, padding='SAME')", "x")),
    ("avg_pool2d_same_stride1_float64", _grad(
        "x = tf.reshape(tf.range(16, dtype=tf.float64) ** 2, [1, 4, 4, 1])",
        "tf.nn.avg_pool2d(x, ksize=[2, 3], strides=1, padding='SAME')", "x")),
    ("avg_pool_list_args", "result = tf.nn.avg_pool(tf.ones([2, 4, 4, 3]), ksize=[1, 2, 2, 1], "
     "strides=[1, 2, 2, 1], padding='VALID')"),
    ("avg_pool_1d", _grad(
        "x = tf.reshape(tf.range(14.0) / 4, [1, 7, 2])",
        "tf.nn.avg_pool(x, ksize=3, strides=[2], padding='SAME')", "x")),
    ("avg_pool_int_raises",
     "result = tf.nn.avg_pool2d(tf.ones([1, 2, 2, 1], tf.int32), 2, 2, 'VALID')"),
    ("avg_pool_bad_padding_raises",
     "result = tf.nn.avg_pool2d(tf.ones([1, 2, 2, 1]), 2, 2, 'FULL')"),
    # -- depthwise_conv2d ----------------------------------------------------------------------
    ("depthwise_conv2d_valid", _grad(
        IMG + "\nw = tf.reshape(tf.range(24.0) / 8 - 1, [2, 2, 2, 3])",
        "tf.nn.depthwise_conv2d(x, w, strides=[1, 1, 1, 1], padding='VALID')", "x", "w")),
    ("depthwise_conv2d_same_strided", _grad(
        IMG + "\nw = tf.reshape(tf.range(18.0) / 8 - 1, [3, 3, 2, 1])",
        "tf.nn.depthwise_conv2d(x, w, strides=[1, 2, 2, 1], padding='SAME')", "x", "w")),
    ("depthwise_conv2d_dilated_float64", _grad(
        "x = tf.reshape(tf.range(72, dtype=tf.float64) / 9, [2, 6, 6, 1])\n"
        "w = tf.constant([[[[1., -1.]], [[0.5, 2.]]], [[[0.25, 0.]], [[-2., 1.]]]], tf.float64)",
        "tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], 'VALID', dilations=[2, 2])", "x", "w")),
    ("depthwise_conv2d_channel_mismatch_raises",
     "result = tf.nn.depthwise_conv2d(tf.ones([1, 3, 3, 2]), tf.ones([2, 2, 3, 1]), "
     "[1, 1, 1, 1], 'VALID')"),
    # -- selu, softsign -----------------------------------------------------------------------------
    ("selu_float32", _grad(X32, "tf.nn.selu(x)", "x")),
    ("selu_float64_tails", _grad(
        "x = tf.constant([-800., -20., -1e-8, 0., 1e-8, 5., 800.], tf.float64)",
        "tf.nn.selu(x)", "x")),
    ("selu_int_raises", "result = tf.nn.selu(tf.constant([1, -1]))"),
    ("softsign_float32", _grad(X32, "tf.nn.softsign(x)", "x")),
    ("softsign_float64", _grad(
        "x = tf.constant([-1e300, -3., 0., 0.5, 1e300], tf.float64)", "tf.math.softsign(x)",
        "x")),
    ("softsign_int_raises", "result = tf.nn.softsign(tf.constant([1, -1]))"),
]
