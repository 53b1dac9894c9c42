"""``tf.keras.datasets``: MNIST and Fashion-MNIST, read from their original IDX files.

Each dataset's four gzip IDX files live in a cache directory: ``$TAPESCOPE_DATA/<name>``
when that variable is set (tests and offline machines point it at a shared copy), else
``~/.tapescope/datasets/<name>``. Files found there are parsed and validated, not hashed,
so a copy from anywhere works. Missing files are downloaded once from public mirrors,
checked against their published SHA-256 sums, and renamed into place only when complete:
an interrupted or corrupted download never leaves a file in the cache.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.client
import os
import struct
import sys
import tempfile
import zlib
from pathlib import Path
from typing import TextIO
from urllib.error import URLError
from urllib.request import urlopen

import numpy as np

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

_IMAGES_MAGIC, _LABELS_MAGIC = 2051, 2049  # IDX: unsigned bytes, 3 dims / 1 dim
_TIMEOUT = 30.0  # seconds without a byte before a mirror counts as unreachable


class DatasetError(ValueError):
    """A dataset file is missing, corrupt or cannot be downloaded; the message says which."""


@dataclasses.dataclass(frozen=True)
class IdxImageDataset:
    """A dataset distributed as the four gzip IDX files of MNIST (28x28 uint8 images)."""

    name: str  # directory under the cache root
    title: str
    mirrors: tuple[str, ...]  # base URLs, tried in order
    sha256: dict[str, str]
    num_classes: int = 10

    def cache_dir(self) -> Path:
        """Where the files are looked for and downloaded to."""
        root = os.environ.get("TAPESCOPE_DATA")
        base = Path(root).expanduser() if root else Path.home() / ".tapescope" / "datasets"
        return base / self.name

    def load_data(self, path: str | None = None
                  ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """``(x_train, y_train), (x_test, y_test)`` as uint8 arrays, exactly as Keras.

        ``path`` is accepted for compatibility with Keras, which caches one ``.npz`` file;
        Tapescope keeps the original IDX files in ``cache_dir()`` instead.
        """
        directory = self.cache_dir()
        missing = [f for f in FILES if _locate(directory, f) is None]
        if missing:
            self._download(missing, directory)
        x_train, y_train = self._read_pair(directory, TRAIN_IMAGES, TRAIN_LABELS)
        x_test, y_test = self._read_pair(directory, TEST_IMAGES, TEST_LABELS)
        return (x_train, y_train), (x_test, y_test)

    def _read_pair(self, directory: Path, images_file: str,
                   labels_file: str) -> tuple[np.ndarray, np.ndarray]:
        """Images and their labels; any number of them (the original files hold 60,000 and
        10,000; a sample fewer), as long as both files agree."""
        images = read_idx(_locate(directory, images_file) or directory / images_file,
                          _IMAGES_MAGIC, (None, 28, 28))
        labels_path = _locate(directory, labels_file) or directory / labels_file
        labels = read_idx(labels_path, _LABELS_MAGIC, (len(images),))
        if labels.max(initial=0) >= self.num_classes:
            raise DatasetError(f"{labels_path} holds label {labels.max()}, but {self.title} "
                               f"has classes 0-{self.num_classes - 1}.")
        return images, labels

    def _download(self, filenames: list[str], directory: Path) -> None:
        for filename in filenames:
            failures = []
            for mirror in self.mirrors:
                url = mirror + filename
                try:
                    fetch(url, directory / filename, self.sha256[filename])
                    break
                except (URLError, OSError, http.client.HTTPException, DatasetError) as exc:
                    failures.append(f"  {url}: {getattr(exc, 'reason', None) or exc}")
            else:
                raise DatasetError(self._cannot_download(filenames, directory, failures))

    def _cannot_download(self, filenames: list[str], directory: Path,
                         failures: list[str]) -> str:
        listing = "\n".join(f"  {f}" for f in filenames)
        return (f"Could not download {self.title}:\n" + "\n".join(failures) + "\n"
                f"Put these files (from {self.mirrors[0]}) into {directory}:\n{listing}\n"
                f"or set TAPESCOPE_DATA to a directory that holds a '{self.name}' folder "
                "with all four IDX files.")


def _locate(directory: Path, filename: str) -> Path | None:
    """The gzip file, or its uncompressed form if that is what the user keeps."""
    for candidate in (directory / filename, directory / filename.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    return None


# -- IDX files ------------------------------------------------------------------------------

def read_idx(path: Path, magic: int, shape: tuple[int | None, ...]) -> np.ndarray:
    """The uint8 array of an IDX file (gzip or plain), checked against ``magic`` and
    ``shape`` (``None``: any size); any defect is one ``DatasetError`` naming the file."""
    kind = "image" if magic == _IMAGES_MAGIC else "label"
    raw = _file_bytes(path)
    header_size = 4 * (1 + len(shape))
    if len(raw) < header_size:
        raise DatasetError(f"{path} is truncated: {len(raw)} bytes, shorter than an IDX {kind} "
                           f"header ({header_size} bytes).")
    found_magic, *dims = struct.unpack_from(f">{1 + len(shape)}I", raw)
    if found_magic != magic:
        raise DatasetError(f"{path} is not a valid IDX {kind} file (magic {found_magic}, "
                           f"expected {magic}).")
    if any(want is not None and want != got for want, got in zip(shape, dims)):
        expected = ", ".join("any" if want is None else str(want) for want in shape)
        expected = f"({expected},)" if len(shape) == 1 else f"({expected})"
        raise DatasetError(f"{path} has dimensions {tuple(dims)}, expected {expected}.")
    shape = tuple(dims)
    size = int(np.prod(shape))
    if len(raw) - header_size != size:
        problem = "is truncated" if len(raw) - header_size < size else "has trailing data"
        raise DatasetError(f"{path} {problem}: {len(raw) - header_size} data bytes, expected "
                           f"{size} for {shape}.")
    # A copy, so the arrays are writable like Keras's (frombuffer over bytes is read-only).
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape).copy()


def _file_bytes(path: Path) -> bytes:
    """The file's content, gunzipped in one zlib call (which also checks the gzip CRC)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"{path} cannot be read: {exc}") from exc
    if path.suffix != ".gz":
        return data
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip framing
    try:
        raw = inflater.decompress(data)
    except zlib.error as exc:
        raise DatasetError(f"{path} is not a valid gzip file ({exc}). Delete it to download "
                           "it again.") from exc
    if not inflater.eof:
        raise DatasetError(f"{path} is truncated: the gzip stream ends early. Delete it to "
                           "download it again.")
    if inflater.unused_data:
        raise DatasetError(f"{path} has {len(inflater.unused_data)} bytes after its gzip "
                           "stream.")
    return raw


