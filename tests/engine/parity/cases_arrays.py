"""Parity cases for the array functions of issue 11 (linspace, pad, sort, argsort, top_k,
boolean_mask, repeat, reverse, roll, meshgrid, unique, sequence_mask, tensor_scatter_nd_*,
strided_slice, saturate_cast, dtypes.cast) and for indexing: boolean masks, list indices and
sliced assignment to Variables. Same format as ``cases_numerics.py``."""

from __future__ import annotations


def _grad(expr: str, source: str = "x") -> str:
    """Code computing ``y = expr`` and its gradient (weighted, so each element's share shows)."""
    return f"""
with tf.GradientTape() as tape:
    tape.watch({source})
    y = {expr}
w = tf.reshape(tf.cast(tf.range(1, tf.size(y) + 1), y.dtype), tf.shape(y))
result = [y, tape.gradient(tf.reduce_sum(y * w), {source})]
"""


X23 = "x = tf.constant([[1., 2., 3.], [4., 5., 6.]])\n"
X33 = "x = tf.reshape(tf.range(9.), [3, 3])\n"

CASES: list[tuple[str, str]] = [
    # -- linspace ------------------------------------------------------------------------------
    ("linspace_float32", "result = tf.linspace(-1.3, 2.7, 7)"),
    ("linspace_many_float32", "result = tf.linspace(0., 1., 101)"),
    ("linspace_int_endpoints_float64", "result = tf.linspace(0, 10, 4)"),
    ("linspace_float64", "result = tf.linspace(tf.constant(0.1, tf.float64), 0.9, 9)"),
    ("linspace_one_and_zero", "result = [tf.linspace(2., 5., 1), tf.linspace(2., 5., 0)]"),
    ("linspace_vector_axis", "result = tf.linspace([0., 1.], [1., 3.], 3, axis=1)"),
    ("linspace_negative_num", "result = tf.linspace(0., 1., -1)"),
    ("linspace_gradient", """
a, b = tf.constant(0.5), tf.constant(2.)
with tf.GradientTape() as tape:
    tape.watch([a, b])
    y = tf.linspace(a, b, 5)
result = [y, tape.gradient(tf.reduce_sum(y * tf.range(1., 6.)), [a, b])]
"""),
    # -- pad ---------------------------------------------------------------------------------
    ("pad_constant", X23 + "result = tf.pad(x, [[1, 0], [2, 1]])"),
    ("pad_constant_values", "result = tf.pad([[1, 2], [3, 4]], [[1, 1], [2, 2]], constant_values=7)"),
    ("pad_reflect", X33 + "result = tf.pad(x, [[2, 1], [1, 2]], 'REFLECT')"),
    ("pad_symmetric", X23 + "result = tf.pad(x, [[2, 1], [3, 0]], 'SYMMETRIC')"),
    ("pad_lowercase_mode", X23 + "result = tf.pad(x, [[0, 1], [1, 1]], 'reflect')"),
    ("pad_constant_gradient", X23 + _grad("tf.pad(x, [[1, 0], [2, 1]], constant_values=3.)")),
    ("pad_reflect_gradient", X33 + _grad("tf.pad(x, [[2, 1], [1, 2]], 'REFLECT')")),
    ("pad_symmetric_gradient", X23 + _grad("tf.pad(x, [[2, 1], [3, 0]], 'SYMMETRIC')")),
    ("pad_reflect_too_wide", "result = tf.pad([[1, 2], [3, 4]], [[2, 2], [0, 0]], 'REFLECT')"),
    ("pad_scalar_no_paddings", "result = tf.pad(tf.constant(3.), tf.zeros([0, 2], tf.int32))"),
    ("pad_bad_mode", "result = tf.pad([1, 2], [[1, 1]], 'FOO')"),
    ("pad_negative", "result = tf.pad([1, 2], [[-1, 1]])"),
    ("pad_wrong_rank", "result = tf.pad([1, 2], [[1, 1], [1, 1]])"),
    ("pad_float_constant_on_ints", "result = tf.pad([1, 2], [[1, 1]], constant_values=0.5)"),
    # -- sort, argsort, top_k -------------------------------------------------------------------
    ("sort_ints", "result = tf.sort([3, -1, 2, 7, -1])"),
    ("sort_descending", "result = tf.sort([3., 1., 2., -5.], direction='DESCENDING')"),
    ("sort_axis0", "result = tf.sort([[3, 1], [0, 2], [5, -4]], axis=0)"),
    ("sort_uint8", "result = tf.sort(tf.constant([3, 255, 0, 7], tf.uint8))"),
    ("sort_int_extremes",
     "result = tf.sort(tf.constant([2147483647, -2147483648, 0, -1], tf.int32))"),
    ("sort_gradient", "x = tf.constant([[3., 1., 2.], [0., 5., 4.]])\n" + _grad("tf.sort(x)")),
    ("sort_axis0_gradient_descending", X23 + _grad("tf.sort(x, axis=0, direction='DESCENDING')")),
    ("sort_bool", "result = tf.sort(tf.constant([True, False]))"),
    ("sort_bad_direction", "result = tf.sort([3., 1.], direction='UP')"),
    ("sort_bad_axis", "result = tf.sort([[3, 1], [0, 2]], axis=2)"),
    ("argsort_stable_ties", "result = tf.argsort([3., 1., 2., 1., 3.], stable=True)"),
    ("argsort_descending_ties", "result = tf.argsort([3., 1., 2., 1., 3.], direction='DESCENDING')"),
    ("argsort_axis0", "result = tf.argsort([[3, 1], [0, 2], [5, -4]], axis=0)"),
    ("top_k", "result = list(tf.math.top_k([3., 1., 2., 1., 5.], k=3))"),
    ("top_k_fields", "r = tf.math.top_k([[3, 1, 2], [1, 2, 2]], k=2)\nresult = [r.values, r.indices]"),
    ("top_k_default_k", "result = list(tf.math.top_k([[3., 1.], [1., 2.]]))"),
    ("top_k_unsorted", "result = list(tf.math.top_k([[3., 1.], [1., 2.]], k=1, sorted=False))"),
    ("top_k_int64_indices", "result = list(tf.math.top_k([4, 9, 1], k=2, index_type=tf.int64))"),
    ("top_k_nn_alias", "result = list(tf.nn.top_k([4., 9., 1.], k=2))"),
    ("top_k_gradient", "x = tf.constant([[3., 1., 2., 4.], [1., 2., 2., 0.]])\n"
     + _grad("tf.math.top_k(x, k=2).values")),
    ("top_k_too_big", "result = tf.math.top_k([3., 1., 2., 1.], k=5)"),
    ("top_k_scalar", "result = tf.math.top_k(3., k=1)"),
    # -- boolean_mask and mask indexing --------------------------------------------------------
    ("boolean_mask", "result = tf.boolean_mask([[1, 2], [3, 4], [5, 6]], [True, False, True])"),
    ("boolean_mask_axis1", "result = tf.boolean_mask([[1, 2, 3], [4, 5, 6]], [True, False, True], axis=1)"),
    ("boolean_mask_2d_mask", "result = tf.boolean_mask([[1, 2], [3, 4]], [[True, False], [False, True]])"),
    ("boolean_mask_none_true", "result = tf.boolean_mask([1., 2.], [False, False])"),
    ("boolean_mask_gradient", X23 + _grad("tf.boolean_mask(x, [[True, False, True], [False, True, True]])")),
    ("boolean_mask_axis_gradient", X23 + _grad("tf.boolean_mask(x, [False, True, True], axis=1)")),
    ("boolean_mask_bad_shape", "result = tf.boolean_mask([1, 2], [True])"),
    ("index_with_bool_tensor", X23 + "result = x[tf.constant([True, False])]"),
    ("index_with_bool_numpy", X23 + "result = x[np.array([False, True])]"),
    ("index_with_bool_mask_gradient", X23 + _grad("x[x > 2.5]")),
    ("index_with_list_is_a_tuple", X23 + "result = x[[0, 1]]"),
    ("index_with_list_of_bools", X23 + "result = x[[True, False]]"),
    ("index_with_python_bool", X23 + "result = x[True]"),
    ("boolean_mask_int_mask", "result = tf.boolean_mask([1, 2, 3], [1, 0, 2])"),
    ("index_with_int_tensor_vector", X23 + "result = x[tf.constant([0, 1])]"),
    ("index_with_numpy_int_vector", X23 + "result = x[np.array([0, 1])]"),
    # -- repeat --------------------------------------------------------------------------------
    ("repeat_flat", "result = tf.repeat([[1, 2], [3, 4]], 2)"),
    ("repeat_counts_axis0", "result = tf.repeat([[1, 2], [3, 4]], [1, 2], axis=0)"),
    ("repeat_counts_axis1_zero", "result = tf.repeat([[1, 2, 3]], [2, 0, 1], axis=1)"),
    ("repeat_gradient", X23 + _grad("tf.repeat(x, [2, 1, 3], axis=1)")),
    ("repeat_negative", "result = tf.repeat([1, 2], -1)"),
    ("repeat_bad_counts", "result = tf.repeat([1, 2], [1, 2, 3])"),
    # -- reverse and roll ------------------------------------------------------------------------
    ("reverse", "result = tf.reverse([[1, 2, 3], [4, 5, 6]], [1])"),
    ("reverse_two_axes", "result = tf.reverse([[1, 2, 3], [4, 5, 6]], [0, -1])"),
    ("reverse_gradient", X23 + _grad("tf.reverse(x, [0])")),
    ("reverse_bad_axis", "result = tf.reverse([1, 2], [3])"),
    ("reverse_axis_twice", "result = tf.reverse([[1, 2], [3, 4]], [0, -2])"),
    ("reverse_scalar_axis", "result = tf.reverse([1, 2], 0)"),
    ("roll", "result = tf.roll([1, 2, 3, 4, 5], 2, 0)"),
    ("roll_negative_two_axes", "result = tf.roll([[1, 2, 3], [4, 5, 6]], [-1, 1], [1, 0])"),
    ("roll_same_axis_twice", "result = tf.roll([1, 2, 3, 4, 5], [1, 3], [0, 0])"),
    ("roll_gradient", X23 + _grad("tf.roll(x, [1, -1], [0, 1])")),
    ("roll_size_mismatch", "result = tf.roll([[1, 2], [3, 4]], [1], [0, 1])"),
    # -- meshgrid ----------------------------------------------------------------------------------
    ("meshgrid_xy", "result = tf.meshgrid([1, 2, 3], [4, 5])"),
    ("meshgrid_ij", "result = tf.meshgrid([1, 2, 3], [4, 5], indexing='ij')"),
    ("meshgrid_three_xy", "result = tf.meshgrid([1., 2.], [3., 4., 5.], [6.])"),
    ("meshgrid_gradient", """
a, b = tf.constant([1., 2., 3.]), tf.constant([4., 5.])
with tf.GradientTape() as tape:
    tape.watch([a, b])
    gx, gy = tf.meshgrid(a, b)
    y = gx * gy * tf.constant([[1., 2., 3.], [4., 5., 6.]])
result = [y, tape.gradient(y, [a, b])]
"""),
    ("meshgrid_mixed_dtypes", "result = tf.meshgrid([1, 2], [3., 4.])"),
    # -- unique ------------------------------------------------------------------------------
    ("unique", "result = list(tf.unique([1, 1, 2, 5, 2, -3, 5]))"),
    ("unique_fields_float_int64", "r = tf.unique([3., 1., 3., 0.5], out_idx=tf.int64)\nresult = [r.y, r.idx]"),
    ("unique_nans_are_distinct", "result = list(tf.unique([np.nan, 1., np.nan, 1.]))"),
    ("unique_not_1d", "result = tf.unique([[1, 2], [1, 2]])"),
    # -- sequence_mask -------------------------------------------------------------------------
    ("sequence_mask", "result = tf.sequence_mask([1, 3, 2], 4)"),
    ("sequence_mask_default_maxlen", "result = tf.sequence_mask([1, 3, 0])"),
    ("sequence_mask_float", "result = tf.sequence_mask([1, 3, 2], 4, dtype=tf.float32)"),
    ("sequence_mask_2d", "result = tf.sequence_mask([[1, 2], [0, 3]], 3)"),
    ("sequence_mask_vector_maxlen", "result = tf.sequence_mask([1, 2], [3, 4])"),
    # -- tensor_scatter_nd_* ---------------------------------------------------------------------
    ("tensor_scatter_nd_update", "result = tf.tensor_scatter_nd_update([1, 2, 3, 4], [[1], [3]], [9, 8])"),
    ("tensor_scatter_nd_update_rows",
     X23 + "result = tf.tensor_scatter_nd_update(x, [[1]], [[7., 8., 9.]])"),
    ("tensor_scatter_nd_add_repeated", "result = tf.tensor_scatter_nd_add([1, 2, 3, 4], [[1], [1]], [9, 9])"),
    ("tensor_scatter_nd_add_elements",
     X23 + "result = tf.tensor_scatter_nd_add(x, [[0, 2], [1, 0]], [10., 20.])"),
    ("tensor_scatter_nd_update_gradient", """
x = tf.constant([[1., 2., 3.], [4., 5., 6.]])
u = tf.constant([10., 20.])
with tf.GradientTape() as tape:
    tape.watch([x, u])
    y = tf.tensor_scatter_nd_update(x, [[0, 2], [1, 0]], u * u)
w = tf.constant([[1., 2., 3.], [4., 5., 6.]])
result = [y, tape.gradient(tf.reduce_sum(y * w), [x, u])]
"""),
    ("tensor_scatter_nd_add_gradient", """
x = tf.constant([[1., 2., 3.], [4., 5., 6.]])
u = tf.constant([[10., 20., 30.], [1., 2., 3.]])
with tf.GradientTape() as tape:
    tape.watch([x, u])
    y = tf.tensor_scatter_nd_add(x, [[1], [1]], u)
w = tf.constant([[1., 2., 3.], [4., 5., 6.]])
result = [y, tape.gradient(tf.reduce_sum(y * w), [x, u])]
"""),
    ("tensor_scatter_nd_update_out_of_range", "result = tf.tensor_scatter_nd_update([1, 2, 3, 4], [[7]], [9])"),
    ("tensor_scatter_nd_add_bad_updates_shape",
     "result = tf.tensor_scatter_nd_add([1, 2, 3, 4], [[1], [2]], [9, 9, 9])"),
    # -- strided_slice -----------------------------------------------------------------------
    ("strided_slice", X23 + "result = tf.strided_slice(x, [0, 1], [2, 3], [1, 1])"),
    ("strided_slice_negative_stride", X33 + "result = tf.strided_slice(x, [2, -1], [0, 0], [-1, -2])"),
    ("strided_slice_masks", X33 + "result = tf.strided_slice(x, [1, 1], [2, 2], [1, 1], begin_mask=1, end_mask=2)"),
    ("strided_slice_shrink", X23 + "result = tf.strided_slice(x, [0, 1], [2, 3], [1, 1], shrink_axis_mask=1)"),
    ("strided_slice_new_axis", X23 + "result = tf.strided_slice(x, [0, 0, 1], [1, 2, 3], [1, 1, 1], new_axis_mask=1)"),
    ("strided_slice_ellipsis", "x = tf.reshape(tf.range(24), [2, 3, 4])\n"
     "result = tf.strided_slice(x, [0, 1], [1, 3], [1, 1], ellipsis_mask=1)"),
    ("strided_slice_default_strides", X23 + "result = tf.strided_slice(x, [1, 0], [2, 2])"),
    ("strided_slice_gradient", X33 + _grad("tf.strided_slice(x, [2, 0], [0, 3], [-1, 2])")),
    ("strided_slice_zero_stride", "result = tf.strided_slice([[1, 2, 3], [4, 5, 6]], [0, 0], [1, 3], [1, 0])"),
    # -- casts -------------------------------------------------------------------------------
    ("saturate_cast_uint8", "result = tf.saturate_cast([300., -5., 12.7], tf.uint8)"),
    ("saturate_cast_int8_from_int32", "result = tf.saturate_cast([300, -300, 5], tf.int8)"),
    ("dtypes_saturate_cast", "result = tf.dtypes.saturate_cast([1e10, -1e10], tf.int32)"),
    ("dtypes_cast", "result = tf.dtypes.cast([1.7, -1.7, 2.5], tf.int32)"),
    ("dtypes_cast_bool", "result = tf.dtypes.cast([0., 0.5, -2.], tf.bool)"),
    ("dtypes_cast_gradient", "x = tf.constant([1.5, -2.])\n" + _grad("tf.dtypes.cast(x, tf.float64)")),
    # -- sliced assignment to Variables ----------------------------------------------------------
    ("variable_element_assign", """
v = tf.Variable([[1., 2.], [3., 4.]])
r = v[0, 1].assign(9.)
result = [r.read_value(), v.read_value()]
"""),
    ("variable_row_assign_broadcast", """
v = tf.Variable([[1., 2.], [3., 4.]])
v[0].assign(5.)
v[:, 1].assign([7, 8])
result = v.read_value()
"""),
    ("variable_strided_assign", """
v = tf.Variable(tf.zeros([3, 4], tf.int32))
v[::2, 1:].assign([[1, 2, 3], [4, 5, 6]])
result = v.read_value()
"""),
    ("variable_slice_is_a_tensor", "v = tf.Variable([[1., 2.], [3., 4.]])\nresult = v[1] * 2."),
    ("variable_slice_gradient", """
v = tf.Variable([[1., 2.], [3., 4.]])
with tf.GradientTape() as tape:
    y = v[:, 1] * v[0, 0]
result = tape.gradient(y, v)
"""),
    ("variable_assign_bad_shape", "v = tf.Variable([[1., 2.], [3., 4.]])\nv[0].assign([1., 2., 3.])"),
    ("variable_assign_wrong_dtype",
     "v = tf.Variable([[1., 2.], [3., 4.]])\nv[:, 0].assign(tf.constant([1., 2.], tf.float64))"),
]
