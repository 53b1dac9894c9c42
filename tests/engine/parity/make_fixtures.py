"""Run the parity cases (``cases_<area>.py``) on real TensorFlow and store what it computed
(``fixtures_<area>.json``).

Needs TensorFlow 2.21 (``pip install "tensorflow-cpu==2.21.*"`` in an environment of its own;
the suite never needs it). From the repository root, for every area or the ones named:

    python tests/engine/parity/make_fixtures.py [area ...]

and commit the rewritten fixture files.
"""

from __future__ import annotations

import base64
import importlib
import json
import linecache
import os
import re
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))


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
    if array.dtype.kind in "OSU":  # strings: their bytes, as a list
        return {"dtype": dtype or "string", "shape": list(array.shape),
                "strings": [s.decode() if isinstance(s, bytes) else str(s)
                            for s in array.reshape(-1).tolist()]}
    return {"dtype": dtype or array.dtype.name, "shape": list(array.shape),
            "data": base64.b64encode(np.ascontiguousarray(array).tobytes()).decode()}


def _without_paths(message: str) -> str:
    """The message without this machine's paths (install dirs in a traceback TF quotes,
    temporary dirs a case made)."""
    message = message.replace(str(HERE.parents[2]), "<repo>")  # the checkout's own path
    message = re.sub(r"/\S*?site-packages/", "<site-packages>/", message)
    return re.sub(r"/tmp/tmp\w+", "<tmp>", message)


def compiled(name: str, code: str) -> object:
    """A case's code compiled under a file name linecache knows: AutoGraph (TensorFlow's
    and the engine's) reads a converted function's source the way it reads a script's."""
    filename = f"<parity case {name}>"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    return compile(code, filename, "exec")


def run(name: str, code: str) -> dict:
    scope = {"tf": tf, "np": np}
    try:
        exec(compiled(name, code), scope)  # noqa: S102 - the cases are this repository's own code
    except Exception as exc:  # noqa: BLE001 - the exception's type is the expected answer
        return {"raises": type(exc).__name__, "message": _without_paths(str(exc))[:300]}
    return {"values": [encode(leaf) for leaf in leaves(scope["result"])]}


def main(areas: list[str]) -> None:
    areas = areas or sorted(p.stem.removeprefix("cases_") for p in HERE.glob("cases_*.py"))
    for area in areas:
        cases = importlib.import_module(f"cases_{area}").CASES
        target = HERE / f"fixtures_{area}.json"
        fixtures = {"tensorflow": tf.__version__, "keras": tf.keras.__version__,
                    "cases": {name: run(name, code) for name, code in cases}}
        target.write_text(json.dumps(fixtures, indent=1, sort_keys=True) + "\n")
        print(f"{area}: {len(cases)} cases from TensorFlow {tf.__version__} -> {target.name}")


if __name__ == "__main__":
    main(sys.argv[1:])
