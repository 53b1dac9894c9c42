"""The debugger's wire protocol: framed JSON headers plus optional ``.npy`` payloads.

A frame is ``!IQ`` (header length, payload length), a UTF-8 JSON header carrying
``"v": PROTOCOL_VERSION``, then the payload bytes (a tensor value as ``npy.npy_bytes`` writes it,
never pickle, so a value from the debuggee cannot run code in the controller).

The controlling process (GUI or CLI) listens on 127.0.0.1 and hands the debuggee its
address and a random token through environment variables (never the command line, which
other users can read). The debuggee connects and says ``hello`` with the token and a
nonce; the controller checks the token with ``hmac.compare_digest`` and answers
``welcome`` with an HMAC of the nonce, so each side proves it knows the token. A wrong
token or version, a hello over ``HELLO_MAX_BYTES`` or one not complete within
``HANDSHAKE_SECONDS`` gets ``refused`` and a closed connection; handshakes run side by
side, so no local client can hold the door. A header that is not a JSON object (malformed,
nested too deeply) is a ``ProtocolError`` on either side, never another exception.

Frames after the handshake (``type``):
- up: ``events`` (``events``: a batch of event dicts, in seq order), ``reply`` (``id``,
  ``ok``, ``error``; a value as payload), ``resumed`` (the script runs again).
- down: ``command`` with ``cmd`` one of run, continue, pause, step_op, step_batch,
  step_epoch, stop, get_value (``id``, ``seq``, ``index``), set_breakpoints
  (``breakpoints``: ``Breakpoint.to_dict()`` list), set_mode (``mode``), get_step_value
  (``id``, ``what``: weight or gradient, ``step``, ``variable``; ``step_values``) and
  set_step_values (``bytes``: the snapshot budget, 0 for none).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import selectors
import socket
import struct
import threading
import time
from typing import NoReturn

from debugger import jsoncodec

PROTOCOL_VERSION = 2  # 2: events may be "ops" packs (the controller expands them)
HOST = "127.0.0.1"
ENV_ADDRESS = "TAPESCOPE_DEBUG_ADDRESS"  # "host:port" the debuggee connects to
ENV_TOKEN = "TAPESCOPE_DEBUG_TOKEN"

_PREFIX = struct.Struct("!IQ")
MAX_HEADER_BYTES = 256 * 1024 * 1024
MAX_PAYLOAD_BYTES = 1 << 40
HELLO_MAX_BYTES = 64 * 1024  # an unauthenticated peer gets no more than this
HANDSHAKE_SECONDS = 2.0  # ... and no longer than this, all of its hello included


class ProtocolError(RuntimeError):
    """The peer sent something that is not a frame of this protocol."""


class ConnectionClosed(ProtocolError):
    """The peer closed the connection (or died)."""


class AuthenticationError(ProtocolError):
    """The peer does not know the session token, or speaks another protocol version."""


def new_token() -> str:
    return secrets.token_hex(32)


def _proof(token: str, nonce: str) -> str:
    return hmac.new(token.encode(), b"tapescope-controller:" + nonce.encode(),
                    hashlib.sha256).hexdigest()


def decode_header(data: bytes) -> dict:
    """A frame header from untrusted bytes; anything but a JSON object is a ``ProtocolError``
    (never a ``RecursionError`` or ``UnicodeDecodeError`` that would end the reading thread)."""
    try:
        header = jsoncodec.loads(data)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise ProtocolError(f"malformed frame header: {exc}") from None
    if not isinstance(header, dict):
        raise ProtocolError("frame header is not a JSON object")
    return header


class Connection:
    """One end of an authenticated socket; ``send`` may be called from several threads."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._send_lock = threading.Lock()

    def send(self, header: dict, payload: bytes = b"") -> None:
        data = jsoncodec.dumps({"v": PROTOCOL_VERSION, **header}, lenient=True)
        with self._send_lock:
            self.sock.sendall(_PREFIX.pack(len(data), len(payload)) + data + payload)

    def recv(self, max_header: int = MAX_HEADER_BYTES,
             max_payload: int = MAX_PAYLOAD_BYTES) -> tuple[dict, bytes]:
        """The next frame; raises ``ConnectionClosed`` at end of stream."""
        header_len, payload_len = _PREFIX.unpack(self._read(_PREFIX.size))
        if header_len > max_header or payload_len > max_payload:
            raise ProtocolError(f"frame too large ({header_len} + {payload_len} bytes)")
        header = decode_header(self._read(header_len))
        return header, self._read(payload_len) if payload_len else b""

    def _read(self, n: int) -> bytes:
        chunks = []
        while n:
            try:
                chunk = self.sock.recv(min(n, 1 << 20))
            except OSError as exc:
                raise ConnectionClosed(str(exc)) from None
            if not chunk:
                raise ConnectionClosed("connection closed by peer")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class _Handshake:
    """A peer that connected and has not proved the token yet: its bytes so far and when it
    must have finished."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock = sock
        self.deadline = deadline
        self.data = b""


class Listener:
    """The controller's listening socket on 127.0.0.1 (port 0 = any free port).

    Handshakes run side by side: every peer gets ``handshake_timeout`` seconds in all to send
    its hello, so a client that connects and says nothing (or drips a byte now and then)
    cannot keep the real debuggee waiting; at most ``MAX_HANDSHAKES`` peers wait at once, the
    oldest giving way."""

    MAX_HANDSHAKES = 32

    def __init__(self, port: int = 0, handshake_timeout: float = HANDSHAKE_SECONDS) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((HOST, port))
        self.sock.listen(16)
        self.sock.setblocking(False)
        self.address = f"{HOST}:{self.sock.getsockname()[1]}"
        self.handshake_timeout = handshake_timeout
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.sock, selectors.EVENT_READ)
        self._handshakes: dict[socket.socket, _Handshake] = {}

    def accept(self, token: str, timeout: float, welcome: dict | None = None) -> Connection:
        """Wait up to ``timeout`` s for one peer that proves the token; refuse the others.

        Raises ``TimeoutError`` when none came and ``AuthenticationError`` when a peer
        failed (the caller decides whether to keep waiting; peers still shaking hands wait
        for the next call)."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            expired = next((h for h in self._handshakes.values() if h.deadline <= now), None)
            if expired is not None:
                self._refuse(expired, f"no hello within {self.handshake_timeout:g} s")
            if now >= deadline:
                raise TimeoutError(f"no debuggee connected within {timeout:g} s")
            wake = min([deadline, *(h.deadline for h in self._handshakes.values())])
            for key, _ in self._selector.select(max(0.0, wake - now)):
                if key.fileobj is self.sock:
                    self._accept_waiting()
                elif key.fileobj in self._handshakes:
                    conn = self._advance(self._handshakes[key.fileobj], token, welcome)
                    if conn is not None:
                        return conn

    def _accept_waiting(self) -> None:
        while True:
            try:
                sock, _ = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            sock.setblocking(False)
            if len(self._handshakes) >= self.MAX_HANDSHAKES:
                oldest = min(self._handshakes.values(), key=lambda h: h.deadline)
                self._drop(oldest)
            self._handshakes[sock] = _Handshake(sock, time.monotonic() + self.handshake_timeout)
            self._selector.register(sock, selectors.EVENT_READ)

    def _advance(self, peer: _Handshake, token: str, welcome: dict | None) -> Connection | None:
        """Read what ``peer`` sent; its connection once its hello proved the token."""
        try:
            chunk = peer.sock.recv(HELLO_MAX_BYTES + _PREFIX.size)
        except (BlockingIOError, InterruptedError):
            return None
        except OSError as exc:
            self._refuse(peer, str(exc))
        if not chunk:
            self._refuse(peer, "connection closed before a hello")
        peer.data += chunk
        if len(peer.data) < _PREFIX.size:
            return None
        header_len, payload_len = _PREFIX.unpack_from(peer.data)
        if header_len > HELLO_MAX_BYTES or payload_len:
            self._refuse(peer, f"frame too large ({header_len} + {payload_len} bytes)")
        end = _PREFIX.size + header_len
        if len(peer.data) < end:
            return None
        if len(peer.data) > end:
            self._refuse(peer, "data after the hello, before the welcome")
        try:
            hello = decode_header(peer.data[_PREFIX.size:end])
            check_hello(hello, token)
        except ProtocolError as exc:
            self._refuse(peer, str(exc))
        self._forget(peer)
        peer.sock.setblocking(True)
        conn = Connection(peer.sock)
        conn.send({"type": "welcome", "proof": _proof(token, str(hello.get("nonce", ""))),
                   **(welcome or {})})
        return conn

    def _refuse(self, peer: _Handshake, reason: str) -> NoReturn:
        try:  # best effort: a peer that does not read gets nothing
            data = jsoncodec.dumps({"v": PROTOCOL_VERSION, "type": "refused", "reason": reason})
            peer.sock.send(_PREFIX.pack(len(data), 0) + data)
        except OSError:
            pass
        self._drop(peer)
        raise AuthenticationError(f"refused a debuggee connection: {reason}")

    def _forget(self, peer: _Handshake) -> None:
        self._handshakes.pop(peer.sock, None)
        self._selector.unregister(peer.sock)

    def _drop(self, peer: _Handshake) -> None:
        self._forget(peer)
        peer.sock.close()

    def close(self) -> None:
        for peer in list(self._handshakes.values()):
            self._drop(peer)
        self._selector.close()
        self.sock.close()


