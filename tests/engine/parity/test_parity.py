"""The engine computes what TensorFlow 2.21 computes, case by case (``cases.py``) against the
values real TensorFlow produced (``fixtures.json``, made by ``make_fixtures.py``).

Same dtype and shape; float64 to 1e-6 relative, float32 within a few ulp; NaN where
TensorFlow has NaN, infinities of the same sign; integers and booleans exactly. Where
TensorFlow raises, the engine raises an exception of the same class.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import numpy as np
import pytest

import engine

sys.path.insert(0, str(Path(__file__).parent))
from cases import CASES, EXACT_FLOAT32, FLOAT64_RTOL  # noqa: E402

FIXTURES = json.loads(Path(__file__).with_name("fixtures.json").read_text())["cases"]
FLOAT32_ULPS = 4


def leaves(value: object) -> list:
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in leaves(item)]
    return [value]


def decode(entry: dict) -> np.ndarray:
    dtype = np.dtype(entry["dtype"])
    return np.frombuffer(base64.b64decode(entry["data"]), dtype=dtype).reshape(entry["shape"])


def assert_same_value(name: str, got: object, expected: dict, rtol: float = 1e-6,
                      ulps: int = FLOAT32_ULPS) -> None:
    if expected.get("none"):
        assert got is None, f"{name}: TensorFlow gives None, the engine {got!r}"
        return
    assert got is not None, f"{name}: the engine gives None"
    dtype = got.dtype.name if hasattr(got, "dtype") and hasattr(got.dtype, "name") else None
    array = np.asarray(got.numpy() if hasattr(got, "numpy") else got)
    want = decode(expected)
    assert (dtype or array.dtype.name) == expected["dtype"], (
        f"{name}: dtype {dtype or array.dtype.name}, TensorFlow {expected['dtype']}")
    assert array.shape == want.shape, f"{name}: shape {array.shape}, TensorFlow {want.shape}"
    if want.dtype.kind != "f":
        np.testing.assert_array_equal(array, want, err_msg=name)
        return
    np.testing.assert_array_equal(np.isnan(array), np.isnan(want), err_msg=f"{name}: NaNs")
    finite = np.isfinite(want)
    np.testing.assert_array_equal(array[~finite & ~np.isnan(want)],
                                  want[~finite & ~np.isnan(want)], err_msg=f"{name}: infinities")
    if want.dtype == np.float64:
        np.testing.assert_allclose(array[finite], want[finite], rtol=rtol, atol=0,
                                   err_msg=name)
    else:
        np.testing.assert_array_max_ulp(array[finite], want[finite], maxulp=ulps)


@pytest.mark.parametrize("name, code", CASES, ids=[name for name, _ in CASES])
def test_engine_computes_what_tensorflow_computes(name, code):
    expected = FIXTURES[name]
    scope = {"tf": engine, "np": np}
    if "raises" in expected:
        with pytest.raises(Exception) as info:  # noqa: PT011 - the class is checked below
            exec(code, scope)
        assert type(info.value).__name__ == expected["raises"], (
            f"{name}: raised {type(info.value).__name__}: {info.value}; TensorFlow raises "
            f"{expected['raises']}: {expected['message']}")
        return
    exec(code, scope)
    got = leaves(scope["result"])
    assert len(got) == len(expected["values"])
    rtol = FLOAT64_RTOL.get(name, (1e-6, ""))[0]
    ulps = 0 if name in EXACT_FLOAT32 else FLOAT32_ULPS
    for i, (value, want) in enumerate(zip(got, expected["values"])):
        assert_same_value(f"{name}[{i}]", value, want, rtol, ulps)


def test_every_case_has_a_fixture():
    assert sorted(FIXTURES) == sorted(name for name, _ in CASES)
