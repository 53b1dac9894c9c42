"""The suite runs on a user's clone: no ``../shared`` folder, no network, no download.

``tests/conftest.py`` points every dataset at the shipped samples and installs an audit hook
that fails a test reaching outside the repository; these tests hold that guard to its word.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from engine.keras import datasets

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DATA = REPO / "tests" / "data"
OutsideTheRepository = RuntimeError  # conftest's guard raises a subclass of it


def test_datasets_come_from_the_shipped_samples():
    assert os.environ["TAPESCOPE_DATA"] == str(SAMPLE_DATA)
    assert datasets.mnist.cache_dir() == REPO / "tests" / "data" / "mnist"
    assert all((SAMPLE_DATA / name / f).is_file()
               for name in ("mnist", "fashion-mnist") for f in datasets.FILES)


def test_the_samples_are_small_enough_to_ship():
    size = sum(p.stat().st_size for p in SAMPLE_DATA.rglob("*") if p.is_file())
    assert size < 2_000_000


def test_reading_the_shared_folder_fails_the_test():
    with pytest.raises(OutsideTheRepository, match="tests may use only what the repository"):
        open(REPO.parent / "shared" / "data" / "mnist" / datasets.TRAIN_LABELS, "rb")
    with pytest.raises(OutsideTheRepository):
        Path(REPO.parent / "shared" / "tutorial" / "01_basics.py").read_text()


def test_connecting_to_the_network_fails_the_test():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, \
            pytest.raises(OutsideTheRepository, match="must not use the network"):
        sock.connect(("192.0.2.1", 80))  # TEST-NET-1: never routed


def test_local_sockets_stay_allowed():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
