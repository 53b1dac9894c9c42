"""The one optional C helper, engine/_fpmode.c (x86-64): the CPU's denormal bits around each
op for ~10 ns, where the ctypes calls engine/denormals.py otherwise makes cost ~0.35 µs.
Without a compiler, or on another CPU, the build skips it and the engine uses ctypes."""

import platform

from setuptools import Extension, setup

X86_64 = platform.machine().lower() in ("x86_64", "amd64")
setup(ext_modules=[Extension("engine._fpmode", ["engine/_fpmode.c"], optional=True)]
      if X86_64 else [])
