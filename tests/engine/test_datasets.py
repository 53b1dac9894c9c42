"""keras.datasets: loading MNIST / Fashion-MNIST from IDX files, and downloading them.

The files are the samples the repository ships (``tests/data``: the first images of the
original files, in their IDX form); downloads are served from them through ``file://`` URLs
or a fake ``urlopen``, never from the network. The full files are checked by ``make bench``.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import re
import shutil
import struct
from pathlib import Path
from urllib.error import URLError

import numpy as np
import pytest

from engine.keras import datasets
from engine.keras.datasets import FILES, DatasetError, fashion_mnist, mnist

SAMPLE_DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE_SIZES = {"mnist": (2000, 500), "fashion-mnist": (1000, 250)}  # scripts/make_data_sample.py


def sample_sums(name: str) -> dict[str, str]:
    """The sample's own SHA-256 sums (the published ones are for the full files)."""
    return {f: hashlib.sha256((SAMPLE_DATA / name / f).read_bytes()).hexdigest() for f in FILES}


@pytest.fixture
def cache_root(tmp_path, monkeypatch):
    """An empty TAPESCOPE_DATA: every dataset is missing from it."""
    monkeypatch.setenv("TAPESCOPE_DATA", str(tmp_path))
    return tmp_path


def copy_dataset(name: str, root: Path) -> Path:
    target = root / name
    shutil.copytree(SAMPLE_DATA / name, target)
    return target


def md5(*parts: bytes) -> str:
    digest = hashlib.md5()
    for part in parts:
        digest.update(part)
    return digest.hexdigest()


# -- loading the files ---------------------------------------------------------------------

