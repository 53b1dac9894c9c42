"""Denormal floats as TensorFlow's CPU kernels treat them: flushed to zero, inside ops only.

TensorFlow runs its CPU kernels with the CPU's flush-to-zero (FTZ: a result below the
smallest normal number becomes 0) and denormals-are-zero (DAZ: such an input counts as 0)
bits set, and restores them after (``ScopedFlushDenormal``, tensorflow/core/platform/
denormal.h). So float32 ``tf.exp(-88.)`` is 0 where numpy says 6e-39, and a denormal
constant ``x`` is kept as it is, yet ``x * 1e10`` is 0 and ``x > 0`` is False. The engine
does the same around each op's numpy forward (``registry.execute``) and around the runs of
compiled graphs and optimizer updates (``flushed()``); numpy code of the user's own, outside
any op, is not affected. numpy's loops honour the bits (they compile to SSE/AVX or NEON).

Mechanism: glibc's ``fegetmode``/``fesetmode`` (the C2x floating-point modes: the x87
control word and MXCSR on x86-64, FPCR on aarch64; the exception flags numpy reads are left
alone) through ctypes, called per op as two C calls with no Python frame in between. Where
that is unavailable, or the bits do not take effect (checked once at import), the engine
flushes op outputs instead (``MECHANISM == "outputs"``): denormal results become 0, but
denormal inputs still count as what they are (no DAZ).

Threads: the modes are per thread, ``enter``/``leave`` and ``flushed()`` switch those of
the calling thread, and ``leave`` restores the modes the engine found at import (the engine
is single-threaded, see ``ExecutionState``). OpenBLAS worker threads do not inherit the
caller's bits; the engine runs BLAS on one thread by default (config.py), the caller's,
and flushes op outputs explicitly as well when told of more (``blas_threads_set``).
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


def _install() -> tuple[str, Callable[[], Any], Callable[[], Any]]:
    layout = _MODE_LAYOUT.get(platform.machine().lower())
    functions = _set_mode_function() if layout is not None else None
    if functions is None or layout is None:
        return "outputs", _noop, _noop
    get, put = functions
    size, offset, bits = layout
    outside = ctypes.create_string_buffer(16)  # the modes found at import
    if get(ctypes.addressof(outside)) != 0:
        return "outputs", _noop, _noop
    raw = bytearray(outside.raw)
    register = int.from_bytes(raw[offset:size], "little") | bits
    raw[offset:size] = register.to_bytes(size - offset, "little")
    flush = ctypes.create_string_buffer(bytes(raw), 16)  # the same with FTZ/DAZ
    if not _flush_works(put, ctypes.addressof(flush), ctypes.addressof(outside)):
        return "outputs", _noop, _noop
    # Partials of the ctypes function given a byref: one C call each and no Python frame,
    # the cheapest way to reach fesetmode from Python (~0.1 µs; the per-op cost).
    put.argtypes = None
    put.restype = None
    return "cpu", functools.partial(put, ctypes.byref(flush)), functools.partial(
        put, ctypes.byref(outside))


MECHANISM, _cpu_enter, _cpu_leave = _install()
"""``"cpu"``: FTZ/DAZ bits set around ops; ``"outputs"``: op outputs flushed explicitly."""

CPU_BITS = MECHANISM == "cpu"  # whether this machine can set the bits at all
_blas_parallel = False  # BLAS runs on more threads than the caller's (see below)
# Whether ops (and compiled graphs) flush their outputs explicitly: without the bits, or when
# BLAS worker threads, which do not inherit them, compute part of a product.
FLUSH_OUTPUTS = not CPU_BITS
enter, leave = _cpu_enter, _cpu_leave  # what the dispatch calls around a forward


def blas_threads_set(threads: int) -> None:
    """Told by ``config.set_blas_threads``. OpenBLAS's worker threads run with their own
    (default) modes, so with more than one thread a matmul's denormal results come out
    unflushed where a worker computed them (measured: half of a 512x512 product on 2
    threads); then outputs are flushed explicitly too. Inputs stay DAZ-free on the workers,
    which only matters for denormal inputs to a multi-threaded product."""
    global _blas_parallel, FLUSH_OUTPUTS
    _blas_parallel = threads > 1
    FLUSH_OUTPUTS = MECHANISM == "outputs" or _blas_parallel


def use_output_flush(on: bool) -> None:
    """Flush op outputs explicitly instead of setting the CPU's bits (the fallback where the
    CPU or the C library offers no way), e.g. to test that fallback on a machine that has
    the bits. Off again goes back to the bits where they work."""
    global MECHANISM, FLUSH_OUTPUTS, enter, leave
    if on or not CPU_BITS:
        MECHANISM, enter, leave = "outputs", _noop, _noop
    else:
        MECHANISM, enter, leave = "cpu", _cpu_enter, _cpu_leave
    FLUSH_OUTPUTS = MECHANISM == "outputs" or _blas_parallel


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
    an optimizer's in-place update, constant folding). Ops run inside it skip their own
    switching (``enter``/``leave`` are no-ops meanwhile), so the bits stay set to its end."""

    __slots__ = ("switched",)

    def __enter__(self) -> None:
        global enter, leave
        # no bits here, or already inside a block: nothing to switch
        self.switched = MECHANISM == "cpu" and enter is not _noop
        if self.switched:
            _cpu_enter()
            enter = leave = _noop

    def __exit__(self, *exc_info: object) -> None:
        global enter, leave
        if self.switched:
            enter, leave = _cpu_enter, _cpu_leave
            _cpu_leave()
