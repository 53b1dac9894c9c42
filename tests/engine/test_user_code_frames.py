"""Where the user's code is: one test of "engine code or not" for every frame walk."""

from __future__ import annotations

import os
import sys

import engine
from engine import context
from engine.context import ENGINE_DIR, is_engine_file, user_code_frame

ENGINE_FILE = os.path.abspath(engine.__file__)


def test_engine_files_and_compiled_graphs_are_not_the_users():
    assert is_engine_file(ENGINE_FILE) and is_engine_file(context.__file__)
    assert is_engine_file("<tf.function train_step>")
    assert not is_engine_file(__file__)
    assert not is_engine_file("<string>") and not is_engine_file("<frozen runpy>")


def test_a_folder_beside_the_engine_whose_name_starts_alike_is_the_users():
    sibling = ENGINE_DIR.rstrip(os.sep) + "_examples" + os.sep + "train.py"
    assert not is_engine_file(sibling)
    assert not is_engine_file(ENGINE_DIR.rstrip(os.sep) + ".py")


def test_a_relative_name_inside_the_engine_is_the_engines(monkeypatch):
    monkeypatch.chdir(os.path.dirname(ENGINE_DIR.rstrip(os.sep)))
    assert is_engine_file(os.path.join("engine", "tensor_fake_name.py"))


def test_the_walk_stops_at_the_first_frame_outside_the_engine():
    namespace = {"sys": sys, "user_code_frame": user_code_frame}
    # a "file" of the engine calling back into the test: the walk skips it
    code = compile("def engine_side(fn):\n    return fn()\n",
                   os.path.join(ENGINE_DIR, "fake_engine_module.py"), "exec")
    exec(code, namespace)

    def here() -> tuple[str, int]:
        frame = user_code_frame(sys._getframe(1))
        return frame.f_code.co_filename, frame.f_code.co_name

    def user_side() -> tuple[str, int]:
        return namespace["engine_side"](here)

    assert user_side() == (__file__, "user_side")


def test_the_walk_stops_in_a_folder_beside_the_engine_named_alike():
    namespace = {"sys": sys, "user_code_frame": user_code_frame}
    beside = ENGINE_DIR.rstrip(os.sep) + "_runs" + os.sep + "train.py"
    exec(compile("def users():\n    return user_code_frame(sys._getframe())\n", beside,
                 "exec"), namespace)
    assert namespace["users"]().f_code.co_filename == beside


def test_a_folder_a_tool_registers_is_not_the_users(tmp_path):
    tool = tmp_path / "tool"
    inside = str(tool / "probe.py")
    assert not is_engine_file(inside)  # asked (and cached) before the tool registers
    context.add_internal_dir(str(tool))
    assert is_engine_file(inside)
    assert not is_engine_file(str(tmp_path / "tool_runs" / "train.py"))  # a sibling is not


def test_the_debuggers_own_frames_are_never_the_users_line():
    import debugger
    import debugger.probe

    assert is_engine_file(debugger.probe.__file__) and is_engine_file(debugger.__file__)
