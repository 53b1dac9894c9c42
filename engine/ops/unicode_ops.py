"""Strings as bytes and characters (``tf.strings.bytes_split``, ``unicode_split``,
``unicode_decode``) and raw bytes as numbers (``tf.io.decode_raw``).

TensorFlow gives a RaggedTensor when a string tensor of rank 1 or more is split into a
different number of pieces per string; the dense result of a scalar is what the guides print,
so these take scalars (``decode_raw``, whose rows all have one length, takes any rank).
None has a gradient (TensorFlow's string and decoding ops are not differentiable).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import dtypes as _dt
from engine import errors
from engine.ops.registry import defop, execute
from engine.ops.string_ops import _string_input
from engine.tensor import Tensor

# TensorFlow's names of the encodings its ICU converter takes, as Python's codecs call them
_ENCODINGS = {"UTF-8": "utf-8", "UTF-16-BE": "utf-16-be", "UTF-32-BE": "utf-32-be"}
_ERRORS = ("strict", "replace", "ignore")
_UINT8 = np.dtype(np.uint8)


def _vector(pieces: list) -> np.ndarray:
    out = np.empty(len(pieces), dtype=object)
    out[:] = pieces
    return out


def _characters(text: bytes, encoding: str, errors_mode: str, replacement_char: int,
                op_name: str) -> str:
    """The characters of one string; invalid bytes replaced, skipped or an error."""
    codec = _ENCODINGS[encoding]
    if errors_mode != "replace":
        try:
            return text.decode(codec, errors_mode)
        except UnicodeDecodeError:
            raise errors.InvalidArgumentError(
                None, op_name, f"Invalid formatting on input string [Op:{op_name}]") from None
    return text.decode(codec, "replace").replace("\ufffd", chr(replacement_char))


@defop("StringBytesSplit", differentiable=False)
def BYTES_SPLIT(x: np.ndarray) -> np.ndarray:
    """The single bytes of one string, each a string (TensorFlow slices them with Substr)."""
    value = x.item()
    return _vector([value[i:i + 1] for i in range(len(value))])


@defop("UnicodeDecode", differentiable=False)
def UNICODE_DECODE(x: np.ndarray, input_encoding: str = "UTF-8", errors: str = "replace",
                   replacement_char: int = 0xFFFD,
                   replace_control_characters: bool = False) -> np.ndarray:
    """The code points of one string, int32."""
    text = _characters(x.item(), input_encoding, errors, replacement_char, "UnicodeDecode")
    points = [ord(c) for c in text]
    if replace_control_characters:
        points = [replacement_char if p < 0x20 or 0x7F <= p < 0xA0 else p for p in points]
    return np.array(points, dtype=np.int32)


@defop("UnicodeSplit", differentiable=False)
def UNICODE_SPLIT(x: np.ndarray, input_encoding: str = "UTF-8", errors: str = "replace",
                  replacement_char: int = 0xFFFD) -> np.ndarray:
    """The characters of one string, each re-encoded as a string (TensorFlow decodes then
    encodes each code point, so an invalid byte comes back as the replacement character)."""
    codec = _ENCODINGS[input_encoding]
    text = _characters(x.item(), input_encoding, errors, replacement_char, "UnicodeSplit")
    return _vector([c.encode(codec) for c in text])


# the C++ names (DataTypeString) TensorFlow's kernels write into messages
_C_NAMES = {"float32": "float", "float64": "double", "float16": "half"}
_RAW_TYPES = (_dt.float16, _dt.float32, _dt.float64, _dt.int8, _dt.int16, _dt.int32,
              _dt.int64, _dt.uint8, _dt.uint16, _dt.bool)


def _c_name(dtype: np.dtype) -> str:
    name = _dt.as_dtype(dtype).name
    return _C_NAMES.get(name, name)


@defop("DecodeRaw", differentiable=False)
def DECODE_RAW(x: np.ndarray, out_type: np.dtype = _UINT8,
               little_endian: bool = True) -> np.ndarray:
    """Each string's bytes read as numbers; one more dimension holds them."""
    strings = np.asarray(x).reshape(-1).tolist()
    width = len(strings[0]) if strings else 0
    dtype = out_type.newbyteorder("<" if little_endian else ">")
    for i, s in enumerate(strings):
        if len(s) != width:  # TensorFlow's text names the first size, then this one
            raise errors.InvalidArgumentError(
                None, "DecodeRaw", "DecodeRaw requires input strings to all be the same size, "
                f"but element {i} has size {width} != {len(s)} [Op:DecodeRaw]")
    if width % out_type.itemsize:
        raise errors.InvalidArgumentError(
            None, "DecodeRaw", f"Input to DecodeRaw has length {width} that is not a multiple "
            f"of {out_type.itemsize}, the size of {_c_name(out_type)} [Op:DecodeRaw]")
    flat = np.frombuffer(b"".join(strings), dtype=dtype).astype(out_type)
    return flat.reshape(np.shape(x) + (width // out_type.itemsize,))


# -- public functions --------------------------------------------------------------------------

def _scalar(input: Any, op_name: str, what: str) -> Tensor:  # noqa: A002
    x = _string_input(input, op_name)
    if x._value.ndim != 0:
        raise errors.UnimplementedError(
            f"{what} of a rank-1 or higher tensor gives a RaggedTensor, which Tapescope does "
            "not have; pass the strings one at a time (rank 0).")
    return x


def _check_unicode_args(input_encoding: str, errors_mode: str) -> None:
    if input_encoding not in _ENCODINGS:
        raise errors.InvalidArgumentError(
            None, "UnicodeDecode", f"Could not create converter for input encoding: "
            f"{input_encoding} [Op:UnicodeDecode]")
    if errors_mode not in _ERRORS:
        raise ValueError(f"errors must be one of {', '.join(_ERRORS)}, got {errors_mode!r}")


def bytes_split(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """The bytes of a scalar string as a vector of one-byte strings."""
    return execute(BYTES_SPLIT, (_scalar(input, "StringBytesSplit", "tf.strings.bytes_split"),))


def unicode_decode(input: Any, input_encoding: str, errors: str = "replace",  # noqa: A002
                   replacement_char: int = 0xFFFD, replace_control_characters: bool = False,
                   name: str | None = None) -> Tensor:
    """The Unicode code points of a scalar string (int32 vector)."""
    _check_unicode_args(input_encoding, errors)
    x = _scalar(input, "UnicodeDecode", "tf.strings.unicode_decode")
    return execute(UNICODE_DECODE, (x,), {
        "input_encoding": input_encoding, "errors": errors,
        "replacement_char": int(replacement_char),
        "replace_control_characters": bool(replace_control_characters)})


def unicode_split(input: Any, input_encoding: str, errors: str = "replace",  # noqa: A002
                  replacement_char: int = 0xFFFD, name: str | None = None) -> Tensor:
    """The characters of a scalar string as a vector of strings."""
    _check_unicode_args(input_encoding, errors)
    x = _scalar(input, "UnicodeSplit", "tf.strings.unicode_split")
    return execute(UNICODE_SPLIT, (x,), {"input_encoding": input_encoding, "errors": errors,
                                         "replacement_char": int(replacement_char)})


def decode_raw(input_bytes: Any, out_type: Any, little_endian: bool = True,
               fixed_length: int | None = None, name: str | None = None) -> Tensor:
    """The bytes of each string read as ``out_type`` numbers (``tf.io.decode_raw``): a string
    tensor of shape S gives shape S + [bytes / itemsize]."""
    dtype = _dt.as_dtype(out_type)
    if dtype not in _RAW_TYPES:
        raise TypeError(f"Value passed to parameter 'out_type' has DataType {dtype.name} not "
                        "in list of allowed values: float16, float32, float64, int32, uint16, "
                        "uint8, int16, int8, int64, bool")
    if fixed_length is not None:
        raise errors.UnimplementedError(
            "tf.io.decode_raw(fixed_length=...) (DecodePaddedRaw) is not implemented")
    x = _string_input(input_bytes, "DecodeRaw")
    return execute(DECODE_RAW, (x,), {"out_type": dtype._np, "little_endian": bool(little_endian)})
