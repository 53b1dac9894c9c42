"""Fuzzing the live stream: a fake debuggee that completes the real handshake, then sends
mutated events of every kind (fields missing, of the wrong type or shape, unknown kinds,
packs that do not add up). The window's client and its SessionModel must drop and count
the damaged ones with a clear line, keep every sound one, never raise and never hang."""

from __future__ import annotations

import copy
import json
import logging
import random
import runpy
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from test_trace_fuzz import SCRIPT, replace_somewhere

from debugger import events, validate
from debugger.client import DebugClient
from debugger.probe import Probe
from debugger.session_model import SessionModel

EVENTS = 1_500  # sent per case, in batches of up to BATCH
BATCH = 25
HANG_SECONDS = 60  # a guard against hangs, far above what a case takes

# The fake debuggee: the real handshake (protocol.connect with the token from its
# environment), then the frames the test prepared, byte for byte, then a sound "finished".
FAKE_DEBUGGEE = textwrap.dedent("""\
    import os, struct, sys
    from debugger import protocol

    conn, _ = protocol.connect(os.environ[protocol.ENV_ADDRESS],
                               os.environ[protocol.ENV_TOKEN])
    with open(sys.argv[1], "rb") as frames:
        for line in frames:
            data = line.rstrip(b"\\n")
            conn.sock.sendall(struct.pack("!IQ", len(data), 0) + data)
    conn.send({"type": "events", "events": [
        {"kind": "finished", "seq": 10 ** 9, "status": "ok"}]})
    conn.close()
""")


class FakeDebuggeeClient(DebugClient):
    """The real client, its child the fake debuggee above (``script`` is the frames file)."""

    fake: Path

    def _child_command(self) -> list[str]:
        return [sys.executable, str(self.fake), str(self.script)]


def sound_events(tmp_path: Path) -> list[dict]:
    """Real events of every kind, as JSON delivers them: a probe's (eager and compiled ops,
    packed and one by one, gradients, variables, graphs, steps, scalars) and the debuggee's
    own (output, paused, error, finished)."""
    script = tmp_path / "train.py"
    script.write_text(SCRIPT + "for epoch in range(2):\n    tf.summary.scalar('e', 1.0, "
                               "step=epoch)\n")
    log: list[dict] = []
    for mode, pack in (("CONCISE_HEALTH", True), ("FULL_HEALTH", True),
                       ("CONCISE_HEALTH", False)):
        with Probe(log.append, mode=mode, pack=pack):
            runpy.run_path(str(script), run_name="__main__")
    log += [events.make("output", 0, stream="stdout", text="step 1\n"),
            events.make("output", 0, stream="debugger", text="bp failed\n", breakpoint=2),
            events.make("paused", 0, reason="breakpoint", at_seq=3, file=str(script), line=9,
                        op_seq=3, breakpoint=2, hits=1, step=0, epoch=0),
            events.make("error", 0, message="boom", traceback="Traceback ...",
                        at_seq=3, file=str(script), line=9),
            events.make("epoch_end", 0, step=3, epoch=0),
            events.make("finished", 0, status="stopped", returncode=None)]
    sound = json.loads(json.dumps(log))  # packs' tuples become lists, as on the wire
    assert {e["kind"] for e in sound} == set(validate.KINDS)  # every kind is fuzzed
    assert all(validate.problem(e) is None for e in sound)
    return sound


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> list[dict]:
    return sound_events(tmp_path_factory.mktemp("live"))


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


def mutate(event: dict, rng: random.Random) -> dict:
    """``event`` damaged one way (some ways leave it sound: an optional field set to None)."""
    how = rng.random()
    if how < 0.1:
        return rng.choice([None, 5, "op", [event], nested(50)])  # not an event at all
    if how < 0.2:
        return {**event, "kind": rng.choice(["opz", 7, None, "ops"])}
    value = replace_somewhere(copy.deepcopy(event), rng)
    return value if value != "__deep__" else nested(50)


def frames(templates: list[dict], rng: random.Random) -> tuple[list[bytes], list]:
    """Event frames of sound and mutated events (seq order kept for the sound ones); and
    every event sent, in order, as the client reads it."""
    sent: list = []
    seq = 0
    for _ in range(EVENTS):
        event = dict(rng.choice(templates))
        seq += event.get("count", 1) if event["kind"] == "ops" else 1
        event["seq"] = seq
        sent.append(mutate(event, rng) if rng.random() < 0.6 else event)
    out = []
    on_the_wire = []
    for start in range(0, len(sent), BATCH):
        header = {"v": 2, "type": "events", "events": sent[start:start + BATCH]}
        out.append(json.dumps(header).replace('"__deep__"', json.dumps(nested(50))).encode())
        on_the_wire += json.loads(out[-1])["events"]
    return out, on_the_wire


def dropped_count(event) -> int:
    count = event.get("count") if isinstance(event, dict) and event.get("kind") == "ops" \
        else 1
    return count if type(count) is int and 0 < count < 1 << 31 else 1


@pytest.mark.parametrize("expand_packs", [False, True], ids=["window", "cli"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mutated_live_events_are_dropped_counted_and_the_session_goes_on(
        templates, tmp_path, seed, expand_packs, caplog):
    rng = random.Random(seed)
    data, sent = frames(templates, rng)
    frames_file = tmp_path / "frames.jsonl"
    frames_file.write_bytes(b"\n".join(data) + b"\n")
    fake = tmp_path / "fake_debuggee.py"
    fake.write_text(FAKE_DEBUGGEE)

    model = SessionModel()
    received: list[dict] = []
    raised: list[BaseException] = []

    def on_event(event: dict) -> None:  # the client's reader thread, as the window's inbox
        try:
            received.append(event)
            model.add([event])
        except BaseException as exc:  # noqa: BLE001 - the test's verdict, below
            raised.append(exc)

    thread_errors: list = []
    previous_hook = threading.excepthook
    threading.excepthook = thread_errors.append
    FakeDebuggeeClient.fake = fake
    try:
        with caplog.at_level(logging.ERROR), FakeDebuggeeClient(
                frames_file, on_event=on_event, expand_packs=expand_packs,
                keep_events=False) as client:
            finished = client.wait_finished(HANG_SECONDS)
            client.process.wait(HANG_SECONDS)
    finally:
        threading.excepthook = previous_hook
    assert not raised and not thread_errors, (raised, thread_errors)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # no callback failed
    assert finished["status"] == "ok" and client.returncode == 0  # the session went on

    sound = [e for e in sent if validate.problem(e) is None]
    damaged = [e for e in sent if validate.problem(e) is not None]
    assert len(damaged) > EVENTS // 3 and len(sound) > EVENTS // 4
    # (the cli's client also counts the packs it cannot expand)
    assert client.damaged >= sum(dropped_count(e) for e in damaged)
    if not expand_packs:  # the model sees the stream as sent, less what was dropped
        assert client.damaged == sum(dropped_count(e) for e in damaged)
        passed = [e for e in received if "damaged" not in e]
        assert passed[:-1] == sound  # every sound event, in order (then the finished)
        assert model.damaged >= client.damaged  # (a pack may still not add up for it)
    assert all(validate.problem(e) is None for e in received)
    notes = [e for e in received if e.get("damaged")]
    said = [e["text"] for e in notes if e["text"]]
    assert said and all(t.startswith("tapescope: ") and t.count("\n") == 1 for t in said)
    assert sum(e["damaged"] for e in notes) == client.damaged
    assert model.damaged >= client.damaged and model.damage
