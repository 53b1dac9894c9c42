"""Write the MNIST / Fashion-MNIST samples the test suite ships (tests/data/).

The suite must pass on a clone with no network and no shared data folder, so it carries the
first images of each original IDX file in the same IDX + gzip form (the loader reads them
like the full files). Run it with the full files in ``$TAPESCOPE_DATA`` (or ``--source``):

    python scripts/make_data_sample.py --source ../shared/data
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import struct
from pathlib import Path

from engine.keras import datasets

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "tests" / "data"
# (train, test) images per dataset: enough to learn something, small enough to ship (~1 MB).
SIZES = {"mnist": (2000, 500), "fashion-mnist": (1000, 250)}


def idx_bytes(array, magic: int) -> bytes:
    """An uncompressed IDX file: big-endian magic, dimensions, then uint8 data."""
    return struct.pack(f">{1 + array.ndim}I", magic, *array.shape) + array.tobytes()


def write_gzip(path: Path, raw: bytes) -> None:
    """Gzip with no timestamp or name in the header: the same bytes on every run."""
    with path.open("wb") as out, gzip.GzipFile(filename="", mode="wb", fileobj=out,
                                               mtime=0, compresslevel=9) as stream:
        stream.write(raw)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=os.environ.get("TAPESCOPE_DATA"),
                        help="folder holding mnist/ and fashion-mnist/ with the full files")
    args = parser.parse_args()
    if not args.source:
        parser.error("give --source or set TAPESCOPE_DATA")
    os.environ["TAPESCOPE_DATA"] = args.source
    lines = ["# Dataset samples for the test suite", "",
             "Made by `scripts/make_data_sample.py` from the original files: the first images "
             "and labels of each, in the original gzip IDX form.", "",
             "| dataset | file | items | uncompressed md5 |", "| --- | --- | --- | --- |"]
    for dataset in (datasets.mnist, datasets.fashion_mnist):
        (x_train, y_train), (x_test, y_test) = dataset.load_data()
        n_train, n_test = SIZES[dataset.name]
        folder = TARGET / dataset.name
        folder.mkdir(parents=True, exist_ok=True)
        parts = {datasets.TRAIN_IMAGES: (x_train[:n_train], 2051),
                 datasets.TRAIN_LABELS: (y_train[:n_train], 2049),
                 datasets.TEST_IMAGES: (x_test[:n_test], 2051),
                 datasets.TEST_LABELS: (y_test[:n_test], 2049)}
        for name, (array, magic) in parts.items():
            raw = idx_bytes(array, magic)
            write_gzip(folder / name, raw)
            lines.append(f"| {dataset.name} | {name} | {len(array)} | "
                         f"{hashlib.md5(raw).hexdigest()} |")
    (TARGET / "README.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
