"""How a debuggee ends, whoever ends it: signals to it and to `tapescope record`, its parent's
death, ``os._exit`` and ``fork`` in the script, Stop with forked children, Pause in pure Python.

Real processes throughout; every test waits with a deadline and kills what it started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from debugger.client import DebugClient
from debugger.tracefile import TraceReader

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc, POSIX signals")

# Ops, then a pid file that says "running now", then ops forever (until a signal ends it).
ENDLESS_RECORDING = """\
import os
import engine as tf

x = tf.constant(1.0)
for _ in range(5):
    x = x + 1.0
open("pid", "w").write(str(os.getpid()))
while True:
    x = x * 1.0
"""

EXITING_SCRIPT = """\
import os
import engine as tf

x = tf.constant(1.0)
for _ in range(50):
    x = x + 1.0
print("last words")
os._exit(3)
"""

# Forks twice; each child runs ops of its own and ends as plain Python would (returning
# from the script, or os._exit as multiprocessing's workers do).
FORKING_SCRIPT = """\
import os
import engine as tf

x = tf.constant(1.0) + 1.0
for how in ("return", "os._exit"):
    pid = os.fork()
    if pid == 0:
        y = tf.constant(5.0) * 3.0
        print("child", how, float(y), flush=True)
        if how == "os._exit":
            os._exit(0)
        break
    assert os.waitpid(pid, 0)[1] == 0
else:
    z = x * 2.0
    print("parent", float(z))
"""

# A forked child that outlives the script: Stop must end it too.
ORPHANING_SCRIPT = """\
import os
import time

pid = os.fork()
if pid == 0:
    open("grandchild.tmp", "w").write(str(os.getpid()))
    os.rename("grandchild.tmp", "grandchild.pid")  # whole, once it exists
    while True:
        time.sleep(0.1)
while not os.path.exists("grandchild.pid"):
    time.sleep(0.01)
print("forked", flush=True)
while True:
    time.sleep(0.1)
"""

SPINNING_SCRIPT = """\
import engine as tf

x = tf.constant(1.0) + 1.0
n = 0
while True:  # LOOP
    n += 1
    if n == 100_000:
        print("spinning", flush=True)
"""


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its reaper does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def wait_until(predicate, what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.05)


def kill_if_alive(pid: int | None) -> None:
    if pid is not None and alive(pid):
        os.kill(pid, signal.SIGKILL)


def env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT))


def start_recording(tmp_path: Path, source: str, via_cli: bool) -> subprocess.Popen:
    script = tmp_path / "script.py"
    script.write_text(source)
    trace = tmp_path / "run.tsdb"
    if via_cli:
        command = [sys.executable, "-m", "app.cli", "record", str(script), "-o", str(trace)]
    else:
        command = [sys.executable, "-m", "debugger.debuggee", "--record", str(trace),
                   str(script)]
    return subprocess.Popen(command, cwd=tmp_path, env=env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def recording_pid(tmp_path: Path, process: subprocess.Popen) -> int:
    """The pid of the process running the script, once it runs its endless loop."""
    pid_file = tmp_path / "pid"
    wait_until(lambda: pid_file.exists() and pid_file.read_text() or process.poll() is not None,
               "the script started")
    assert process.poll() is None, process.communicate()
    return int(pid_file.read_text())


def finished_of(trace: Path) -> dict:
    with TraceReader(trace) as reader:
        finished = list(reader.events("finished"))
        assert len(list(reader.ops())) >= 5
    assert len(finished) == 1
    return finished[0]


# -- signals and the parent's death ----------------------------------------------------------

def test_sigterm_ends_a_recording_with_a_complete_trace(tmp_path):
    process = start_recording(tmp_path, ENDLESS_RECORDING, via_cli=False)
    try:
        pid = recording_pid(tmp_path, process)
        assert pid == process.pid
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=TIMEOUT)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 128 + signal.SIGTERM, err
    assert "terminated by SIGTERM" in err
    finished = finished_of(tmp_path / "run.tsdb")
    assert finished["status"] == "terminated" and finished["signal"] == "SIGTERM"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_tapescope_record_passes_sigterm_and_sigint_on(tmp_path, signum):
    process = start_recording(tmp_path, ENDLESS_RECORDING, via_cli=True)
    child = None
    try:
        child = recording_pid(tmp_path, process)
        process.send_signal(signum)  # to `tapescope record` only, as `kill` or a supervisor
        _, err = process.communicate(timeout=TIMEOUT)
        assert process.returncode == 128 + signum, err
        wait_until(lambda: not alive(child), "the recording child ended")
    finally:
        process.kill()
        process.wait()
        kill_if_alive(child)
    finished = finished_of(tmp_path / "run.tsdb")
    assert finished["status"] == "terminated"
    assert finished["signal"] == signal.Signals(signum).name


def test_a_killed_tapescope_record_takes_its_child_along(tmp_path):
    process = start_recording(tmp_path, ENDLESS_RECORDING, via_cli=True)
    child = None
    try:
        child = recording_pid(tmp_path, process)
        assert child != process.pid
        process.kill()  # SIGKILL: no handler of ours runs
        process.wait()
        wait_until(lambda: not alive(child), "the orphaned recording ended")
    finally:
        process.kill()
        process.wait()
        kill_if_alive(child)
    finished = finished_of(tmp_path / "run.tsdb")
    assert finished["status"] == "terminated" and finished["signal"] == "SIGTERM"


# Leaves processes behind three ways: a child that sleeps, one that ignores SIGTERM, and a
# grandchild orphaned by its parent's exit; then runs ops until a signal ends the recording.
FORKING_RECORDING = """\
import os
import signal
import time
import engine as tf


