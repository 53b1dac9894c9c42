"""Engine settings: BLAS threads (``tf.config.threading``) — one place, read at import.

OpenBLAS defaults to one thread per core and wakes them for every matmul. On small
matrices that costs more than the multiply, and on a 2-core machine whose other core is
busy (the GUI, a second test) it slows training twentyfold (see PLATFORM.md). So the
engine runs BLAS on ``TAPESCOPE_BLAS_THREADS`` threads, default 1.
"""

from __future__ import annotations

import os
import types

from engine import denormals

_DEFAULT_THREADS = 1
_state = {"blas_threads": None, "limiter": None}


def _parse_env() -> int:
    raw = os.environ.get("TAPESCOPE_BLAS_THREADS", "")
    if not raw:
        return _DEFAULT_THREADS
    try:
        n = int(raw)
    except ValueError:
        raise ValueError(
            f"TAPESCOPE_BLAS_THREADS must be a positive integer, got {raw!r}") from None
    if n < 1:
        raise ValueError(f"TAPESCOPE_BLAS_THREADS must be a positive integer, got {raw!r}")
    return n


def set_blas_threads(n: int) -> None:
    """Limit the BLAS library numpy uses to ``n`` threads (process-wide)."""
    if int(n) < 1:
        raise ValueError(f"BLAS thread count must be >= 1, got {n}")
    from threadpoolctl import threadpool_limits

    _state["limiter"] = threadpool_limits(limits=int(n), user_api="blas")
    _state["blas_threads"] = int(n)
    denormals.blas_threads_set(int(n))  # its worker threads do not flush denormals


def get_blas_threads() -> int | None:
    """The thread count the engine set, or None if it has not set one."""
    return _state["blas_threads"]


def _set_intra_op(n: int) -> None:
    set_blas_threads(n if n > 0 else (os.cpu_count() or 1))


def _get_intra_op() -> int:
    return _state["blas_threads"] or 0


threading = types.SimpleNamespace(
    set_intra_op_parallelism_threads=_set_intra_op,
    get_intra_op_parallelism_threads=_get_intra_op,
    set_inter_op_parallelism_threads=lambda n: None,
    get_inter_op_parallelism_threads=lambda: 0,
)


class _Eagerness:
    """Whether ``tf.function`` runs the Python function as it is, untraced (for debugging
    with print and pdb, as ``tf.config.run_functions_eagerly(True)`` asks)."""

    functions_run_eagerly = False


EAGERNESS = _Eagerness()


def run_functions_eagerly(run_eagerly: bool) -> None:
    """Make every ``tf.function`` call its Python function directly (True) or trace (False)."""
    EAGERNESS.functions_run_eagerly = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    return EAGERNESS.functions_run_eagerly


def list_physical_devices(device_type: str | None = None) -> list:
    """One CPU, as TensorFlow reports it on a machine without accelerators."""
    devices = [types.SimpleNamespace(name="/physical_device:CPU:0", device_type="CPU")]
    return [d for d in devices if device_type in (None, d.device_type)]


def apply_environment() -> None:
    """Called once at ``import engine``: apply ``TAPESCOPE_BLAS_THREADS``."""
    set_blas_threads(_parse_env())
