"""Parity cases for ``tf.gather_nd``'s out-of-range error (area "gathernd_errors"): TF's
kernel names the first bad index by its position among the indices (``indices[1,1]``, or
``indices`` for a single index) and quotes all its components and the params' shape."""

from __future__ import annotations

CASES: list[tuple[str, str]] = [
    ("gather_nd_row_out_of_range_raises", """
result = tf.gather_nd(tf.constant([[1, 2], [3, 4]]), [[0, 0], [5, 0]])
"""),
    ("gather_nd_single_index_out_of_range_raises", """
result = tf.gather_nd(tf.constant([[1, 2], [3, 4]]), [0, 7])
"""),
    ("gather_nd_nested_indices_negative_raises", """
result = tf.gather_nd(tf.constant([[1, 2], [3, 4]]), [[[0, 0], [1, 1]], [[1, 0], [-1, 3]]])
"""),
    ("gather_nd_slice_index_out_of_range_raises", """
result = tf.gather_nd(tf.constant([[1, 2], [3, 4]]), [[1], [2]])
"""),
    ("gather_nd_vector_out_of_range_raises", """
result = tf.gather_nd(tf.constant([1.0, 2.0, 3.0]), [[1], [3]])
"""),
    ("gather_nd_in_range_still_gathers", """
result = tf.gather_nd(tf.constant([[1, 2], [3, 4]]), [[[0, 1]], [[1, 0]]])
"""),
]
