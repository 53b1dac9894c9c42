"""Run every parity case (``cases.py``) on real TensorFlow and store what it computed.

Needs TensorFlow 2.21 (``pip install "tensorflow-cpu==2.21.*"`` in an environment of its own;
the suite never needs it). Run from the repository root:

    python tests/engine/parity/make_fixtures.py

and commit the rewritten ``fixtures.json``.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from cases import CASES  # noqa: E402

FIXTURES = Path(__file__).with_name("fixtures.json")


def leaves(value: object) -> list:
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in leaves(item)]
    return [value]


def encode(leaf: object) -> dict:
    """A value as its TensorFlow dtype name, shape and raw little-endian bytes."""
    if leaf is None:
        return {"none": True}
    dtype = leaf.dtype.name if hasattr(leaf, "dtype") and hasattr(leaf.dtype, "name") else None
    array = np.asarray(leaf.numpy() if hasattr(leaf, "numpy") else leaf)
    return {"dtype": dtype or array.dtype.name, "shape": list(array.shape),
            "data": base64.b64encode(np.ascontiguousarray(array).tobytes()).decode()}


def run(code: str) -> dict:
    scope = {"tf": tf, "np": np}
    try:
        exec(code, scope)  # noqa: S102 - the cases are this repository's own code
    except Exception as exc:  # noqa: BLE001 - the exception's type is the expected answer
        return {"raises": type(exc).__name__, "message": str(exc)[:300]}
    return {"values": [encode(leaf) for leaf in leaves(scope["result"])]}


def main() -> None:
    fixtures = {"tensorflow": tf.__version__, "keras": tf.keras.__version__,
                "cases": {name: run(code) for name, code in CASES}}
    FIXTURES.write_text(json.dumps(fixtures, indent=1, sort_keys=True) + "\n")
    print(f"{len(CASES)} cases from TensorFlow {tf.__version__} -> {FIXTURES}")


if __name__ == "__main__":
    main()
