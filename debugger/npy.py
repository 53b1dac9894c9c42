"""Tensor values as ``.npy`` bytes, never pickle: the trace file stores them and the socket
carries them in this one form, so a value from someone else's trace or process runs no code."""

from __future__ import annotations

import io

import numpy as np


def npy_bytes(array: np.ndarray) -> bytes:
    """``array`` as the bytes of a ``.npy`` file; ``ValueError`` for what would need pickle."""
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def array_from_npy(data: bytes) -> np.ndarray:
    """The array of untrusted ``.npy`` bytes; anything else (a pickle, an ``.npz``, cut short,
    garbage) is a ``ValueError`` saying so, never a numpy traceback."""
    try:
        return np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError, TypeError) as exc:
        raise ValueError(f"not a pickle-free .npy value: {exc}") from None