@pytest.mark.parametrize("dataset, first_labels, train_images_md5", [
    # The first labels of the original files; md5s from tests/data/README.md.
    (mnist, [5, 0, 4, 1, 9, 2, 1, 3, 1, 4], "294fd329ff7cac24b682d047b71117e9"),
    (fashion_mnist, [9, 0, 0, 3, 0, 2, 7, 2, 5, 5], "0204cfcdbec845c440aaae046f9798d3"),
], ids=["mnist", "fashion_mnist"])
def test_load_data_returns_what_keras_returns(monkeypatch, dataset, first_labels,
                                              train_images_md5):
    monkeypatch.setenv("TAPESCOPE_DATA", str(SAMPLE_DATA))
    (x_train, y_train), (x_test, y_test) = dataset.load_data()
    n_train, n_test = SAMPLE_SIZES[dataset.name]
    assert x_train.shape == (n_train, 28, 28) and y_train.shape == (n_train,)
    assert x_test.shape == (n_test, 28, 28) and y_test.shape == (n_test,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert y_train[:10].tolist() == first_labels
    assert set(np.unique(y_train)) == set(np.unique(y_test)) == set(range(10))
    # The uncompressed file's md5: header + every pixel, in order.
    header = struct.pack(">IIII", 2051, n_train, 28, 28)
    assert md5(header, x_train.tobytes()) == train_images_md5
    assert x_train.flags.writeable  # users normalize in place, as with Keras's arrays


def test_cache_dir_follows_tapescope_data_or_home(monkeypatch, tmp_path):
    monkeypatch.setenv("TAPESCOPE_DATA", str(tmp_path))
    assert mnist.cache_dir() == tmp_path / "mnist"
    assert fashion_mnist.cache_dir() == tmp_path / "fashion-mnist"
    monkeypatch.delenv("TAPESCOPE_DATA")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert mnist.cache_dir() == tmp_path / "home" / ".tapescope" / "datasets" / "mnist"


def test_uncompressed_idx_files_are_read_too(cache_root):
    directory = copy_dataset("mnist", cache_root)
    for name in (datasets.TEST_IMAGES, datasets.TEST_LABELS):
        (directory / name).with_suffix("").write_bytes(gzip.decompress((directory / name)
                                                                       .read_bytes()))
        (directory / name).unlink()
    (_, _), (x_test, y_test) = mnist.load_data()
    assert x_test.shape == (500, 28, 28) and y_test[:3].tolist() == [7, 2, 1]


# -- corrupt files -------------------------------------------------------------------------

@pytest.fixture
def mnist_copy(cache_root):
    return copy_dataset("mnist", cache_root)


def rewrite(path: Path, edit) -> None:
    path.write_bytes(gzip.compress(edit(gzip.decompress(path.read_bytes())), compresslevel=1))


def test_wrong_magic_names_the_file_and_both_numbers(mnist_copy):
    labels = mnist_copy / datasets.TRAIN_LABELS
    rewrite(labels, lambda raw: struct.pack(">I", 1234) + raw[4:])
    message = f"{labels} is not a valid IDX label file (magic 1234, expected 2049)"
    with pytest.raises(DatasetError, match=re.escape(message)):
        mnist.load_data()


def test_wrong_count_is_reported(mnist_copy):
    labels = mnist_copy / datasets.TEST_LABELS
    rewrite(labels, lambda raw: raw[:4] + struct.pack(">I", 9999) + raw[8:])
    with pytest.raises(DatasetError, match=r"dimensions \(9999,\), expected \(500,\)"):
        mnist.load_data()


def test_truncated_data_is_reported(mnist_copy):
    labels = mnist_copy / datasets.TEST_LABELS
    rewrite(labels, lambda raw: raw[:-10])
    with pytest.raises(DatasetError, match="is truncated: 490 data bytes, expected 500"):
        mnist.load_data()


def test_truncated_gzip_stream_is_reported(mnist_copy):
    labels = mnist_copy / datasets.TRAIN_LABELS
    labels.write_bytes(labels.read_bytes()[:500])
    with pytest.raises(DatasetError, match="truncated: the gzip stream ends early"):
        mnist.load_data()


def test_a_file_that_is_not_gzip_is_reported(mnist_copy):
    labels = mnist_copy / datasets.TRAIN_LABELS
    labels.write_bytes(b"<html>404 Not Found</html>")
    with pytest.raises(DatasetError, match="is not a valid gzip file"):
        mnist.load_data()
    labels.write_bytes(b"")
    with pytest.raises(DatasetError, match="truncated"):
        mnist.load_data()


def test_an_empty_header_is_reported(mnist_copy):
    labels = mnist_copy / datasets.TRAIN_LABELS
    labels.write_bytes(gzip.compress(b"\x00\x00"))
    with pytest.raises(DatasetError, match="shorter than an IDX label header"):
        mnist.load_data()


def test_labels_outside_the_classes_are_reported(mnist_copy):
    labels = mnist_copy / datasets.TEST_LABELS
    rewrite(labels, lambda raw: raw[:-1] + b"\x0c")
    with pytest.raises(DatasetError, match="holds label 12, but MNIST has classes 0-9"):
        mnist.load_data()


# -- downloads -----------------------------------------------------------------------------

def sample_mirror(name: str) -> str:
    return (SAMPLE_DATA / name).as_uri() + "/"


def sample_dataset(dataset: datasets.IdxImageDataset, *mirrors: str) -> datasets.IdxImageDataset:
    """``dataset`` served from the shipped sample, checked against the sample's sums."""
    return dataclasses.replace(dataset, mirrors=mirrors or dataset.mirrors,
                               sha256=sample_sums(dataset.name))


def test_missing_files_are_downloaded_verified_and_cached(cache_root, capsys):
    local = sample_dataset(mnist, sample_mirror("mnist"))
    (x_train, y_train), (x_test, _) = local.load_data()
    assert x_train.shape == (2000, 28, 28) and y_train[0] == 5
    cached = sorted(p.name for p in (cache_root / "mnist").iterdir())
    assert cached == sorted(FILES)  # and no temporary files left behind
    assert (cache_root / "mnist" / datasets.TRAIN_LABELS).read_bytes() == \
        (SAMPLE_DATA / "mnist" / datasets.TRAIN_LABELS).read_bytes()
    err = capsys.readouterr().err
    assert f"Downloading data from {sample_mirror('mnist')}{datasets.TRAIN_IMAGES}" in err
    assert "100%" in err and "319.6/319.6 kB" in err and "[" + "#" * 30 + "]" in err
    assert "1.0/1.0 kB" in err  # the labels file
    assert err.count("100% 319.6/319.6 kB") == 1  # the finished bar is drawn once

    local.load_data()  # second time: from the cache, nothing downloaded
    assert capsys.readouterr().err == ""


def test_only_the_missing_files_are_downloaded(cache_root, capsys):
    directory = copy_dataset("fashion-mnist", cache_root)
    (directory / datasets.TEST_LABELS).unlink()
    local = sample_dataset(fashion_mnist, sample_mirror("fashion-mnist"))
    local.load_data()
    err = capsys.readouterr().err
    assert err.count("Downloading data from") == 1 and datasets.TEST_LABELS in err


class FakeResponse(io.BytesIO):
    def __init__(self, data: bytes, send_length: bool = True) -> None:
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data))} if send_length else {}


