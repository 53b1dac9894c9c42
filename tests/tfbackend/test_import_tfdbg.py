"""`tapescope import-tfdbg`: a dump TensorFlow's own tfdbg2 wrote, as a trace."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

pytest.importorskip("tensorflow")

from app import cli  # noqa: E402
from debugger.tracefile import TraceReader  # noqa: E402
from tests.tfbackend.helpers import PROGRAMS, ops_of, read_events  # noqa: E402


@pytest.fixture(scope="module")
def dump(tmp_path_factory):
    root = tmp_path_factory.mktemp("tfdbg") / "dump"
    subprocess.run([sys.executable, str(PROGRAMS / "make_dump.py"), str(root)], check=True,
                   capture_output=True, timeout=300)
    return root


def test_dump_becomes_a_trace_with_graph_ops_health_and_lines(dump, tmp_path):
    trace = tmp_path / "run.tsdb"
    assert cli.main(["import-tfdbg", str(dump), "-o", str(trace)]) == 0
    events = read_events(trace)
    script = str(PROGRAMS / "make_dump.py")
    mul = ops_of(events, op="Mul", exec="eager")
    assert len(mul) == 1 and (mul[0]["file"], mul[0]["line"]) == (script, 9)
    assert mul[0]["summary"][0]["size"] == 3 and not mul[0]["summary"][0]["bad"]
    graphs = [e for e in events if e["kind"] == "graph"]
    assert [g["function"] for g in graphs] == ["log_shift"]
    log = ops_of(events, op="Log", exec=f"graph:{graphs[0]['graph_id']}")
    assert len(log) == 1 and log[0]["line"] == 14
    assert (log[0]["summary"][0]["neg_inf"], log[0]["summary"][0]["bad"]) == (1, True)
    sub = ops_of(events, op="Sub", exec=f"graph:{graphs[0]['graph_id']}")[0]
    assert log[0]["inputs"] == sub["outputs"]


def test_a_folder_that_is_no_dump_gets_one_line(tmp_path, capsys):
    assert cli.main(["import-tfdbg", str(tmp_path), "-o", str(tmp_path / "x.tsdb")]) == 2
    err = capsys.readouterr().err
    assert "holds no tfdbg2 dump" in err and "Traceback" not in err
    assert not (tmp_path / "x.tsdb").exists()


def _damaged_copy(dump, folder, kind, damage):
    """A copy of the dump with its .``kind`` file cut in half, overwritten or removed."""
    shutil.copytree(dump, folder)
    (path,) = folder.glob(f"tfdbg_events.*.{kind}")
    if damage == "cut":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "garbage":
        path.write_bytes(bytes(range(256)) * 2)  # a length field far beyond the file
    else:
        path.unlink()
    return path.name


@pytest.mark.parametrize("kind", ["source_files", "stack_frames", "graphs"])
@pytest.mark.parametrize("damage", ["cut", "garbage"])
def test_a_damaged_file_every_op_refers_to_is_refused_naming_it(dump, tmp_path, capsys, kind,
                                                                damage):
    name = _damaged_copy(dump, tmp_path / "broken", kind, damage)
    output = tmp_path / "b.tsdb"
    assert cli.main(["import-tfdbg", str(tmp_path / "broken"), "-o", str(output)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"cannot be read: {name} is damaged at byte " in err[0]
    if damage == "garbage":
        assert "at byte 0 of 512, after 0 intact records" in err[0]
    assert not output.exists()


@pytest.mark.parametrize("kind", ["metadata", "source_files", "stack_frames", "graphs",
                                  "execution", "graph_execution_traces"])
def test_a_dump_missing_a_file_is_refused_naming_it(dump, tmp_path, capsys, kind):
    _damaged_copy(dump, tmp_path / "broken", kind, "missing")
    assert cli.main(["import-tfdbg", str(tmp_path / "broken"), "-o",
                     str(tmp_path / "b.tsdb")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if kind == "metadata":
        assert "holds no tfdbg2 dump (no tfdbg_events.*.metadata file)" in err
    else:
        assert f"has no .{kind} file (tfdbg_events.*.{kind}): it is incomplete" in err


@pytest.mark.parametrize(("kind", "eager", "graph"), [("execution", 1, 4),
                                                      ("graph_execution_traces", 1, 1)])
def test_a_cut_stream_of_ops_imports_its_intact_beginning_and_says_so(dump, tmp_path, capsys,
                                                                     kind, eager, graph):
    """As a process killed while dumping leaves it: what was written whole is kept."""
    name = _damaged_copy(dump, tmp_path / "cut", kind, "cut")
    trace = tmp_path / "cut.tsdb"
    assert cli.main(["import-tfdbg", str(tmp_path / "cut"), "-o", str(trace)]) == 0
    err = capsys.readouterr().err
    assert f"tapescope: warning: {name} is damaged at byte " in err
    assert "imported the ops recorded before that" in err
    events = read_events(trace)
    assert len(ops_of(events, exec="eager")) == eager
    assert len([e for e in events if e["kind"] == "op" and e["exec"] != "eager"]) == graph
    with TraceReader(trace) as reader:
        assert reader.meta["damaged"] and name in reader.meta["damaged"][0]
