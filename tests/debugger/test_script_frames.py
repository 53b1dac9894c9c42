"""The debuggee's questions about the script's frames, answered by the engine's one test of
"engine code or not" (``engine.context.is_engine_file``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from debugger.debuggee import failing_frame, is_user_file, script_location
from engine.context import ENGINE_DIR


def test_user_files_are_neither_the_engines_nor_generated_nor_a_librarys():
    assert is_user_file(__file__)
    assert not is_user_file(os.path.join(ENGINE_DIR, "tensor.py"))
    assert not is_user_file("<tf.function step>") and not is_user_file("<string>")
    assert not is_user_file(os.__file__)  # the standard library
    assert is_user_file(ENGINE_DIR.rstrip(os.sep) + "_runs" + os.sep + "train.py")


def test_the_script_location_skips_engine_and_generated_frames():
    namespace = {"script_location": script_location}
    exec(compile("def engine_side():\n    return script_location()\n",
                 os.path.join(ENGINE_DIR, "fake_engine_module.py"), "exec"), namespace)
    exec(compile("def generated():\n    return engine_side()\n", "<string>", "exec"), namespace)
    line = sys._getframe().f_lineno + 1
    assert namespace["generated"]() == (__file__, line)


def test_a_failure_is_placed_in_the_script_not_in_the_engine(tmp_path):
    script = tmp_path / "train.py"
    namespace: dict = {}
    exec(compile("def fails():\n    raise ValueError('deep')\n",
                 os.path.join(ENGINE_DIR, "fake_engine_module.py"), "exec"), namespace)
    scope: dict = {"fails": namespace["fails"]}
    exec(compile("def step():\n    fails()\n", str(script), "exec"), scope)
    with pytest.raises(ValueError) as info:
        scope["step"]()
    assert failing_frame(info.value.__traceback__, Path(script)) == (str(script), 2)
