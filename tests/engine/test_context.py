"""The engine's seam to the debugger: the Hook it calls, ``STATE.swapped``, and the engine
loading without the debugger."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import engine as tf
from engine import context
from engine.context import STATE, Hook

ENGINE = Path(context.__file__).resolve().parent
ROOT = ENGINE.parent
HOOK_NAMES = {"hook", "node_hook"}  # local names engine code gives the attached hook


def test_import_engine_loads_nothing_of_the_debugger():
    code = ("import sys; import engine; import engine.keras; "
            "print(sorted(m for m in sys.modules if m.startswith('debugger.') "
            "or m == 'debugger'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert out.strip() == "[]"


def _engine_sources() -> list[Path]:
    return [p for p in ENGINE.rglob("*.py") if "debug" not in p.relative_to(ENGINE).parts]


def _is_hook(node: ast.AST) -> bool:
    """``hook``, ``node_hook``, ``STATE.hook`` or ``STATE.op_hook``."""
    if isinstance(node, ast.Name):
        return node.id in HOOK_NAMES
    return (isinstance(node, ast.Attribute) and node.attr in ("hook", "op_hook")
            and isinstance(node.value, ast.Name) and node.value.id == "STATE")


def test_every_hook_member_the_engine_uses_is_declared_on_hook_and_none_is_duck_typed():
    used: dict[str, str] = {}
    duck_typed = []
    for path in _engine_sources():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _is_hook(node.value):
                used.setdefault(node.attr, f"{path.relative_to(ROOT)}:{node.lineno}")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("getattr", "hasattr") and node.args
                    and _is_hook(node.args[0])):
                duck_typed.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert {"op_executed", "run_graph", "graph_node", "fit_event", "dataset_next"} <= set(used)
    undeclared = {name: where for name, where in used.items() if not hasattr(Hook, name)}
    assert undeclared == {}
    assert duck_typed == []


def test_set_hook_refuses_an_object_that_is_not_a_hook():
    class Almost:
        def op_executed(self, *args):
            pass

    try:
        with pytest.raises(TypeError, match="engine.context.Hook.*got Almost"):
            context.set_hook(Almost())
        assert STATE.hook is None
    finally:  # (had it been attached, the tests after this one would hear of it)
        STATE.hook = None
        STATE.refresh()


def test_a_hook_that_overrides_nothing_hears_a_training_step_without_failing():
    previous = context.set_hook(Hook())
    try:
        w = tf.Variable([1.0, 2.0])

        @tf.function
        def step(x):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(w * x)
            grads = tape.gradient(loss, [w])
            tf.keras.optimizers.SGD(0.5).apply_gradients(zip(grads, [w]))
            return loss

        for _ in tf.data.Dataset.from_tensor_slices([[1.0, 1.0], [2.0, 2.0]]).batch(1):
            step(tf.constant([1.0, 1.0]))
    finally:
        context.set_hook(previous)
    assert w.numpy().tolist() == [0.0, 1.0]


def test_swapped_sets_fields_for_a_block_and_restores_them_after_an_error():
    tape = tf.GradientTape()
    with tape:
        tapes = STATE.tapes
        with pytest.raises(KeyError):
            with STATE.swapped(tapes=[], user_site=("f.py", 3), dry_run=True) as state:
                assert state.tapes == [] and state.tapes is tapes  # the same list object
                assert state.user_site == ("f.py", 3) and state.dry_run
                assert not state.observed  # recomputed: no tape records now
                raise KeyError("boom")
        assert STATE.tapes is tapes and STATE.tapes == [tape]
        assert STATE.user_site is None and not STATE.dry_run
        assert STATE.observed
    assert not STATE.observed


def test_swapped_restores_a_list_field_rebound_or_changed_inside_the_block():
    with STATE.swapped(scopes=["outer"]):
        STATE.scopes = ["rebound"]  # as the backward pass sets each op's scope
    assert STATE.scopes == []
    with STATE.swapped(scopes=["outer"]):
        STATE.scopes.append("pushed")
    assert STATE.scopes == []


def test_swapped_names_a_field_it_cannot_set():
    with pytest.raises(TypeError, match=r"\['observed', 'tape'\]"):
        STATE.swapped(tape=[], observed=True)
