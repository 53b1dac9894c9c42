"""Settings shared by every test: Qt without a screen, the repository's own data, and a
guard that the suite reads nothing from outside the repository and opens no network.

A user's clone has no ``../shared`` folder and may be offline, so the suite uses only what
the repository holds: the MNIST / Fashion-MNIST samples in ``tests/data`` (made by
``scripts/make_data_sample.py``) and ``tests/tutorial``. The audit hook turns any attempt to
read the shared folder or to connect to a non-local address into an error in the test that
tried, so a dependency on either fails here, not only on a user's machine.
"""

import ipaddress
import os
import socket
import sys
from pathlib import Path

# Must be set before the first QApplication exists (pytest-qt creates it lazily).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DATA = REPO / "tests" / "data"
SHARED = str(REPO.parent / "shared")
# Every test (and every child process it starts) loads datasets from the shipped samples.
os.environ["TAPESCOPE_DATA"] = str(SAMPLE_DATA)


class OutsideTheRepository(RuntimeError):
    """A test reached for something a user's clone does not have."""


def _is_local(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # an AF_UNIX path
        return True
    host = address[0] if isinstance(address, tuple) and address else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _guard(event: str, args: tuple) -> None:
    if event == "open" and isinstance(args[0], (str, os.PathLike)):
        path = os.path.abspath(os.fspath(args[0]))
        if path == SHARED or path.startswith(SHARED + os.sep):
            raise OutsideTheRepository(f"a test opened {path}: tests may use only what the "
                                       "repository holds (tests/data, tests/tutorial)")
    elif event == "socket.connect" and not _is_local(args[1]):
        sock = args[0]
        if getattr(sock, "family", None) in (socket.AF_INET, socket.AF_INET6):
            raise OutsideTheRepository(f"a test connected to {args[1]!r}: tests must not "
                                       "use the network")


sys.addaudithook(_guard)
