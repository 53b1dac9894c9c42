"""`tapescope import-tfdbg`: a dump TensorFlow's own tfdbg2 wrote, as a trace."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("tensorflow")

from app import cli  # noqa: E402
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


def test_a_damaged_dump_gets_one_line(dump, tmp_path, capsys):
    broken = tmp_path / "broken"
    broken.mkdir()
    for path in dump.iterdir():  # every file cut in half
        (broken / path.name).write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    code = cli.main(["import-tfdbg", str(broken), "-o", str(tmp_path / "b.tsdb")])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if code != 0:  # cut records are either skipped by the reader or reported in one line
        assert code == 2 and "tfdbg2 dump" in err
