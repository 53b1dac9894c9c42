"""Denormals are flushed inside the engine's ops only, as TensorFlow's CPU kernels do
(values checked against TensorFlow in parity/cases_denormal.py): the user's own numpy code,
before and after any op, still computes with them."""

from __future__ import annotations

import platform
import sys
import threading

import numpy as np
import pytest

import engine as tf
from engine import denormals

TINY32 = np.finfo(np.float32).tiny
X86_64_LINUX = sys.platform.startswith("linux") and platform.machine() == "x86_64"


@pytest.fixture(params=["c", "ctypes", "outputs"])
def mechanism(request):
    """Each way of flushing this machine has (``denormals.MECHANISMS``), the best one last
    so the rest of the suite runs with it again."""
    if request.param not in denormals.MECHANISMS:
        pytest.skip(f"{request.param!r} is not available here: engine._fpmode is built by "
                    "`pip install -e .` (or `python setup.py build_ext --inplace`) on x86-64")
    denormals.use_mechanism(request.param)
    yield request.param
    denormals.use_mechanism(denormals.MECHANISMS[0])


def numpy_keeps_denormals() -> bool:
    """What plain numpy gives outside any op: a denormal product, a denormal counted > 0."""
    product = np.float32(TINY32) * np.float32(0.25)
    return bool(product != 0 and np.float32(TINY32 / 64) > 0
                and np.float64(1e-310) * 2.0 != 0)


def test_numpy_keeps_denormals_between_and_after_every_kind_of_engine_call(mechanism):
    assert numpy_keeps_denormals()
    x = tf.constant([-88.0, 1.0])
    assert tf.exp(x).numpy()[0] == 0  # an op through execute
    assert numpy_keeps_denormals()
    assert (tf.constant([1e-37]) * tf.constant([1e-3])).numpy()[0] == 0  # operator fast path
    assert numpy_keeps_denormals()
    assert tf.matmul(tf.constant([[1e-37]]), tf.constant([[1e-3]])).numpy()[0, 0] == 0
    assert numpy_keeps_denormals()
    with tf.GradientTape() as tape:  # observed ops, and the backward pass
        tape.watch(x)
        y = tf.exp(x)
    assert tape.gradient(y, x).numpy()[0] == 0
    assert numpy_keeps_denormals()
    assert tf.function(lambda a: tf.exp(a))(x).numpy()[0] == 0  # a compiled graph
    assert numpy_keeps_denormals()
    v = tf.Variable([0.0])
    tf.keras.optimizers.SGD(0.01).apply_gradients([(tf.constant([1e-36]), v)])
    if mechanism != "outputs":  # (the fallback flushes op outputs only)
        assert v.numpy()[0] == 0  # the update's denormal is flushed
    assert numpy_keeps_denormals()
    v.assign(tf.zeros(1))
    v.assign_add(tf.constant([TINY32 / 64], tf.float32))
    if mechanism != "outputs":
        assert v.numpy()[0] == 0
    assert numpy_keeps_denormals()


def test_an_op_that_raises_restores_numpy_s_modes(mechanism):
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.matmul(tf.ones((2, 3)), tf.ones((2, 3)))
    assert numpy_keeps_denormals()
    with pytest.raises(tf.errors.InvalidArgumentError):  # numpy raises inside the forward
        tf.add(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0, 3.0]))
    assert numpy_keeps_denormals()
    with pytest.raises(tf.errors.InvalidArgumentError):  # ...and in the operator's fast path
        tf.constant([1.0, 2.0]) + tf.constant([1.0, 2.0, 3.0])
    assert numpy_keeps_denormals()


def test_a_denormal_constant_is_kept_but_counts_as_zero_in_ops(mechanism):
    x = tf.constant(TINY32 / 100)
    assert x.numpy() == np.float32(TINY32 / 100)  # kept, as TensorFlow keeps it
    if mechanism != "outputs":  # (output flushing has no DAZ)
        assert not bool(x > 0) and (x * 1e10).numpy() == 0  # DAZ inside the ops
    assert x.numpy() > 0  # ...and numpy outside them sees the value