def leave(name, ignore_sigterm=False):
    if ignore_sigterm:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    open(name + ".tmp", "w").write(str(os.getpid()))
    os.rename(name + ".tmp", name + ".pid")  # whole, once it exists
    while True:
        time.sleep(0.1)


x = tf.constant(1.0) + 1.0
if os.fork() == 0:
    leave("sleeper")
if os.fork() == 0:
    leave("deaf", ignore_sigterm=True)
middle = os.fork()
if middle == 0:
    if os.fork() == 0:
        leave("orphan")
    os._exit(0)
os.waitpid(middle, 0)
while not all(os.path.exists(n + ".pid") for n in ("sleeper", "deaf", "orphan")):
    time.sleep(0.01)
open("pid", "w").write(str(os.getpid()))
while True:
    x = x * 1.0
"""


def processes_in(folder: Path) -> list[int]:
    """Live processes whose working directory is ``folder`` (all a recording started there)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and alive(int(entry.name)) \
                    and Path(os.readlink(entry / "cwd")) == folder:
                found.append(int(entry.name))
        except OSError:
            continue  # ended while we looked, or not ours
    return found


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_killing_tapescope_record_leaves_no_process_of_the_script(tmp_path, signum):
    process = start_recording(tmp_path, FORKING_RECORDING, via_cli=True)
    left: list[int] = []
    try:
        child = recording_pid(tmp_path, process)
        left = [child] + [int((tmp_path / f"{n}.pid").read_text())
                          for n in ("sleeper", "deaf", "orphan")]
        assert all(alive(pid) for pid in left)
        process.send_signal(signum)  # to `tapescope record` only
        process.communicate(timeout=TIMEOUT)
        wait_until(lambda: not any(alive(pid) for pid in left), "the script's processes ended",
                   timeout=20)
        assert processes_in(tmp_path.resolve()) == []
    finally:
        process.kill()
        process.wait()
        for pid in set(left) | set(processes_in(tmp_path.resolve())):
            kill_if_alive(pid)
    finished = finished_of(tmp_path / "run.tsdb")  # the trace is whole all the same
    assert finished["status"] == "terminated"


# -- os._exit and fork in the script -------------------------------------------------------------

