"""Denormal floats as TensorFlow's CPU kernels treat them: flushed to zero, inside ops only.

TensorFlow runs its CPU kernels with the CPU's flush-to-zero (FTZ: a result below the
smallest normal number becomes 0) and denormals-are-zero (DAZ: such an input counts as 0)
bits set, and restores them after (``ScopedFlushDenormal``, tensorflow/core/platform/
denormal.h). So float32 ``tf.exp(-88.)`` is 0 where numpy says 6e-39, and a denormal
constant ``x`` is kept as it is, yet ``x * 1e10`` is 0 and ``x > 0`` is False. The engine
does the same around each op's numpy forward (``registry.execute``) and around the runs of
compiled graphs and optimizer updates (``flushed()``); numpy code of the user's own, outside
any op, is not affected. numpy's loops honour the bits (they compile to SSE/AVX or NEON).

Mechanisms (``MECHANISMS``, the best chosen at import, each checked to take effect):
``"c"``, the small C helper ``engine/_fpmode.c`` (built by setup.py on x86-64): MXCSR's two
bits set around the call and the caller's put back, ~10 ns per op; ``"ctypes"``, glibc's
``fegetmode``/``fesetmode`` (the C2x floating-point modes: x87 control word and MXCSR on
x86-64, FPCR on aarch64; the exception flags numpy reads are left alone) as two ctypes calls
per op, ~0.35 µs; ``"outputs"`` where neither works: op and compiled-graph outputs are
flushed explicitly, so denormal results become 0, but denormal inputs still count as what
they are (no DAZ) and optimizer or ``assign_add`` updates are left as computed.

Threads: the modes are per thread. The C helper restores each thread's own. The ctypes
calls restore the modes the engine found at import, and a ``flushed()`` block turns them
off process-wide (the engine is single-threaded, see ``ExecutionState``). OpenBLAS worker
threads do not inherit the caller's bits; the engine runs BLAS on one thread by default
(config.py), the caller's, and flushes op outputs explicitly as well when told of more
(``blas_threads_set``).
"""

from __future__ import annotations

import ctypes
import functools
import platform
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

# (size of glibc's femode_t, byte offset of the control register in it, its FTZ|DAZ bits)
_MODE_LAYOUT = {
    "x86_64": (8, 4, (1 << 15) | (1 << 6)),  # {u16 x87 cw, u16 reserved, u32 MXCSR}: FZ, DAZ
    "aarch64": (4, 0, 1 << 24),  # femode_t is FPCR (unsigned int): FZ, which covers inputs too
}


def _noop() -> None:
    return None


def _set_mode_function() -> tuple[Callable[[int], int], Callable[[int], int]] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:  # glibc's soname; find_library would run ldconfig in a subprocess
        libm = ctypes.CDLL("libm.so.6")
        get, put = libm.fegetmode, libm.fesetmode  # glibc >= 2.25
    except (OSError, AttributeError):
        return None
    for fn in (get, put):
        fn.argtypes = (ctypes.c_void_p,)
        fn.restype = ctypes.c_int
    return get, put


def _flush_works(put: Callable[[int], int], flush_at: int, outside_at: int) -> bool:
    """Whether the bits take effect here (an emulator or a CPU may ignore them)."""
    tiny32 = np.finfo(np.float32).tiny
    denormal = np.float32(tiny32 / 64)
    put(flush_at)
    try:
        product = np.float32(tiny32) * np.float32(0.25)  # FTZ: a denormal result becomes 0
        counted = bool(np.array([denormal]) > 0)  # DAZ: a denormal input counts as 0
        wide = np.float64(1e-310) * 2.0
    finally:
        put(outside_at)
    return product == 0 and not counted and wide == 0


def _install() -> tuple[Callable[[], Any], Callable[[], Any]] | None:
    """(enter, leave) through glibc's fesetmode, or None where that is unavailable or the
    bits do not take effect."""
    layout = _MODE_LAYOUT.get(platform.machine().lower())
    functions = _set_mode_function() if layout is not None else None
    if functions is None or layout is None:
        return None
    get, put = functions
    size, offset, bits = layout
    outside = ctypes.create_string_buffer(16)  # the modes found at import
    if get(ctypes.addressof(outside)) != 0:
        return None
    raw = bytearray(outside.raw)
    register = int.from_bytes(raw[offset:size], "little") | bits
    raw[offset:size] = register.to_bytes(size - offset, "little")
    flush = ctypes.create_string_buffer(bytes(raw), 16)  # the same with FTZ/DAZ
    if not _flush_works(put, ctypes.addressof(flush), ctypes.addressof(outside)):
        return None
    # Partials of the ctypes function given a byref: one C call each and no Python frame,
    # the cheapest way to reach fesetmode from Python (~0.15 µs each: the per-op cost).
    put.argtypes = None
    put.restype = None
    return functools.partial(put, ctypes.byref(flush)), functools.partial(
        put, ctypes.byref(outside))


def _load_c_helper() -> Any:
    """engine._fpmode (setup.py builds it on x86-64), if built and working here."""
    try:
        from engine import _fpmode
    except ImportError:
        return None
    token = _fpmode.enter()
    try:
        works = _fpmode.call(np.multiply, np.float32(2.0 ** -126), np.float32(0.25)) == 0
    finally:
        _fpmode.leave(token)
    return _fpmode if works else None