def test_ops_inside_a_flushed_block_leave_the_bits_set_to_its_end(mechanism):
    if mechanism == "outputs":
        return  # no bits to keep
    with denormals.flushed():
        tf.exp(tf.constant(1.0))  # an op's own leave must not clear the block's bits
        assert not numpy_keeps_denormals()
        with denormals.flushed():  # nested: a no-op
            pass
        assert not numpy_keeps_denormals()
    assert numpy_keeps_denormals()


def test_ops_on_another_thread_flush_there_and_leave_it_clean(mechanism):
    seen = {}

    def work():
        seen["op"] = tf.exp(tf.constant(-88.0)).numpy()
        seen["numpy after"] = numpy_keeps_denormals()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == {"op": 0.0, "numpy after": True}


def test_x86_64_linux_sets_the_cpu_bits_rather_than_flushing_outputs():
    if not X86_64_LINUX:
        pytest.skip("glibc's fesetmode is reached on Linux x86-64 (and aarch64) only")
    assert "ctypes" in denormals.MECHANISMS and denormals.MECHANISM in ("c", "ctypes")


def test_the_c_helper_restores_only_what_it_found():
    if "c" not in denormals.MECHANISMS:
        pytest.skip("engine._fpmode is not built here")
    from engine import _fpmode

    outer = _fpmode.enter()  # a block...
    inner = _fpmode.enter()  # ...and one inside it
    _fpmode.leave(inner)
    assert not numpy_keeps_denormals()  # the outer block's bits survive the inner's end
    _fpmode.leave(outer)
    assert numpy_keeps_denormals()
    with pytest.raises(TypeError):
        _fpmode.call()


def test_output_flush_flushes_results_and_leaves_numpy_alone(mechanism):
    """Every mechanism flushes denormal results; the fallback, where the CPU or C library
    offers no way to set the bits, by flushing op outputs."""
    assert denormals.MECHANISM == mechanism
    assert tf.exp(tf.constant([-88.0, 0.0])).numpy().tolist() == [0.0, 1.0]
    assert (tf.constant([1e-37]) * tf.constant([1e-3])).numpy()[0] == 0
    assert tf.matmul(tf.constant([[1e-37]]), tf.constant([[1e-3]])).numpy()[0, 0] == 0
    assert tf.reduce_sum(tf.constant([1e-37, 1e-37], tf.float64) * 1e-300).numpy() == 0
    assert tf.function(lambda a: a * 1e-3)(tf.constant([1e-37])).numpy()[0] == 0
    assert tf.constant(TINY32 / 100).numpy() > 0  # a constant is still kept
    assert numpy_keeps_denormals()


def test_an_unknown_mechanism_is_refused_by_name():
    with pytest.raises(ValueError, match="'fast'.*not available"):
        denormals.use_mechanism("fast")


def test_a_product_computed_by_several_blas_threads_is_flushed_too(mechanism):
    """OpenBLAS's worker threads do not inherit the caller's bits."""
    a = tf.constant(np.full((512, 512), 1e-20, np.float32))
    b = tf.constant(np.full((512, 512), 1e-21, np.float32))  # each sum is 5e-39: denormal
    f = tf.function(lambda x, y: tf.matmul(x, y))
    before = tf.config.get_blas_threads()
    tf.config.threading.set_intra_op_parallelism_threads(2)
    try:
        assert np.count_nonzero(tf.matmul(a, b).numpy()) == 0
        assert np.count_nonzero(f(a, b).numpy()) == 0
    finally:
        tf.config.threading.set_intra_op_parallelism_threads(before or 1)
    assert denormals.FLUSH_OUTPUTS == (mechanism == "outputs")
    assert numpy_keeps_denormals()


def test_flush_array_keeps_other_values_and_dtypes():
    a = np.array([1e-40, -1e-41, 1e-37, -2.0, 0.0, np.inf, np.nan], np.float32)
    out = denormals.flush_array(a)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.array([0, 0, 1e-37, -2, 0, np.inf, np.nan],
                                                np.float32))
    ints = np.array([1, 0])
    assert denormals.flush_array(ints) is ints
    half = np.array([1e-6], np.float16)  # TensorFlow keeps float16 denormals
    assert denormals.flush_array(half) is half
    assert denormals.flush_array(np.float64(1e-310)) == 0