def test_os_exit_in_a_recorded_script_keeps_every_event(tmp_path):
    process = start_recording(tmp_path, EXITING_SCRIPT, via_cli=False)
    out, _ = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 3 and out == "last words\n"
    with TraceReader(tmp_path / "run.tsdb") as reader:
        ops = [e["op"] for e in reader.ops()]
        finished = list(reader.events("finished"))
        printed = [e["text"] for e in reader.events("output")]
    assert ops == ["AddV2"] * 50 and printed == ["last words\n"]
    assert [(f["status"], f["returncode"]) for f in finished] == [("exited", 3)]


def test_a_recorded_fork_warns_once_and_records_only_the_parent(tmp_path):
    process = start_recording(tmp_path, FORKING_SCRIPT, via_cli=False)
    out, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, err
    assert "child return 15.0" in out and "child os._exit 15.0" in out and "parent 4.0" in out
    with TraceReader(tmp_path / "run.tsdb") as reader:
        ops = [e["op"] for e in reader.ops()]
        finished = list(reader.events("finished"))
        lines = [e["text"] for e in reader.events("output")]
    assert ops == ["AddV2", "Mul"]  # the parent's; the children's Mul ops are not there
    assert [f["status"] for f in finished] == ["ok"]
    warnings = [t for t in lines if "forked" in t]
    assert len(warnings) == 1 and "not recorded" in warnings[0]
    assert err.count("not recorded") == 1
    assert not any(t.startswith("child") for t in lines)


def test_a_debugged_fork_warns_once_and_the_session_stays_whole(tmp_path):
    script = tmp_path / "forking.py"
    script.write_text(FORKING_SCRIPT)
    with DebugClient(script) as client:
        finished = client.wait_finished(TIMEOUT)
    assert finished["status"] == "ok" and client.returncode == 0
    assert [e["op"] for e in client.ops()] == ["AddV2", "Mul"]
    assert [e["seq"] for e in client.events] == sorted(e["seq"] for e in client.events)
    assert client.output("debugger").count("not recorded") == 1
    # the children print to the real stdout: the controller still shows it, as output
    wait_until(lambda: "child os._exit 15.0" in client.output("stdout"), "child output")


def test_stop_ends_children_the_script_forked(tmp_path):
    script = tmp_path / "orphaning.py"
    script.write_text(ORPHANING_SCRIPT)
    grandchild = None
    try:
        with DebugClient(script) as client:
            client.wait_for(lambda: "forked" in client.output("stdout"), TIMEOUT)
            grandchild = int((tmp_path / "grandchild.pid").read_text())
            assert alive(grandchild)
        wait_until(lambda: not alive(grandchild), "the forked child ended with the session")
    finally:
        kill_if_alive(grandchild)


# -- pause in pure Python ----------------------------------------------------------------------

def test_pause_stops_a_script_spinning_in_pure_python_at_its_line(tmp_path):
    script = tmp_path / "spinning.py"
    script.write_text(SPINNING_SCRIPT)
    first = next(i for i, line in enumerate(SPINNING_SCRIPT.splitlines(), 1)
                 if "# LOOP" in line)
    loop_lines = range(first, first + 4)
    with DebugClient(script) as client:
        client.wait_for(lambda: "spinning" in client.output("stdout"), TIMEOUT)
        client.pause()
        paused = client.wait_paused(TIMEOUT)
        assert paused is not None and paused["reason"] == "pause"
        assert paused["file"] == str(script) and paused["line"] in loop_lines
        client.continue_()  # it runs on (and pauses again when asked)
        client.wait_for(lambda: client.state == "running", TIMEOUT)
        client.pause()
        assert client.wait_paused(TIMEOUT)["line"] in loop_lines
        client.stop()
    assert client.finished_event["status"] == "stopped"


