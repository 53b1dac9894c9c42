"""Tensor values as pickle-free ``.npy`` bytes: one codec for the trace file and the socket."""

from __future__ import annotations

import io

import numpy as np
import pytest

from debugger.npy import array_from_npy, npy_bytes


@pytest.mark.parametrize("array", [
    np.arange(6, dtype=np.float32).reshape(2, 3), np.array(3.5), np.zeros((0, 4), np.int64),
    np.array([True, False]), np.array(["ab", "c"]), np.arange(12.0)[::3],
    np.asfortranarray(np.arange(6).reshape(2, 3)), np.array([1 + 2j], np.complex64)])
def test_values_come_back_with_their_dtype_shape_and_elements(array):
    back = array_from_npy(npy_bytes(array))
    assert back.dtype == array.dtype and back.shape == array.shape
    assert np.array_equal(back, array)


def test_object_arrays_are_never_pickled():
    with pytest.raises(ValueError, match="allow_pickle"):
        npy_bytes(np.array([{"a": 1}], dtype=object))


def _saved(value: object, **kwargs: object) -> bytes:
    buffer = io.BytesIO()
    if kwargs.pop("archive", False):
        np.savez(buffer, x=value)
    else:
        np.save(buffer, value, **kwargs)
    return buffer.getvalue()


@pytest.mark.parametrize("data", [
    b"", b"not an npy file", b"\x93NUMPY garbage", npy_bytes(np.arange(10))[:-8],
    _saved(np.array([object()], dtype=object), allow_pickle=True),  # a pickle inside
    _saved(np.arange(3), archive=True),  # an .npz: np.load would hand back an archive
], ids=["empty", "text", "bad-header", "cut-short", "pickled", "npz"])
def test_untrusted_bytes_that_are_no_plain_npy_are_one_clear_error(data):
    with pytest.raises(ValueError, match="not a pickle-free .npy value"):
        array_from_npy(data)
