"""Breakpoints judge events: each kind fires at the op a person means, and only there."""

from __future__ import annotations

import numpy as np
import pytest

from debugger.breakpoints import Breakpoint, BreakpointSet, ConditionError


def op(seq, op_type="Add", name=None, scope="", file="/project/train.py", line=10, bad=False,
       inputs=(), outputs=None, step=0):
    return {"kind": "op", "seq": seq, "step": step, "epoch": 0, "op": op_type,
            "name": name or op_type, "scope": scope, "inputs": list(inputs),
            "outputs": list(outputs if outputs is not None else [1000 + seq]),
            "shapes": [[2]], "dtypes": ["float32"], "file": file, "line": line,
            "duration": 0.0, "exec": "eager",
            "summary": [{"shape": [2], "dtype": "float32", "bad": bad}]}


def gradient(seq, bad=False, step=0):
    summary = {"shape": [], "dtype": "float32", "bad": bad}
    return {"kind": "gradient", "seq": seq, "step": step, "epoch": 0, "target": 1,
            "sources": [{"id": 5, "name": "w", "shape": [], "summary": summary}],
            "file": "/project/train.py", "line": 30}


def test_op_type_matches_exactly():
    bp = Breakpoint.on_op_type("MatMul")
    assert bp.matches(op(1, "MatMul"))
    assert not bp.matches(op(2, "BatchMatMul"))
    assert not bp.matches(gradient(3))


def test_op_name_pattern_matches_name_or_scoped_name():
    bp = Breakpoint.on_op_name("dense_1/*")
    assert bp.matches(op(1, "MatMul", name="MatMul", scope="dense_1"))
    assert not bp.matches(op(2, "MatMul", name="MatMul", scope="dense"))
    assert Breakpoint.on_op_name("Mat*").matches(op(3, "MatMul"))


def test_line_matches_basename_tail_or_absolute_path():
    event = op(1, file="/projects/demo/train.py", line=12)
    assert Breakpoint.at_line("train.py", 12).matches(event)
    assert Breakpoint.at_line("demo/train.py", 12).matches(event)
    assert Breakpoint.at_line("/projects/demo/train.py", 12).matches(event)
    assert not Breakpoint.at_line("rain.py", 12).matches(event)
    assert not Breakpoint.at_line("emo/train.py", 12).matches(event)  # whole path parts only
    assert not Breakpoint.at_line("train.py", 13).matches(event)


def test_line_breakpoint_stops_once_per_run_of_ops_on_that_line():
    bps = BreakpointSet([Breakpoint.at_line("train.py", 20)])
    lines = [15, 20, 20, 20, 31, 15, 20, 20]
    fired = [bps.check(op(i, line=line)) is not None for i, line in enumerate(lines)]
    assert fired == [False, True, False, False, False, False, True, False]
    assert bps.items[0].hits == 2


def variable_update(seq, variable_id, bad, step=0):
    return {"kind": "variable_update", "seq": seq, "step": step, "epoch": 0,
            "id": variable_id, "name": "w", "action": "assign_sub",
            "summary": {"shape": [], "dtype": "float32", "bad": bad}}


# A training loop whose weight goes bad in step 0: every later step reads it (ReadVariableOp
# of the variable, id 7) and its NaN reaches every op, step after step.
def poisoned_run(steps=5):
    seq = 0
    for step in range(steps):
        seq += 1
        yield op(seq, "ReadVariableOp", inputs=[7], outputs=[100 + seq], bad=step > 0,
                 step=step)
        read = 100 + seq
        seq += 1  # step 0: Log of a negative number, the NaN is born here
        yield op(seq, "Log", inputs=[read], outputs=[100 + seq], bad=True, step=step)
        log = 100 + seq
        seq += 1
        yield op(seq, "Mul", inputs=[log], outputs=[100 + seq], bad=True, step=step)
        seq += 1
        yield gradient(seq, bad=True, step=step)
        seq += 1
        yield variable_update(seq, 7, bad=True, step=step)
        seq += 1
        yield {"kind": "step_end", "seq": seq, "step": step, "epoch": 0}


def stops(bps, stream):
    return [(e["seq"], e.get("op")) for e in stream if bps.check(e) is not None]


def test_first_nan_stops_once_per_run_however_long_the_nan_lives_on():
    bps = BreakpointSet([Breakpoint.on_nan()])
    assert stops(bps, poisoned_run()) == [(2, "Log")]
    assert bps.items[0].hits == 1


def test_first_nan_stays_spent_when_the_breakpoints_are_edited_mid_run():
    first = Breakpoint.on_nan()
    first.id = 3
    bps = BreakpointSet([first])
    run = poisoned_run()
    assert [e["seq"] for e in run if bps.check(e) is not None][:1] == [2]
    bps.replace([Breakpoint.from_dict(first.to_dict()), Breakpoint.on_op_type("MatMul")])
    assert stops(bps, poisoned_run()) == []


def test_first_nan_also_catches_a_bad_gradient_when_no_op_showed_one():
    bps = BreakpointSet([Breakpoint.on_nan()])
    assert bps.check(op(1, "Exp", outputs=[11])) is None
    assert bps.check(gradient(2, bad=True)) is not None
    assert bps.check(gradient(3, bad=True, step=1)) is None