def test_pause_says_why_it_waits_when_the_script_owns_the_signal(tmp_path):
    script = tmp_path / "own_signal.py"
    script.write_text("import signal\nsignal.signal(signal.SIGUSR2, lambda *a: None)\n"
                      + SPINNING_SCRIPT)
    with DebugClient(script) as client:
        client.wait_for(lambda: "spinning" in client.output("stdout"), TIMEOUT)
        client.pause()
        client.wait_for(lambda: "pause waits" in client.output("debugger"), TIMEOUT)
        assert "handles SIGUSR2 itself" in client.output("debugger")
        client.stop()


# The busy loop in a thread of the script's; the main thread waits for it (in C: no lines).
THREAD_SPINNING_SCRIPT = """\
import threading
import engine as tf

TRACE_ITSELF = False


def own_trace(frame, event, arg):
    return own_trace


def spin():
    n = 0
    while True:  # LOOP
        n += 1
        if n == 100_000:
            print("spinning", flush=True)


x = tf.constant(1.0) + 1.0
if TRACE_ITSELF:  # as coverage does: the script's threads run under its own trace function
    threading.settrace(own_trace)
worker = threading.Thread(target=spin, name="worker", daemon=True)
worker.start()
worker.join()
"""


def test_pause_stops_a_busy_loop_in_another_thread_at_its_line(tmp_path):
    script = tmp_path / "thread_spinning.py"
    script.write_text(THREAD_SPINNING_SCRIPT)
    first = next(i for i, line in enumerate(THREAD_SPINNING_SCRIPT.splitlines(), 1)
                 if "# LOOP" in line)
    loop_lines = range(first, first + 4)
    with DebugClient(script) as client:
        client.wait_for(lambda: "spinning" in client.output("stdout"), TIMEOUT)
        for _ in range(2):  # it pauses, runs on when continued, and pauses again
            client.pause()
            paused = client.wait_paused(TIMEOUT)
            assert paused is not None and paused["reason"] == "pause"
            assert paused["file"] == str(script) and paused["line"] in loop_lines
            client.continue_()
            client.wait_for(lambda: client.state == "running", TIMEOUT)
        client.stop()
    assert client.finished_event["status"] == "stopped"
    assert "pause waits" not in client.output("debugger")


def test_pause_says_why_not_when_the_busy_thread_runs_under_the_scripts_tracer(tmp_path):
    script = tmp_path / "thread_tracing.py"
    script.write_text(THREAD_SPINNING_SCRIPT.replace("TRACE_ITSELF = False",
                                                     "TRACE_ITSELF = True"))
    with DebugClient(script) as client:
        client.wait_for(lambda: "spinning" in client.output("stdout"), TIMEOUT)
        client.pause()
        client.wait_for(lambda: "pause waits" in client.output("debugger"), TIMEOUT)
        lines = [t for t in client.output("debugger").splitlines() if "pause waits" in t]
        assert len(lines) == 1
        assert "thread 'worker' runs under a trace function of the script's own" in lines[0]
        assert client.state == "running"  # not paused by our tracing of its frames
        client.stop()


def test_sigterm_to_a_paused_debuggee_ends_it_as_terminated(tmp_path):
    script = tmp_path / "spinning.py"
    script.write_text(SPINNING_SCRIPT)
    with DebugClient(script, start_paused=True) as client:
        client.wait_paused(TIMEOUT)
        os.kill(client.process.pid, signal.SIGTERM)
        finished = client.wait_finished(TIMEOUT)
    assert finished["status"] == "terminated" and finished["signal"] == "SIGTERM"
    assert client.returncode == 128 + signal.SIGTERM


def test_sigterm_to_a_running_debuggee_ends_it_as_terminated(tmp_path):
    script = tmp_path / "spinning.py"
    script.write_text(SPINNING_SCRIPT)
    with DebugClient(script) as client:
        client.wait_for(lambda: "spinning" in client.output("stdout"), TIMEOUT)
        os.kill(client.process.pid, signal.SIGTERM)
        finished = client.wait_finished(TIMEOUT)
    assert finished["status"] == "terminated" and finished["signal"] == "SIGTERM"
    assert client.returncode == 128 + signal.SIGTERM