def serve(files: dict[str, bytes], send_length: bool = True):
    """A fake urlopen answering with ``files`` by file name; anything else is offline."""
    requested = []

    def urlopen(url, timeout=None):
        requested.append(url)
        name = url.rsplit("/", 1)[-1]
        if name not in files:
            raise URLError("[Errno -3] Temporary failure in name resolution")
        return FakeResponse(files[name], send_length)

    urlopen.requested = requested
    return urlopen


def test_a_corrupted_download_is_rejected_and_not_cached(cache_root, monkeypatch):
    real = (SAMPLE_DATA / "mnist" / datasets.TRAIN_LABELS).read_bytes()
    corrupted = real[:100] + bytes([real[100] ^ 0xFF]) + real[101:]
    fake = serve({datasets.TRAIN_LABELS: corrupted})
    monkeypatch.setattr(datasets, "urlopen", fake)
    directory = copy_dataset("mnist", cache_root)
    (directory / datasets.TRAIN_LABELS).unlink()
    with pytest.raises(DatasetError, match="SHA-256 mismatch") as info:
        sample_dataset(mnist).load_data()
    left = {p.name for p in directory.iterdir()} - {"SOURCE.md"}
    assert left == set(FILES) - {datasets.TRAIN_LABELS}  # no bad file, no temporary file
    assert len(fake.requested) == len(mnist.mirrors)  # every mirror was tried
    assert datasets.TRAIN_LABELS in str(info.value)


def test_the_next_mirror_is_tried_when_one_fails(cache_root, monkeypatch, capsys):
    good = (SAMPLE_DATA / "mnist" / datasets.TEST_LABELS).read_bytes()
    calls = []

    def flaky(url, timeout=None):
        calls.append(url)
        if len(calls) == 1:
            raise URLError("timed out")
        return FakeResponse(good, send_length=False)

    monkeypatch.setattr(datasets, "urlopen", flaky)
    directory = copy_dataset("mnist", cache_root)
    (directory / datasets.TEST_LABELS).unlink()
    (_, _), (_, y_test) = sample_dataset(mnist).load_data()
    assert y_test[:3].tolist() == [7, 2, 1]
    assert [c.startswith(m) for c, m in zip(calls, mnist.mirrors)] == [True, True]
    assert "0.3 kB" in capsys.readouterr().err  # no Content-Length: a byte counter


def test_offline_gives_one_error_saying_what_to_put_where(cache_root, monkeypatch):
    monkeypatch.setattr(datasets, "urlopen", serve({}))
    with pytest.raises(DatasetError) as info:
        fashion_mnist.load_data()
    message = str(info.value)
    assert "Could not download Fashion-MNIST" in message
    assert "name resolution" in message
    assert str(cache_root / "fashion-mnist") in message
    assert all(name in message for name in FILES)
    assert "TAPESCOPE_DATA" in message and "'fashion-mnist' folder" in message
    assert list(cache_root.rglob("*.part")) == []


def test_an_unwritable_cache_is_reported_as_a_dataset_error(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("TAPESCOPE_DATA", str(blocker))
    monkeypatch.setattr(datasets, "urlopen", serve({}))
    with pytest.raises(DatasetError, match="Could not download MNIST"):
        mnist.load_data()
