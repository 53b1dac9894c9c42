"""String ops (``tf.strings``): a string tensor's value is a numpy object array of ``bytes``.

None of them has a gradient (TensorFlow declares them all non-differentiable). Each works
element by element in Python: strings are labels and file names in a training script, not
the hot path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from engine import dtypes as _dt
from engine import errors
from engine.ops.registry import defop, execute
from engine.tensor import Tensor, convert_to_tensor


def _each(func: Callable[[Any], Any], array: np.ndarray, dtype: Any = object) -> np.ndarray:
    """``func`` of every element, keeping the shape (a 0-d array for a scalar)."""
    out = np.empty(np.shape(array), dtype=object)
    out.reshape(-1)[:] = [func(v) for v in np.asarray(array).reshape(-1).tolist()]
    return out if dtype is object else out.astype(dtype)


def _string_input(value: Any, op_name: str, index: int = 0) -> Tensor:
    t = value if isinstance(value, Tensor) else convert_to_tensor(value)
    if t._value.dtype.kind != "O":
        raise errors.InvalidArgumentError(
            None, op_name, f"cannot compute {op_name} as input #{index}(zero-based) was expected "
            f"to be a string tensor but is a {t.dtype.name} tensor [Op:{op_name}]")
    return t


# -- ops -------------------------------------------------------------------------------------

@defop("StringLength", differentiable=False)
def STRING_LENGTH(x: np.ndarray, unit: str = "BYTE") -> np.ndarray:
    """Length of each string in bytes, or in Unicode characters (``unit="UTF8_CHAR"``)."""
    if unit == "UTF8_CHAR":
        return _each(lambda b: len(b.decode("utf-8", "replace")), x, np.int32)
    return _each(len, x, np.int32)


@defop("StringUpper", differentiable=False)
def STRING_UPPER(x: np.ndarray) -> np.ndarray:
    """ASCII letters upper-cased (TensorFlow's default encoding "" leaves others alone)."""
    return _each(bytes.upper, x)


@defop("StringLower", differentiable=False)
def STRING_LOWER(x: np.ndarray) -> np.ndarray:
    """ASCII letters lower-cased."""
    return _each(bytes.lower, x)


@defop("StringSplitV2", num_outputs=2, differentiable=False)
def STRING_SPLIT(x: np.ndarray, sep: bytes | None = None,
                 maxsplit: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """The pieces of each string of a scalar or vector, and the int64 row splits that cut
    them into one row per string: at ``sep``, or at runs of whitespace (no empty pieces,
    except that TensorFlow's kernel adds an empty remainder once ``maxsplit`` pieces are
    found: ``"e"`` at most once gives ``["e", ""]``)."""
    pieces: list[bytes] = []
    splits = [0]
    for text in np.asarray(x).reshape(-1).tolist():
        if sep:
            row = text.split(sep, maxsplit)
        else:
            row = text.split(None, maxsplit)
            if 0 < maxsplit == len(row):
                row.append(b"")
        pieces.extend(row)
        splits.append(len(pieces))
    out = np.empty(len(pieces), dtype=object)
    out[:] = pieces
    return out, np.asarray(splits, np.int64)


@defop("StringJoin", differentiable=False)
def STRING_JOIN(*inputs: np.ndarray, separator: bytes = b"") -> np.ndarray:
    """Strings joined element by element (scalars broadcast)."""
    columns = np.broadcast_arrays(*[np.asarray(a, dtype=object) for a in inputs])
    out = np.empty(columns[0].shape, dtype=object)
    out.reshape(-1)[:] = [separator.join(parts)
                          for parts in zip(*[c.reshape(-1).tolist() for c in columns])]
    return out


@defop("AsString", differentiable=False)
def AS_STRING(x: np.ndarray, precision: int = -1, scientific: bool = False,
              shortest: bool = False, width: int = -1, fill: str = "") -> np.ndarray:
    """Numbers as text, printf-style as TensorFlow's kernel: floats "%f" by default."""
    kind = x.dtype.kind
    if kind == "b":
        return _each(lambda v: b"true" if v else b"false", x)
    spec = "%" + fill + (str(width) if width > -1 else "")
    if kind == "f":
        spec += (f".{precision}" if precision > -1 else "") + (
            "g" if shortest else "e" if scientific else "f")
    else:
        spec += "d"
    return _each(lambda v: (spec % v).encode(), x)


_FLOAT32 = np.dtype(np.float32)


@defop("StringToNumber", differentiable=False)
def STRING_TO_NUMBER(x: np.ndarray, out_type: np.dtype = _FLOAT32) -> np.ndarray:
    """Each string parsed as a number of ``out_type``; InvalidArgumentError if one is not."""
    parse = float if out_type.kind == "f" else int

    def number(b: bytes) -> Any:
        try:
            value = parse(b.decode().strip())
            if out_type.kind != "f":
                np.array(value, dtype=out_type)  # OverflowError when it does not fit
            return value
        except (ValueError, OverflowError, UnicodeDecodeError):
            raise errors.InvalidArgumentError(
                None, "StringToNumber", "StringToNumberOp could not correctly convert string: "
                f"{b.decode(errors='replace')} [Op:StringToNumber]") from None

    return _each(number, x, out_type)


def _float_text(value: float, dtype: np.dtype) -> str:
    """TensorFlow's StrCat of a float: 6 (float32) or 15 significant digits, more only
    when those do not read back as the same number."""
    short, full = (6, 9) if dtype == np.float32 else (15, 17)
    text = f"{value:.{short}g}"
    return text if dtype.type(text) == value else f"{value:.{full}g}"


def _summary(array: np.ndarray, summarize: int, depth: int = 0) -> str:
    """A tensor as ``tf.strings.format`` shows it: "[0 1 2 ... 7 8 9]", strings quoted."""
    if array.ndim == 0:
        value = array.item()
        if isinstance(value, bytes):
            return '"' + value.decode("utf-8", "replace") + '"'
        if array.dtype.kind == "f":
            return _float_text(value, array.dtype)
        if array.dtype.kind == "b":
            return "1" if value else "0"
        return str(value)
    n = array.shape[0]
    rows: list[int | None] = list(range(n))
    if 0 <= summarize and 2 * summarize < n:
        rows = [*range(summarize), None, *range(n - summarize, n)]
    parts = ["..." if i is None else _summary(array[i, ...], summarize, depth + 1)
             for i in rows]
    # as numpy prints: one line per row, a blank line more per dimension above a matrix
    separator = " " if array.ndim == 1 else "\n" * (array.ndim - 1) + " " * (depth + 1)
    return "[" + separator.join(parts) + "]"


@defop("StringFormat", differentiable=False)
def STRING_FORMAT(*inputs: np.ndarray, template: str = "{}", placeholder: str = "{}",
                  summarize: int = 3) -> np.ndarray:
    """``template`` with each placeholder replaced by the next input's summary."""
    pieces = template.split(placeholder)
    text = pieces[0]
    for value, piece in zip(inputs, pieces[1:]):
        text += _summary(np.asarray(value), summarize) + piece
    return np.array(text.encode(), dtype=object)


# -- public functions (tf.strings) -------------------------------------------------------------

def length(input: Any, unit: str = "BYTE", name: str | None = None) -> Tensor:  # noqa: A002
    """Length of each string, in bytes or (``unit="UTF8_CHAR"``) characters; int32."""
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise ValueError(f"unit must be one of BYTE, UTF8_CHAR, got {unit!r}")
    return execute(STRING_LENGTH, (_string_input(input, "StringLength"),), {"unit": unit})


def upper(input: Any, encoding: str = "", name: str | None = None) -> Tensor:  # noqa: A002
    """ASCII letters upper-cased."""
    return execute(STRING_UPPER, (_string_input(input, "StringUpper"),))


def lower(input: Any, encoding: str = "", name: str | None = None) -> Tensor:  # noqa: A002
    """ASCII letters lower-cased."""
    return execute(STRING_LOWER, (_string_input(input, "StringLower"),))


def _as_bytes(text: str | bytes | None) -> bytes | None:
    return text.encode() if isinstance(text, str) else text


def split(input: Any, sep: str | bytes | None = None, maxsplit: int = -1,  # noqa: A002
          name: str | None = None) -> Any:
    """The pieces of a scalar string as a vector; of a vector, a ``tf.RaggedTensor`` with
    one row per string."""
    from engine.context import STATE
    from engine.ragged import RaggedTensor

    x = _string_input(input, "StringSplitV2")
    if x._value.ndim > 1:
        raise NotImplementedError(
            f"tf.strings.split of a rank-{x._value.ndim} tensor (a RaggedTensor of ragged "
            "rank 2 or more) is not supported by Tapescope; split a vector or a scalar.")
    if x._value.ndim == 1 and STATE.graph is not None:
        raise NotImplementedError(
            "tf.strings.split of a vector inside tf.function (a RaggedTensor in a traced "
            "graph) is not supported by Tapescope; split it eagerly, outside the function.")
    values, row_splits = execute(STRING_SPLIT, (x,), {"sep": _as_bytes(sep),
                                                      "maxsplit": int(maxsplit)})
    if x._value.ndim == 0:
        return values
    return RaggedTensor(values, row_splits)


def join(inputs: Any, separator: str = "", name: str | None = None) -> Tensor:
    """The strings of ``inputs`` (a list of string tensors of one shape, or scalars) joined
    element by element with ``separator``."""
    tensors = tuple(_string_input(t, "StringJoin", i) for i, t in enumerate(inputs))
    shapes = {t._value.shape for t in tensors if t._value.ndim}
    if len(shapes) > 1:
        raise errors.InvalidArgumentError(
            None, "StringJoin", "Input shapes do not match: "
            + " vs. ".join(str(list(s)) for s in shapes) + " [Op:StringJoin]")
    return execute(STRING_JOIN, tensors, {"separator": _as_bytes(separator)})


def as_string(input: Any, precision: int = -1, scientific: bool = False,  # noqa: A002
              shortest: bool = False, width: int = -1, fill: str = "",
              name: str | None = None) -> Tensor:
    """Numbers (and booleans) as strings, formatted as C's printf would."""
    x = input if isinstance(input, Tensor) else convert_to_tensor(input)
    if x._value.dtype.kind == "O":
        raise errors.InvalidArgumentError(
            None, "AsString", "Value for attr 'T' of string is not in the list of allowed "
            "values [Op:AsString]")
    if scientific and shortest:
        raise errors.InvalidArgumentError(
            None, "AsString", "Cannot select both scientific and shortest notation "
            "[Op:AsString]")
    if len(fill) > 1:
        raise errors.InvalidArgumentError(
            None, "AsString", f"Fill string must be one or fewer characters: {fill} "
            "[Op:AsString]")
    return execute(AS_STRING, (x,), {"precision": int(precision), "scientific": bool(scientific),
                                     "shortest": bool(shortest), "width": int(width),
                                     "fill": fill})


def to_number(string_tensor: Any, out_type: Any = _dt.float32,
              name: str | None = None) -> Tensor:
    """Each string parsed as a number of ``out_type`` (float32 by default)."""
    dtype = _dt.as_dtype(out_type)
    if dtype._np.kind not in "if":
        raise TypeError(f"out_type must be a float or integer dtype, got {dtype!r}")
    return execute(STRING_TO_NUMBER, (_string_input(string_tensor, "StringToNumber"),),
                   {"out_type": dtype._np})


def format(template: str, inputs: Any, placeholder: str = "{}",  # noqa: A001
           summarize: int = 3, name: str | None = None) -> Tensor:
    """A scalar string: ``template`` with each ``placeholder`` replaced by an input tensor's
    summary (the first and last ``summarize`` entries of each dimension)."""
    if isinstance(inputs, list | tuple):
        tensors = tuple(t if isinstance(t, Tensor) else convert_to_tensor(t) for t in inputs)
    else:
        tensors = (inputs if isinstance(inputs, Tensor) else convert_to_tensor(inputs),)
    wanted = len(re.findall(re.escape(placeholder), template))
    if wanted != len(tensors):
        raise ValueError(f"The template expects {wanted} tensors, but the inputs only has "
                         f"{len(tensors)}. Please ensure the number of placeholders in template "
                         "matches inputs length.")
    return execute(STRING_FORMAT, tensors, {"template": template, "placeholder": placeholder,
                                            "summarize": int(summarize)})
