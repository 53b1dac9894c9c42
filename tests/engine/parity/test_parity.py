"""The engine computes what TensorFlow 2.21 computes, case by case (``cases_<area>.py``)
against the values real TensorFlow produced (``fixtures_<area>.json``, made by
``make_fixtures.py``).

Same dtype and shape; float64 to 1e-6 relative, float32 within a few ulp; NaN where
TensorFlow has NaN, infinities of the same sign; integers, booleans and strings exactly.
Where TensorFlow raises, the engine raises an exception of the same class. A case module may
loosen or tighten a case's tolerance (``FLOAT64_RTOL``, ``EXACT_FLOAT32``, ``FLOAT32_ULPS``),
always saying why.
"""

from __future__ import annotations

import base64
import importlib
import json
import linecache
import sys
from pathlib import Path

import numpy as np
import pytest

import engine

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
AREAS = sorted(p.stem.removeprefix("cases_") for p in HERE.glob("cases_*.py"))
MODULES = {area: importlib.import_module(f"cases_{area}") for area in AREAS}
FIXTURES = {area: json.loads((HERE / f"fixtures_{area}.json").read_text())["cases"]
            for area in AREAS}
FLOAT32_ULPS = 4
PARAMS = [pytest.param(area, name, code, id=f"{area}:{name}")
          for area in AREAS for name, code in MODULES[area].CASES]


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
    if "strings" in expected:
        assert dtype == expected["dtype"], f"{name}: dtype {dtype}, TensorFlow string"
        texts = [s.decode() if isinstance(s, bytes) else str(s)
                 for s in array.reshape(-1).tolist()]
        assert (list(array.shape), texts) == (expected["shape"], expected["strings"]), name
        return
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


def compiled(name: str, code: str) -> object:
    """A case's code compiled under a file name linecache knows: AutoGraph (TensorFlow's
    and the engine's) reads a converted function's source the way it reads a script's."""
    filename = f"<parity case {name}>"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    return compile(code, filename, "exec")


@pytest.mark.parametrize("area, name, code", PARAMS)
def test_engine_computes_what_tensorflow_computes(area, name, code):
    module, expected = MODULES[area], FIXTURES[area][name]
    scope = {"tf": engine, "np": np}
    if "raises" in expected:
        with pytest.raises(Exception) as info:  # noqa: PT011 - the class is checked below
            exec(compiled(name, code), scope)
        assert type(info.value).__name__ == expected["raises"], (
            f"{name}: raised {type(info.value).__name__}: {info.value}; TensorFlow raises "
            f"{expected['raises']}: {expected['message']}")
        return
    exec(compiled(name, code), scope)
    got = leaves(scope["result"])
    assert len(got) == len(expected["values"])
    rtol = getattr(module, "FLOAT64_RTOL", {}).get(name, (1e-6, ""))[0]
    ulps = getattr(module, "FLOAT32_ULPS", {}).get(name, (FLOAT32_ULPS, ""))[0]
    if name in getattr(module, "EXACT_FLOAT32", ()):
        ulps = 0
    for i, (value, want) in enumerate(zip(got, expected["values"])):
        assert_same_value(f"{name}[{i}]", value, want, rtol, ulps)


@pytest.mark.parametrize("area", AREAS)
def test_every_case_has_a_fixture(area):
    assert sorted(FIXTURES[area]) == sorted(name for name, _ in MODULES[area].CASES)
