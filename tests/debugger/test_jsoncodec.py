"""Event JSON: orjson's speed with json's bytes, NaN and ±Inf included."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from debugger import jsoncodec
from debugger.events import make


def op_event(**summary_fields: object) -> dict:
    summary = {"size": 4, "nan": 0, "neg_inf": 0, "pos_inf": 0, "bad": False}
    summary.update(summary_fields)
    return make("op", 7, step=1, epoch=0, op="MatMul", name="MatMul", scope="dense",
                inputs=[1, 2], outputs=[3], shapes=[[2, 2]], dtypes=["float32"],
                file="train.py", line=9, duration=1.5e-5, exec="eager", summary=[summary])


def test_a_health_event_reads_back_equal_and_as_json_reads_it():
    event = op_event()
    data = jsoncodec.dumps(event)
    assert jsoncodec.loads(data) == event == json.loads(data)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, np.float32("nan"),
                                   np.float64("-inf")])
def test_non_finite_floats_survive_instead_of_becoming_null(value):
    event = make("scalar", 3, step=0, epoch=0, name="loss", value=value, axis="step")
    back = jsoncodec.loads(jsoncodec.dumps(event))
    assert back["value"] is not None
    assert (math.isnan(back["value"]) and math.isnan(value)) or back["value"] == value


def test_a_nan_deep_in_a_summary_with_none_elsewhere_is_kept():
    event = op_event(min=float("nan"), max=float("inf"))
    event["line"] = None
    back = jsoncodec.loads(jsoncodec.dumps(event))
    assert back["line"] is None
    assert math.isnan(back["summary"][0]["min"]) and back["summary"][0]["max"] == math.inf


def test_numpy_scalars_and_arrays_become_numbers_and_lists():
    data = {"a": np.int64(3), "b": np.float16(0.5), "c": np.bool_(True),
            "d": np.arange(3, dtype=np.int32)}
    assert jsoncodec.loads(jsoncodec.dumps(data)) == {"a": 3, "b": 0.5, "c": True,
                                                      "d": [0, 1, 2]}


def test_unknown_objects_are_refused_unless_lenient():
    with pytest.raises(TypeError, match="object is not JSON serializable|not JSON serializable"):
        jsoncodec.dumps({"x": object()})
    assert jsoncodec.loads(jsoncodec.dumps({"x": {1, 2}}, lenient=True))["x"].startswith("{")


def test_integer_keys_become_strings_as_json_makes_them():
    assert jsoncodec.loads(jsoncodec.dumps({1: "a"})) == {"1": "a"}


def test_malformed_input_raises_a_value_error():
    with pytest.raises(ValueError):
        jsoncodec.loads(b"{not json")
