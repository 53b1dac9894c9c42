"""What an engine error prints: TensorFlow's eager-kernel prefix and " name: " decided in
one place (engine/errors.py), and Keras 3's wrapping of an error raised in a layer's call
(engine/keras/call_errors.py). The texts themselves are checked against TensorFlow in
tests/engine/parity (area "kerasmsg"); these tests pin the engine's own mechanics."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import engine as tf
from engine import errors

PREFIX = "{{function_node __wrapped__%s_device_/job:localhost/replica:0/task:0/device:CPU:0}} "


def raised(fn) -> Exception:
    with pytest.raises(Exception) as info:
        fn()
    return info.value


def test_a_kernel_error_carries_the_prefix_in_message_and_str_and_no_args():
    e = raised(lambda: tf.constant([1, 2]) + tf.constant([1, 2, 3]))
    want = PREFIX % "AddV2" + "Incompatible shapes: [2] vs. [3] [Op:AddV2] name: "
    assert (str(e), e.message, e.args, e.op, e.error_code) == (want, want, (), None, 3)
    assert e.text == "Incompatible shapes: [2] vs. [3] [Op:AddV2]"


def test_errors_raised_before_a_kernel_runs_have_no_prefix():
    for message in ["cannot compute AddV2 as input #1(zero-based) was expected to be a float "
                    "tensor but is a int32 tensor [Op:AddV2]",
                    "Value for attr 'T' of int32 is not in the list of allowed values: float "
                    "[Op:Sin]"]:
        assert str(errors.InvalidArgumentError(None, None, message)) == message + " name: "
    function = errors.InvalidArgumentError(None, None, "x [Op:__inference_f_12]")
    assert str(function) == "x [Op:__inference_f_12]"
    assert str(errors.InvalidArgumentError(None, None, "not an op's")) == "not an op's"


def test_wrapped_kernel_names_onednn_for_float32_and_variadic_lengths_in_attr_order():
    def error():
        return errors.InvalidArgumentError(None, "MatMul", "bad [Op:MatMul]")
    assert errors.wrapped_kernel(error(), "float32").kernel == "__MklMatMul"
    assert errors.wrapped_kernel(error(), "float64").kernel == "MatMul"
    padded = errors.InvalidArgumentError(None, None, "b [Op:PaddedBatchDatasetV2]")
    assert errors.wrapped_kernel(padded, Toutput_types=2, N=2).kernel == (
        "PaddedBatchDatasetV2_N_2_Toutput_types_2")
    concat = raised(lambda: tf.concat([tf.ones([2]), tf.ones([2]), tf.ones([])], 0))
    assert str(concat).startswith(PREFIX % "ConcatV2_N_3")


def test_an_error_pickles_with_its_whole_text():
    for fn in [lambda: tf.constant([1, 2]) + tf.constant([1, 2, 3]),
               lambda: tf.pad([1, 2], [[-1, 1]])]:  # eager fallback: no " name: "
        e = raised(fn)
        again = pickle.loads(pickle.dumps(e))
        assert (type(again), str(again)) == (type(e), str(e))


def test_rebuilding_an_error_from_its_parts_keeps_the_new_text_as_given():
    e = raised(lambda: tf.constant([1, 2]) + tf.constant([1, 2, 3]))
    rebuilt = type(e)(e.node_def, e.op, "outer [Op:AddV2]", e.error_code)
    rebuilt.message = "outer [Op:AddV2]"
    assert str(rebuilt) == "outer [Op:AddV2]"


class Inner(tf.keras.layers.Layer):
    def call(self, x, scale=2.0, training=None):
        return tf.matmul(x, tf.ones([5, 2])) * scale


class Outer(tf.keras.Model):
    def __init__(self) -> None:
        super().__init__()
        self.inner = Inner()

    def call(self, x):
        return self.inner(x)


def test_the_innermost_layer_names_itself_once_and_the_error_keeps_its_type():
    e = raised(lambda: Outer()(tf.ones([2, 3])))
    assert isinstance(e, errors.InvalidArgumentError) and e._keras_call_info_injected
    assert str(e) == (
        "Exception encountered when calling Inner.call().\n\n\x1b[1m"
        + PREFIX % "__MklMatMul" + "Matrix size-incompatible: In[0]: [2,3], In[1]: [5,2] "
        "[Op:MatMul] name: \x1b[0m\n\nArguments received by Inner.call():\n"
        "  • x=tf.Tensor(shape=(2, 3), dtype=float32)\n  • scale=2.0\n  • training=None")
    assert str(e).count("Exception encountered") == 1


def test_arguments_print_by_structure_and_training_when_known():
    e = raised(lambda: Inner()([np.ones([2, 3], np.float32)], scale=np.float32(3),
                               training=True))
    assert str(e).endswith(
        "  • x=['tf.Tensor(shape=(2, 3), dtype=float32)']\n  • scale=np.float32(3.0)\n"
        "  • training=True")


def test_traceback_filtering_off_raises_the_error_bare():
    tf.keras.config.disable_traceback_filtering()
    try:
        e = raised(lambda: Inner()(tf.ones([2, 3])))
    finally:
        tf.keras.config.enable_traceback_filtering()
    assert str(e).startswith(PREFIX % "__MklMatMul")
    assert not hasattr(e, "_keras_call_info_injected")


def test_a_refused_attr_quotes_the_ops_registry_entry_or_says_what_it_allows():
    from engine.ops.op_defs import attr_not_allowed, summarize

    assert summarize("Sin") == ("Op<name=Sin; signature=x:T -> y:T; attr=T:type,allowed="
                                "[DT_BFLOAT16, DT_HALF, DT_FLOAT, DT_DOUBLE, DT_COMPLEX64, "
                                "DT_COMPLEX128]>")
    e = raised(lambda: tf.sin(tf.constant([1, 2])))
    assert str(e) == ("Value for attr 'T' of int32 is not in the list of allowed values: "
                      "bfloat16, half, float, double, complex64, complex128\n\t; NodeDef: "
                      "{{node Sin}}; " + summarize("Sin") + " [Op:Sin] name: ")
    unknown = attr_not_allowed("NoSuchOp", "T", "int32", fallback=" (float types)")
    assert str(unknown) == ("Value for attr 'T' of int32 is not in the list of allowed values "
                            "(float types) [Op:NoSuchOp] name: ")