def check_hello(hello: dict, token: str) -> None:
    if hello.get("type") != "hello":
        raise AuthenticationError(f"expected a hello frame, got {hello.get('type')!r}")
    if hello.get("v") != PROTOCOL_VERSION:
        raise AuthenticationError(
            f"protocol version mismatch: debuggee speaks {hello.get('v')!r}, "
            f"this controller speaks {PROTOCOL_VERSION}")
    offered = hello.get("token")
    if not isinstance(offered, str) or not hmac.compare_digest(offered.encode(),
                                                                token.encode()):
        raise AuthenticationError("wrong session token")


def connect(address: str, token: str, timeout: float = 30.0) -> tuple[Connection, dict]:
    """The debuggee's side: connect, prove the token, check the controller's proof.

    Returns the connection and the ``welcome`` header (the session's settings)."""
    host, _, port = address.rpartition(":")
    sock = socket.create_connection((host, int(port)), timeout=timeout)
    conn = Connection(sock)
    nonce = secrets.token_hex(16)
    try:
        conn.send({"type": "hello", "token": token, "nonce": nonce})
        welcome, _ = conn.recv(max_header=HELLO_MAX_BYTES, max_payload=0)
    except ProtocolError as exc:
        conn.close()
        raise AuthenticationError(f"the controller closed the connection: {exc}") from None
    if welcome.get("type") == "refused":
        conn.close()
        raise AuthenticationError(f"the controller refused us: {welcome.get('reason')}")
    if welcome.get("v") != PROTOCOL_VERSION:
        conn.close()
        raise AuthenticationError(
            f"protocol version mismatch: controller speaks {welcome.get('v')!r}, "
            f"this debuggee speaks {PROTOCOL_VERSION}")
    proof = welcome.get("proof")
    if (welcome.get("type") != "welcome" or not isinstance(proof, str)
            or not hmac.compare_digest(proof.encode(), _proof(token, nonce).encode())):
        conn.close()
        raise AuthenticationError("the controller failed to prove the session token")
    sock.settimeout(None)
    return conn, welcome
