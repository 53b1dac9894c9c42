"""The wire protocol: frames, npy payloads and the token handshake (both sides refuse)."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from debugger import protocol
from debugger.npy import array_from_npy, npy_bytes

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pair():
    a, b = socket.socketpair()
    yield protocol.Connection(a), protocol.Connection(b)
    a.close()
    b.close()


def test_frames_carry_header_version_and_npy_payload(pair):
    left, right = pair
    value = np.arange(6, dtype=np.float32).reshape(2, 3)
    left.send({"type": "reply", "id": 3, "loss": np.float32(0.5), "bad": float("nan")},
              npy_bytes(value))
    header, payload = right.recv()
    assert header["v"] == protocol.PROTOCOL_VERSION and header["id"] == 3
    assert header["loss"] == 0.5 and np.isnan(header["bad"])
    decoded = array_from_npy(payload)
    assert decoded.dtype == np.float32 and np.array_equal(decoded, value)


def test_garbage_and_closed_peers_raise_protocol_errors(pair):
    left, right = pair
    left.sock.sendall(struct.pack("!IQ", 5, 0) + b"{nope")
    with pytest.raises(protocol.ProtocolError, match="malformed"):
        right.recv()
    left.sock.sendall(struct.pack("!IQ", 100, 0))
    with pytest.raises(protocol.ProtocolError, match="too large"):
        right.recv(max_header=10)
    left.close()
    with pytest.raises(protocol.ConnectionClosed):
        right.recv()


def accept_in_thread(listener, token, **kwargs):
    result = {}

    def run():
        try:
            result["conn"] = listener.accept(token, timeout=10, **kwargs)
        except Exception as exc:  # handed to the test thread
            result["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_right_token_connects_and_both_sides_prove_it():
    listener = protocol.Listener()
    token = protocol.new_token()
    thread, result = accept_in_thread(listener, token, welcome={"mode": "SHAPE"})
    conn, welcome = protocol.connect(listener.address, token)
    thread.join()
    assert welcome["mode"] == "SHAPE" and "conn" in result
    result["conn"].send({"type": "command", "cmd": "run"})
    assert conn.recv()[0]["cmd"] == "run"
    conn.close()
    result["conn"].close()
    listener.close()


def test_controller_refuses_a_wrong_token():
    listener = protocol.Listener()
    thread, result = accept_in_thread(listener, protocol.new_token())
    with pytest.raises(protocol.AuthenticationError, match="refused us: wrong session token"):
        protocol.connect(listener.address, "not-the-token")
    thread.join()
    assert isinstance(result["error"], protocol.AuthenticationError)
    listener.close()


def test_controller_refuses_another_protocol_version():
    listener = protocol.Listener()
    token = protocol.new_token()
    thread, result = accept_in_thread(listener, token)
    sock = socket.create_connection(listener.address.split(":"))
    conn = protocol.Connection(sock)
    data = b'{"type": "hello", "v": 999, "token": "%s"}' % token.encode()
    sock.sendall(struct.pack("!IQ", len(data), 0) + data)
    refused, _ = conn.recv()
    thread.join()
    assert refused["type"] == "refused" and "version mismatch" in refused["reason"]
    assert "version mismatch" in str(result["error"])
    conn.close()
    listener.close()


def fake_controller(reply: dict) -> tuple[socket.socket, threading.Thread]:
    """A listener that answers any hello with ``reply`` (it does not know the token)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def serve():
        sock, _ = server.accept()
        conn = protocol.Connection(sock)
        try:
            conn.recv()
            conn.send(reply)
            conn.recv()  # wait for the debuggee to hang up
        except protocol.ProtocolError:
            pass
        conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return server, thread


def run_debuggee(script: Path, address: str, token: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), **{protocol.ENV_ADDRESS: address,
                                                    protocol.ENV_TOKEN: token})
    return subprocess.run([sys.executable, "-m", "debugger.debuggee", str(script)],
                          env=env, capture_output=True, text=True, timeout=60)


def test_debuggee_refuses_a_controller_that_cannot_prove_the_token(tmp_path):
    script = tmp_path / "never_runs.py"
    script.write_text("open('ran', 'w').write('yes')\n")
    server, thread = fake_controller({"type": "welcome", "proof": "0" * 64})
    address = f"127.0.0.1:{server.getsockname()[1]}"
    done = run_debuggee(script, address, protocol.new_token())
    thread.join(10)
    server.close()
    assert done.returncode == 2
    assert "failed to prove the session token" in done.stderr
    assert not (tmp_path / "ran").exists()