# -- downloads ------------------------------------------------------------------------------

class _ProgressBar:
    """A one-line text bar on a stream, redrawn only when the shown text changes."""

    def __init__(self, label: str, total: int, stream: TextIO, width: int = 30) -> None:
        self._label, self._total, self._stream, self._width = label, total, stream, width
        self._done = 0
        self._shown = ""

    def update(self, n: int) -> None:
        self._done += n
        self._draw()

    def _draw(self) -> None:
        if self._total:
            filled = self._width * min(self._done, self._total) // self._total
            bar = "#" * filled + "." * (self._width - filled)
            percent = 100 * self._done // self._total
            text = f"{self._label} [{bar}] {percent:3d}% {_amount(self._done, self._total)}"
        else:
            text = f"{self._label} {_amount(self._done, 0)}"
        if text != self._shown:
            self._shown = text
            self._stream.write("\r" + text)
            self._stream.flush()

    def close(self) -> None:
        self._draw()
        self._stream.write("\n")
        self._stream.flush()


def _amount(done: int, total: int) -> str:
    """``3.1/9.9 MB`` (kB for small files); ``3.1 MB`` when the total is unknown (0)."""
    scale, unit = (1e6, "MB") if max(done, total) >= 1e6 else (1e3, "kB")
    if total:
        return f"{done / scale:.1f}/{total / scale:.1f} {unit}"
    return f"{done / scale:.1f} {unit}"


def fetch(url: str, target: Path, sha256: str) -> None:
    """Download ``url`` to ``target`` with a progress bar on stderr, verifying SHA-256.

    Bytes go to a temporary file beside ``target`` that is renamed into place only when its
    checksum matches; on any failure it is removed and ``target`` is untouched.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, urlopen(url, timeout=_TIMEOUT) as response:
            sys.stderr.write(f"Downloading data from {url}\n")
            total = int(response.headers.get("Content-Length") or 0)
            bar = _ProgressBar(target.name, total, sys.stderr)
            while chunk := response.read(1 << 16):
                out.write(chunk)
                digest.update(chunk)
                bar.update(len(chunk))
            bar.close()
        if digest.hexdigest() != sha256:
            raise DatasetError(f"SHA-256 mismatch (got {digest.hexdigest()}, expected "
                               f"{sha256}); the download was discarded")
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


mnist = IdxImageDataset(
    name="mnist",
    title="MNIST",
    mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/",
             "https://storage.googleapis.com/cvdf-datasets/mnist/"),
    sha256={
        TRAIN_IMAGES: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        TRAIN_LABELS: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        TEST_IMAGES: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        TEST_LABELS: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
)

fashion_mnist = IdxImageDataset(
    name="fashion-mnist",
    title="Fashion-MNIST",
    mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
             "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"),
    sha256={
        TRAIN_IMAGES: "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        TRAIN_LABELS: "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        TEST_IMAGES: "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        TEST_LABELS: "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    },
)