_CTYPES = _install()
_C = _load_c_helper()
_cpu_enter, _cpu_leave = _CTYPES if _CTYPES is not None else (_noop, _noop)
# The ways this machine has, best first: "c" (the C helper: ~10 ns per op), "ctypes"
# (glibc through ctypes: ~0.35 µs per op), "outputs" (no bits: op outputs flushed).
MECHANISMS = (("c",) if _C is not None else ()) + (
    ("ctypes",) if _CTYPES is not None else ()) + ("outputs",)
CPU_BITS = MECHANISMS[0] != "outputs"  # whether this machine can set the bits at all
_blas_parallel = False  # BLAS runs on more threads than the caller's (see below)
enter, leave = _noop, _noop  # the ctypes mechanism's calls (no-ops inside a flushed block)


def _ctypes_call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    enter()
    try:
        return fn(*args, **kwargs)
    finally:
        leave()


def _plain_call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return fn(*args, **kwargs)


def _ctypes_block(fn: Callable[..., Any], *args: Any) -> Any:
    with flushed():
        return fn(*args)


def _select() -> None:
    """Bind ``call`` and ``call_block`` for the mechanism and the BLAS threads."""
    global FLUSH_OUTPUTS, call, call_block, enter, leave
    bits = {"c": _C.call if _C is not None else None, "ctypes": _ctypes_call,
            "outputs": _plain_call}[MECHANISM]
    enter, leave = (_cpu_enter, _cpu_leave) if MECHANISM == "ctypes" else (_noop, _noop)
    call_block = {"c": bits, "ctypes": _ctypes_block, "outputs": _plain_call}[MECHANISM]
    FLUSH_OUTPUTS = MECHANISM == "outputs" or _blas_parallel
    if FLUSH_OUTPUTS:
        def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            return flush_outputs(bits(fn, *args, **kwargs))
    else:
        call = bits


def use_mechanism(name: str) -> None:
    """Switch to one of ``MECHANISMS`` (the best is chosen at import); tests use it to run
    every fallback on a machine that has the better ways."""
    global MECHANISM
    if name not in MECHANISMS:
        raise ValueError(f"denormal mechanism {name!r} is not available here: {MECHANISMS}")
    MECHANISM = name
    _select()


MECHANISM = MECHANISMS[0]
FLUSH_OUTPUTS = False  # whether ``call`` flushes outputs too (compiled graphs then do)
# call(fn, *args, **kwargs): fn's result computed with FTZ/DAZ set, what the dispatch runs
# each op's forward through (with the ctypes calls, not to be nested in another call)
call: Callable[..., Any] = _plain_call
# call_block(fn, *args): the same for a block that runs ops itself (a compiled graph)
call_block: Callable[..., Any] = _plain_call


def blas_threads_set(threads: int) -> None:
    """Told by ``config.set_blas_threads``. OpenBLAS's worker threads run with their own
    (default) modes, so with more than one thread a matmul's denormal results come out
    unflushed where a worker computed them (measured: half of a 512x512 product on 2
    threads); then outputs are flushed explicitly too. Inputs stay DAZ-free on the workers,
    which only matters for denormal inputs to a multi-threaded product."""
    global _blas_parallel
    _blas_parallel = threads > 1
    _select()


_FLUSHED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def flush_array(value: Any) -> Any:
    """``value`` with its denormal floats replaced by zeros (a new array when any is)."""
    # float16 (and bfloat16) arithmetic runs through float32 in software conversions, which
    # the bits do not touch: TensorFlow keeps float16 denormals, so do we
    if not isinstance(value, np.ndarray | np.generic) or value.dtype not in _FLUSHED_DTYPES:
        return value
    tiny = np.finfo(value.dtype).tiny
    small = np.abs(value) < tiny
    if not small.any():
        return value
    return np.where(small, value.dtype.type(0), value)


def flush_outputs(out: Any) -> Any:
    """An op forward's result (an array or a tuple of them) with denormals flushed."""
    if isinstance(out, tuple | list):
        return type(out)(flush_array(o) for o in out)
    return flush_array(out)


class flushed:  # noqa: N801 - used like a function: ``with denormals.flushed():``
    """FTZ/DAZ for a block of engine numpy code that is not one op (a compiled graph's run,
    an optimizer's in-place update, constant folding), restored at its end. Ops inside it
    keep the bits set (the C helper restores what it found; the ctypes calls are no-ops
    meanwhile)."""

    __slots__ = ("token",)

    def __enter__(self) -> None:
        global enter, leave
        if MECHANISM == "c":
            self.token = _C.enter()
        elif MECHANISM == "ctypes" and enter is not _noop:  # (not already in a block)
            _cpu_enter()
            enter = leave = _noop
            self.token = True
        else:
            self.token = None

    def __exit__(self, *exc_info: object) -> None:
        global enter, leave
        if MECHANISM == "c":
            _C.leave(self.token)
        elif self.token:
            enter, leave = _cpu_enter, _cpu_leave
            _cpu_leave()


_select()