def test_debuggee_reports_a_refusal_and_does_not_run_the_script(tmp_path):
    script = tmp_path / "never_runs.py"
    script.write_text("open('ran', 'w').write('yes')\n")
    server, thread = fake_controller({"type": "refused", "reason": "wrong session token"})
    address = f"127.0.0.1:{server.getsockname()[1]}"
    done = run_debuggee(script, address, "wrong")
    thread.join(10)
    server.close()
    assert done.returncode == 2 and "refused us: wrong session token" in done.stderr
    assert not (tmp_path / "ran").exists()


def test_debuggee_without_connection_details_says_how_to_start_it(tmp_path):
    script = tmp_path / "s.py"
    script.write_text("print('hi')\n")
    env = {k: v for k, v in os.environ.items()
           if k not in (protocol.ENV_ADDRESS, protocol.ENV_TOKEN)}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-m", "debugger.debuggee", str(script)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "DebugClient" in done.stderr


# -- hostile local clients: the listener keeps its door open -------------------------------------

def nested_hello() -> bytes:
    """60 kB of nested brackets: json's recursion, not a frame."""
    data = b"[" * 60_000
    return struct.pack("!IQ", len(data), 0) + data


def test_a_deeply_nested_header_is_a_protocol_error_in_both_directions(pair):
    left, right = pair
    left.sock.sendall(nested_hello())
    with pytest.raises(protocol.ProtocolError, match="nested too deeply"):
        right.recv()
    right.sock.sendall(nested_hello())
    with pytest.raises(protocol.ProtocolError, match="nested too deeply"):
        left.recv()


def accept_until_connected(listener, token, seconds: float = 15.0):
    """The controller's accept loop: keep waiting past refused peers, up to ``seconds``."""
    refused = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            return listener.accept(token, timeout=0.2), refused
        except TimeoutError:
            continue
        except protocol.AuthenticationError as exc:
            refused.append(str(exc))
    return None, refused


def test_a_nested_hello_is_refused_and_the_debuggee_still_gets_in():
    listener = protocol.Listener()
    token = protocol.new_token()
    attacker = socket.create_connection(listener.address.split(":"))
    attacker.sendall(nested_hello())
    result = {}
    thread = threading.Thread(target=lambda: result.update(
        pair=protocol.connect(listener.address, token, timeout=20)))
    thread.start()
    conn, refused = accept_until_connected(listener, token)
    thread.join(20)
    assert conn is not None and "pair" in result
    assert any("nested too deeply" in r for r in refused)
    conn.close()
    result["pair"][0].close()
    attacker.close()
    listener.close()


def test_dripping_and_idle_clients_cannot_keep_the_debuggee_out():
    """A client announcing a 60 kB hello and sending a byte now and then, and 8 that say
    nothing, are dropped at the handshake deadline; the debuggee connects meanwhile."""
    listener = protocol.Listener()
    token = protocol.new_token()
    dripper = socket.create_connection(listener.address.split(":"))
    dripper.sendall(struct.pack("!IQ", 60_000, 0))
    stop = threading.Event()

    def drip():
        while not stop.wait(0.5):
            try:
                dripper.sendall(b" ")
            except OSError:
                return  # dropped

    threading.Thread(target=drip, daemon=True).start()
    idle = [socket.create_connection(listener.address.split(":")) for _ in range(8)]
    result = {}
    thread = threading.Thread(target=lambda: result.update(
        pair=protocol.connect(listener.address, token, timeout=20)), daemon=True)
    thread.start()
    try:
        conn, _ = accept_until_connected(listener, token)
        thread.join(20)
        assert conn is not None and "pair" in result  # the real debuggee got in
        result["pair"][0].close()
        conn.close()
        other, refused = accept_until_connected(listener, token,
                                                listener.handshake_timeout + 1)
        assert other is None and len(refused) == 9  # nobody else proves the token ...
        assert all("no hello within" in r for r in refused)
        dripper.settimeout(10)
        refusal = protocol.Connection(dripper).recv()[0]  # ... and the dripper was told
        assert refusal["type"] == "refused" and "no hello within" in refusal["reason"]
    finally:
        stop.set()
        for sock in [dripper, *idle]:
            sock.close()
        listener.close()
