"""Findings: the problems a trace already shows, named, for the window and `tapescope inspect`.

Each check reads only recorded events (gradient norms, op summaries and shapes, variable
update norms, graph traces), so a finding costs nothing while the script runs. The checks
demand a pattern that lasts several steps, because one odd step is normal early in training
and a debugger that cries wolf gets ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from math import prod

DEAD_STEPS = 3  # steps of zero gradient / all-zero Relu output before a layer counts as dead
GROWTH = 10.0  # gradient norm growth per step that looks like divergence…
GROWTH_STEPS = 2  # …for this many steps in a row (one jump happens in healthy runs)
UPDATE_RATIO = 1.0  # update norm / weight norm before the update…
UPDATE_STEPS = 3  # …in this many steps in a row (a zero-initialized bias starts at ratio 1)
# elementwise binary ops that broadcast their inputs together
BROADCASTING = frozenset({"Add", "AddV2", "Sub", "Mul", "RealDiv", "DivNoNan", "Maximum",
                          "Minimum", "SquaredDifference", "Pow", "FloorDiv", "FloorMod"})


@dataclass(frozen=True)
class Finding:
    """One problem: ``seq`` is the event to select (an op, gradient or variable update),
    ``variable`` the variable concerned (its name) when there is one."""

    kind: str  # "dead", "exploding", "update_ratio", "broadcast", "retracing"
    title: str
    detail: str
    step: int | None
    seq: int | None
    variable: str | None = None


def _variable_label(name: str | None, var_id: int) -> str:
    return f"{name or 'variable'} (id {var_id})"


def dead_gradients(gradients: Iterable[dict], steps: int = DEAD_STEPS) -> list[Finding]:
    """Variables whose gradient norm is exactly 0 in ``steps`` consecutive gradient calls."""
    runs: dict[int, list[dict]] = {}
    found: dict[int, Finding] = {}
    for event in gradients:
        for source in event.get("sources", ()):
            var_id, norm = source.get("id"), source.get("norm")
            if norm is None or var_id in found:
                continue
            run = runs.setdefault(var_id, [])
            if norm == 0:
                run.append(event)
            else:
                run.clear()
            if len(run) >= steps:
                first = run[0]
                found[var_id] = Finding(
                    "dead", "dead layer",
                    f"the gradient of {_variable_label(source.get('name'), var_id)} is exactly "
                    f"0 for {steps} steps from step {first.get('step')}: nothing reaches it "
                    "(dead Relu units, a disconnected path or a zero multiplier)",
                    first.get("step"), first["seq"], source.get("name"))
    return list(found.values())


def dead_relus(ops: Iterable[dict], steps: int = DEAD_STEPS) -> list[Finding]:
    """Relu ops whose output is all zeros (FULL_HEALTH zero counts) in ``steps`` steps in a row."""
    runs: dict[tuple, list[dict]] = {}
    found: dict[tuple, Finding] = {}
    for op in ops:
        if op.get("op") != "Relu":
            continue
        summary = (op.get("summary") or [None])[0]
        if not summary or "zeros" not in summary:
            continue  # below FULL_HEALTH: no zero counts recorded
        key = (op.get("name"), op.get("file"), op.get("line"))
        if key in found:
            continue
        run = runs.setdefault(key, [])
        if summary["zeros"] == summary.get("size") and summary.get("size"):
            if not run or run[-1].get("step") != op.get("step"):
                run.append(op)
        else:
            run.clear()
        if len(run) >= steps:
            first = run[0]
            found[key] = Finding(
                "dead", "dead layer",
                f"Relu {op.get('name')} (line {op.get('line')}) outputs only zeros for "
                f"{steps} steps from step {first.get('step')}: its units are dead, no gradient "
                "flows back through it",
                first.get("step"), first["seq"])
    return list(found.values())


def exploding_gradients(gradients: Iterable[dict], growth: float = GROWTH,
                        steps: int = GROWTH_STEPS) -> list[Finding]:
    """Variables whose gradient norm grows ``growth``x or more per step, ``steps`` times in a
    row."""
    last: dict[int, float] = {}
    runs: dict[int, list[dict]] = {}
    found: dict[int, Finding] = {}
    for event in gradients:
        for source in event.get("sources", ()):
            var_id, norm = source.get("id"), source.get("norm")
            if norm is None or var_id in found:
                continue
            before = last.get(var_id)
            last[var_id] = norm
            run = runs.setdefault(var_id, [])
            if before and norm >= growth * before:  # inf counts as growth
                run.append(event)
            else:
                run.clear()
            if len(run) >= steps:
                first = run[0]
                found[var_id] = Finding(
                    "exploding", "learning rate too large?",
                    f"the gradient norm of {_variable_label(source.get('name'), var_id)} grows "
                    f"{growth:g}x or more per step for {steps} steps from step "
                    f"{first.get('step')} (now {norm:.4g}): training is diverging",
                    first.get("step"), first["seq"], source.get("name"))
    return list(found.values())


def large_updates(updates: Iterable[dict], ratio: float = UPDATE_RATIO,
                  steps: int = UPDATE_STEPS) -> list[Finding]:
    """Variables whose update is as large as the weight it changes, ``steps`` updates in a row."""
    weights: dict[int, float] = {}
    runs: dict[int, list[dict]] = {}
    found: dict[int, Finding] = {}
    for event in updates:
        var_id = event.get("id")
        weight, update = event.get("weight_norm"), event.get("update_norm")
        if weight is None or update is None or var_id in found:
            continue
        before = weights.get(var_id)  # the norm recorded is the weight's after the update
        weights[var_id] = weight
        run = runs.setdefault(var_id, [])
        if before and update >= ratio * before:
            run.append(event)
        else:
            run.clear()
        if len(run) >= steps:
            first = run[0]
            found[var_id] = Finding(
                "update_ratio", "learning rate too large?",
                f"the updates of {_variable_label(event.get('name'), var_id)} are as large as "
                f"the weight itself (update/weight >= {ratio:g}) for {steps} steps from step "
                f"{first.get('step')}",
                first.get("step"), first["seq"], event.get("name"))
    return list(found.values())


def broadcasts(ops: Iterable[dict]) -> list[Finding]:
    """Elementwise ops whose output is bigger than both inputs, inputs of different ranks
    (``[128] - [128, 1] -> [128, 128]``): usually a forgotten squeeze or reshape. Once per
    source line. Input shapes are the shapes of the ops that produced them (constants fed
    from numpy have no op, so those ops are not checked)."""
    shapes: dict[int, list[int]] = {}
    found: dict[tuple, Finding] = {}
    for op in ops:
        key = (op.get("op"), op.get("file"), op.get("line"))
        if op.get("op") in BROADCASTING and key not in found and len(op["inputs"]) == 2:
            ins = [shapes.get(i) for i in op["inputs"]]
            out = (op.get("shapes") or [None])[0]
            if out is not None and all(s is not None for s in ins):
                a, b = ins
                size = prod(out)
                if len(a) != len(b) and size > prod(a) and size > prod(b):
                    found[key] = Finding(
                        "broadcast", "broadcast: did you mean…?",
                        f"{op['op']} {op.get('name')}: {a} and {b} broadcast to {out}, bigger "
                        "than both inputs; if they were meant to match, squeeze or reshape "
                        "the one with the extra axis",
                        op.get("step"), op["seq"])
        for tensor, shape in zip(op.get("outputs", ()), op.get("shapes") or ()):
            shapes[tensor] = shape
    return list(found.values())


def retracing(graphs: Iterable[dict]) -> list[Finding]:
    """One finding per function traced more than once, with the distinct reasons."""
    by_function: dict[str, list[dict]] = {}
    for graph in graphs:
        by_function.setdefault(graph["function"], []).append(graph)
    found = []
    for function, traces in by_function.items():
        if len(traces) < 2:
            continue
        reasons = list(dict.fromkeys(g["reason"] for g in traces[1:] if g.get("reason")))
        if len(reasons) > 2:  # a shape changing every call: the first two say it all
            reasons = [*reasons[:2], f"… ({len(reasons) - 2} more)"]
        found.append(Finding(
            "retracing", f"{function} retraced",
            f"{function} was traced {max(g['trace_count'] for g in traces)} times"
            + (": " + "; ".join(reasons) if reasons else ""),
            None, traces[1]["seq"]))
    return found


def find_all(reader) -> list[Finding]:  # noqa: ANN001 - a TraceReader (no import cycle)
    """Every finding of an open trace, in the order the run met them."""
    gradients = reader.gradients()
    ops = list(reader.ops())
    # metrics' counters are variables too, reset to 0 and counted up: not weights to judge
    frozen = {e["id"] for e in reader.events("variable_created") if not e.get("trainable")}
    updates = [e for e in reader.events("variable_update") if e.get("id") not in frozen]
    found = (dead_gradients(gradients) + dead_relus(ops) + exploding_gradients(gradients)
             + large_updates(updates) + broadcasts(ops)
             + retracing(reader.graphs()))
    return sorted(found, key=lambda f: (f.seq is None, f.seq or 0))
