"""Parity cases for ``tf.RaggedTensor`` (area "ragged"), as far as Tapescope has it: what
``tf.strings.split`` of a vector returns (printing, ``to_list``, ``flat_values``,
``row_splits``, shape ``(n, None)``, indexing a row) and ``tf.ragged.constant``.
"""

from __future__ import annotations

CASES: list[tuple[str, str]] = [
    # -- RaggedTensor from tf.strings.split --------------------------------------------------------
    ("strings_split_of_a_vector_is_ragged", """
r = tf.strings.split(tf.constant(["a b", "c"]))
result = [tf.constant([str(r), repr(r), str(r.shape), str(r.dtype), type(r).__name__,
                       str(isinstance(r, tf.RaggedTensor)), str(r.to_list())]),
          r.flat_values, r.values, r.row_splits, r[0], r[1], r[-1], r[0, 1], r.nrows(),
          r.row_lengths()]
"""),
    ("strings_split_of_a_vector_with_a_separator", """
r = tf.strings.split(tf.constant(["a,,b", ",c", ""]), sep=",")
result = [tf.constant([str(r), str(r.to_list())]), r.flat_values, r.row_splits]
"""),
    ("strings_split_of_a_vector_at_whitespace_runs", """
r = tf.strings.split(tf.constant(["  a  b ", "", "c\\td"]))
result = [tf.constant(str(r)), r.flat_values, r.row_splits]
"""),
    ("strings_split_with_maxsplit", """
r = tf.strings.split(tf.constant(["a b c d", "e", "x y"]), maxsplit=1)
s = tf.strings.split(tf.constant(["a b c", "a b", "a"]), maxsplit=2)
t = tf.strings.split(tf.constant(["a,b,c", "d"]), sep=",", maxsplit=1)
result = [tf.constant([str(r), str(s), str(t)]), r.flat_values, s.flat_values, t.flat_values,
          tf.strings.split("e", maxsplit=1), tf.strings.split("a b", maxsplit=2)]
"""),
    ("strings_split_of_equal_rows_prints_a_matrix", """
r = tf.strings.split(tf.constant(["a b", "c d"]))
e = tf.strings.split(tf.constant([], tf.string))
result = [tf.constant([str(r), str(e), str(e.shape), str(e.to_list())]), e.row_splits]
"""),
    ("ragged_constant", """
a = tf.ragged.constant([[1, 2], [3], []])
b = tf.ragged.constant([[1.5, 2.25], [3.0]])
c = tf.ragged.constant([["a"], ["b", "c"]])
d = tf.ragged.constant([[1, 2], [3]], dtype=tf.int64)
f = tf.ragged.constant([[1.123456789, 2], [3]], dtype=tf.float64)
g = tf.ragged.constant([[True], [False, True]])
result = [tf.constant([str(a), str(b), str(c), str(d), str(f), str(g), str(a.shape),
                       str(a.dtype), str(b.dtype), str(a.to_list()), str(a.ragged_rank)]),
          a.flat_values, a.row_splits, a[2], a[0][1], b.flat_values, c.flat_values,
          d.flat_values, f.flat_values, g.flat_values]
"""),
    ("ragged_long_rows_wrap_as_numpy_does", """
r = tf.ragged.constant([[1, 2], [3]] * 20)
result = tf.constant(str(r))
"""),
    ("ragged_constant_nested_and_empty", """
n = tf.ragged.constant([[[1, 2], [3]], [[4]]])
e = tf.ragged.constant([[], []])
z = tf.ragged.constant([])
result = [tf.constant([str(n), str(n.shape), str(n.ragged_rank), str(n.to_list()), str(e),
                       str(e.shape), str(e.dtype), str(isinstance(z, tf.Tensor))]),
          n.flat_values, n.values.row_splits, n.row_splits, n[0][1], n[1, 0], n[0, 0, 1], z]
"""),
    ("ragged_rows_slice_and_pad", """
r = tf.ragged.constant([[1, 2], [3], [], [4, 5, 6]])
s = r[1:3]
t = r[-2:]
result = [tf.constant([str(s), str(t), str(r[:0])]), s.row_splits, t.row_splits,
          r.to_tensor(), r.to_tensor(default_value=-1),
          tf.strings.split(tf.constant(["a b", "c"])).to_tensor()]
"""),
    ("ragged_from_row_splits", """
r = tf.RaggedTensor.from_row_splits([1.0, 2.0, 3.0], [0, 2, 2, 3])
result = [tf.constant(str(r)), r.row_splits, r.row_lengths(), r.nrows()]
"""),
    ("ragged_row_out_of_range_raises", """
r = tf.ragged.constant([[1, 2], [3]])
result = r[2]
"""),
    ("ragged_constant_of_mixed_depths_raises", """
result = tf.ragged.constant([[1, 2], 3])
"""),
    ("one_string_of_a_string_tensor_and_empty_string_tensors", """
t = tf.constant(["a", "bc"])
result = [t[1], t[-2], tf.constant([], tf.string), tf.constant([[]], tf.int64)]
"""),
]
