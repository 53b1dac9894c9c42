"""Event JSON, fast: orjson where it gives the bytes Python's ``json`` would, ``json`` elsewhere.

Every event crosses JSON twice (the socket to the GUI, the trace file), and ``json`` spends
~11 µs on an op event against orjson's ~1 µs, on the training thread's GIL. The one
difference that matters: orjson writes NaN and ±Inf as ``null``, while ``json`` writes
``NaN``/``Infinity`` and reads them back, and a NaN loss is exactly what a debugger must
keep. So an encoding that contains ``null`` is checked for non-finite floats and redone by
``json`` when it has one; op events in the health modes carry no ``null`` and never pay.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import orjson

_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):  # np.float16 and others orjson leaves out
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _lenient_default(obj: Any) -> Any:
    try:
        return _json_default(obj)
    except TypeError:
        return repr(obj)


_slow_encode = json.JSONEncoder(default=_json_default, separators=(",", ":")).encode
_slow_lenient = json.JSONEncoder(default=_lenient_default, separators=(",", ":")).encode


def _has_non_finite(obj: Any) -> bool:
    if isinstance(obj, float):
        return not math.isfinite(obj)
    if isinstance(obj, dict):
        return any(_has_non_finite(v) for v in obj.values())
    if isinstance(obj, list | tuple):
        return any(_has_non_finite(v) for v in obj)
    if isinstance(obj, np.floating):
        return not np.isfinite(obj)
    if isinstance(obj, np.ndarray) and obj.dtype.kind in "fc":
        return not bool(np.isfinite(obj).all())
    return False


def dumps(obj: Any, lenient: bool = False) -> bytes:
    """``obj`` as compact JSON bytes, NaN and ±Inf kept as ``json`` writes them.

    Unknown objects raise ``TypeError``, or with ``lenient`` become their ``repr``."""
    slow = _slow_lenient if lenient else _slow_encode
    try:
        data = orjson.dumps(obj, default=_lenient_default if lenient else _json_default,
                            option=_OPTIONS)
    except orjson.JSONEncodeError:
        return slow(obj).encode()  # e.g. int keys, which json turns into strings
    if b"null" in data and _has_non_finite(obj):
        return slow(obj).encode()
    return data


def loads(data: bytes | str) -> Any:
    """Parse what ``dumps`` (or ``json``) wrote, including ``NaN``/``Infinity``.

    Malformed input of any kind, nesting too deep included, raises ``ValueError``."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(data)  # NaN tokens, or truly malformed (json then says where)
    except RecursionError:  # orjson stops at 1024 levels; json's recursion would escape
        raise ValueError("JSON nested too deeply") from None
