"""String tensors: printed, converted and refused as TensorFlow does (values: the parity
cases of the datadebug area)."""

from __future__ import annotations

import pytest

import engine as tf
from engine import errors


def test_string_tensors_print_like_tensorflow():
    assert str(tf.constant("abc")) == "tf.Tensor(b'abc', shape=(), dtype=string)"
    assert repr(tf.constant("abc")) == "<tf.Tensor: shape=(), dtype=string, numpy=b'abc'>"
    assert str(tf.constant(["a", "bé"])) == (
        "tf.Tensor([b'a' b'b\\xc3\\xa9'], shape=(2,), dtype=string)")
    assert repr(tf.constant(["a", "b"])) == (
        "<tf.Tensor: shape=(2,), dtype=string, numpy=array([b'a', b'b'], dtype=object)>")


def test_values_are_utf8_bytes_and_numpy_hands_out_a_copy():
    t = tf.constant([["x", "é"]])
    value = t.numpy()
    assert value.dtype == object and value.tolist() == [[b"x", "é".encode()]]
    value[0, 0] = b"changed"
    assert t.numpy()[0, 0] == b"x"
    assert tf.as_dtype("string") is tf.string and tf.constant(b"raw").dtype == tf.string


def test_numbers_and_strings_do_not_convert_into_each_other():
    with pytest.raises(TypeError, match="dtype string"):
        tf.constant([1, 2], dtype=tf.string)
    with pytest.raises(TypeError, match="dtype float32"):
        tf.convert_to_tensor("1.5", dtype=tf.float32)
    with pytest.raises(ValueError, match="mixed types"):
        tf.constant([["a", 1]])
    with pytest.raises(errors.UnimplementedError, match="Cast string to float32"):
        tf.cast(tf.constant("1"), tf.float32)
    assert tf.constant([1, 2]).dtype == tf.int32  # numbers keep their defaults


def test_splitting_a_vector_gives_a_ragged_tensor_eagerly_only():
    assert tf.strings.split(["a b", "c"]).to_list() == [[b"a", b"b"], [b"c"]]
    assert tf.strings.split("a b").numpy().tolist() == [b"a", b"b"]
    with pytest.raises(NotImplementedError, match="rank-2"):
        tf.strings.split([["a b"], ["c"]])

    @tf.function
    def split(x):
        return tf.strings.split(x)

    with pytest.raises(NotImplementedError, match="inside tf.function"):
        split(tf.constant(["a b", "c"]))
    assert split(tf.constant("a b")).numpy().tolist() == [b"a", b"b"]


def test_string_ops_reject_numbers_with_tensorflows_message():
    with pytest.raises(errors.InvalidArgumentError, match=(
            r"cannot compute StringUpper as input #0\(zero-based\) was expected to be a "
            "string tensor but is a int32 tensor")):
        tf.strings.upper(tf.constant(1))
    with pytest.raises(errors.InvalidArgumentError, match="could not correctly convert string: x"):
        tf.strings.to_number(["x"])


def test_format_summarizes_like_tensorflow():
    assert tf.strings.format("{}", tf.range(10)).numpy() == b"[0 1 2 ... 7 8 9]"
    text = tf.strings.format("{}", tf.reshape(tf.range(12.0), [6, 2]), summarize=1).numpy()
    assert text == b"[[0 1]\n ...\n [10 11]]"  # a row of 2 is short enough to show whole
    cube = tf.strings.format("{}", tf.reshape(tf.range(8), [2, 2, 2])).numpy()
    assert cube == b"[[[0 1]\n  [2 3]]\n\n [[4 5]\n  [6 7]]]"
    third = tf.strings.format("{}", tf.constant(1 / 3, tf.float64)).numpy()
    assert third == b"0.33333333333333331"  # 15 digits do not read back: 17
    assert tf.strings.format("{}", tf.constant([True, False])).numpy() == b"[1 0]"