def test_each_new_origin_stops_where_bad_values_are_born_not_where_they_spread():
    bps = BreakpointSet([Breakpoint.on_nan_origin()])
    stream = [
        op(1, "Exp", outputs=[11]),
        op(2, "Log", inputs=[11], outputs=[12], bad=True),  # born here
        op(3, "Mul", inputs=[12], outputs=[13], bad=True),  # inherited
        gradient(4, bad=True),  # made by ops judged already
        op(5, "Sqrt", inputs=[11], outputs=[14], bad=True),  # born again, from a clean input
        {"kind": "step_end", "seq": 6, "step": 0, "epoch": 0},
        op(7, "Mul", inputs=[13], outputs=[15], bad=True, step=1),  # still inherited
    ]
    assert stops(bps, stream) == [(2, "Log"), (5, "Sqrt")]
    assert bps.items[0].hits == 2


def test_each_new_origin_follows_nan_through_a_variable_across_steps():
    bps = BreakpointSet([Breakpoint.on_nan_origin()])
    assert stops(bps, poisoned_run()) == [(2, "Log")]


def test_an_id_reused_by_a_healthy_tensor_is_clean_again():
    bps = BreakpointSet([Breakpoint.on_nan_origin()])
    stream = [op(1, "Log", outputs=[11], bad=True),
              op(2, "Exp", outputs=[11]),  # id 11 reused by a finite tensor
              op(3, "Sqrt", inputs=[11], outputs=[12], bad=True)]  # so this NaN is new
    assert stops(bps, stream) == [(1, "Log"), (3, "Sqrt")]


def test_a_variable_assigned_finite_values_again_is_clean():
    bps = BreakpointSet([Breakpoint.on_nan_origin()])
    stream = [variable_update(1, 7, bad=True),
              op(2, "Mul", inputs=[7], outputs=[11], bad=True),
              variable_update(3, 7, bad=False),
              op(4, "Log", inputs=[7], outputs=[12], bad=True)]
    assert stops(bps, stream) == [(4, "Log")]


def test_condition_sees_the_first_output_and_numpy():
    bp = Breakpoint.when("abs(x).max() > 1e3")
    values = {1: np.array([1.0, -2000.0]), 2: np.array([3.0])}
    getter = lambda event: values[event["seq"]]
    assert bp.matches(op(1), getter)
    assert not bp.matches(op(2), getter)
    assert Breakpoint.when("np.isnan(x).any()").matches(op(3), lambda e: np.array([np.nan]))


@pytest.mark.parametrize("source", ["x.__class__", "__import__('os')", "(lambda: 1)()",
                                    "x +", "[y := 1]"])
def test_condition_refuses_escapes_and_syntax_errors(source):
    with pytest.raises(ConditionError):
        Breakpoint.when(source)


@pytest.mark.parametrize("source", ["open('/etc/passwd') is None", "eval('1')", "y > 0",
                                    "x._base is None"])
def test_condition_may_name_only_x_np_and_safe_builtins(source):
    with pytest.raises(ConditionError, match="may"):
        Breakpoint.when(source)


def test_condition_comprehensions_may_use_their_own_names():
    bp = Breakpoint.when("any(abs(v) > 5 for v in x.ravel())")
    assert bp.matches(op(1), lambda e: np.array([1.0, -6.0]))


def test_a_failing_condition_is_disabled_and_reported_once():
    reported = []
    failing = Breakpoint.when("x.no_such_attribute > 0")
    failing.id = 7
    bps = BreakpointSet([failing],
                        on_error=lambda bp, message: reported.append((bp.id, message)))
    for seq in range(5):
        assert bps.check(op(seq), lambda e: np.zeros(2)) is None
    assert len(reported) == 1 and reported[0][0] == 7
    assert "AttributeError" in reported[0][1] and "disabled" in reported[0][1]
    assert not bps.items[0].enabled
    assert bps.items[0].error == reported[0][1]  # kept with it, for the dock to show


def test_disabled_breakpoints_do_not_fire_and_set_is_falsy():
    bp = Breakpoint.on_op_type("Add")
    bp.enabled = False
    bps = BreakpointSet([bp])
    assert not bps and bps.check(op(1)) is None


def test_round_trip_through_dicts_keeps_everything():
    original = Breakpoint.at_line("train.py", 9)
    original.id, original.hits, original.enabled = 4, 2, False
    assert Breakpoint.from_dict(original.to_dict()) == original
    assert Breakpoint.from_dict(Breakpoint.when("x.sum() > 1").to_dict()).condition == (
        "x.sum() > 1")


@pytest.mark.parametrize("kwargs", [{"kind": "opcode"}, {"kind": "line", "file": "t.py"},
                                    {"kind": "op_type"}])
def test_invalid_specs_are_refused(kwargs):
    with pytest.raises(ValueError):
        Breakpoint(**kwargs)


def test_when_two_breakpoints_match_one_event_the_first_listed_fires_alone():
    by_type, by_name = Breakpoint.on_op_type("MatMul"), Breakpoint.on_op_name("dense/*")
    by_type.id, by_name.id = 1, 2
    event = op(1, "MatMul", name="MatMul", scope="dense")
    assert by_type.matches(event) and by_name.matches(event)  # both would fire
    bps = BreakpointSet([by_type, by_name])
    assert bps.check(event) is by_type
    assert (by_type.hits, by_name.hits) == (1, 0)  # the one that stopped is the one counted
    bps.replace([by_name, by_type])
    assert bps.check(op(2, "MatMul", name="MatMul", scope="dense")) is by_name
    assert (by_type.hits, by_name.hits) == (1, 1)
