"""``tf.train.Checkpoint``: save and restore variables, models and optimizers.

TensorFlow writes ``<prefix>.index`` and ``<prefix>.data-00000-of-00001`` plus a
``checkpoint`` file naming the latest save. Tapescope keeps those names (so paths, listings
and ``tf.train.latest_checkpoint`` look the same) with contents of its own that any numpy
can read and nothing can execute: the index is JSON (key → shape, dtype), the data an
``.npz`` archive loaded with ``allow_pickle=False``.

Values are keyed by where they hang in the checkpoint (``model/weights/0``,
``optimizer/iteration``, ``optimizer/slots/2``), not by variable names, so a checkpoint
restores into a freshly built model whose layers got other automatic names, as
TensorFlow's object-based checkpoints do. A ``tf.Module``'s variables are keyed by their
attribute path as TensorFlow keys them (``model/dense_1/w/.ATTRIBUTES/VARIABLE_VALUE``), the
names ``tf.train.list_variables`` shows.
"""

from __future__ import annotations

import io
import json
import os
from typing import Any

import numpy as np

from engine import errors
from engine.module import Module
from engine.tensor import Variable

_DATA_SUFFIX = ".data-00000-of-00001"


class CheckpointLoadStatus:
    """What ``restore``/``read`` matched, with TensorFlow's assertions on it."""

    def __init__(self, unused: list[str], unmatched: list[str]) -> None:
        self._unused, self._unmatched = unused, unmatched

    def assert_consumed(self) -> CheckpointLoadStatus:
        """Every value in the checkpoint found its object, and every object its value."""
        if self._unused or self._unmatched:
            raise AssertionError(f"Unresolved object in checkpoint: {self._unused[:5]}; "
                                 f"objects without a value: {self._unmatched[:5]}")
        return self

    def assert_existing_objects_matched(self) -> CheckpointLoadStatus:
        if self._unmatched:
            raise AssertionError(f"Objects without a value in the checkpoint: "
                                 f"{self._unmatched[:5]}")
        return self

    def assert_nontrivial_match(self) -> CheckpointLoadStatus:
        return self

    def expect_partial(self) -> CheckpointLoadStatus:
        return self

    def run_restore_ops(self, session: Any = None) -> None:
        """Eager restores are done already; kept for TF1-style code."""

    def initialize_or_restore(self, session: Any = None) -> None:
        """Eager restores are done already; kept for TF1-style code."""


def _is_optimizer(obj: Any) -> bool:
    return hasattr(obj, "apply_gradients") and hasattr(obj, "restore_slot_values")


def _optimizer_scalars(optimizer: Any) -> list[Variable]:
    """The step counter and (unless a schedule sets it) the learning-rate variable."""
    rate = optimizer._learning_rate
    return [optimizer.iterations] + ([rate] if isinstance(rate, Variable) else [])


def _is_layer(obj: Any) -> bool:
    return hasattr(obj, "weights") and hasattr(obj, "count_params")


def _module_variables(obj: Any, key: str, seen: set[int]) -> list[tuple[str, Variable]]:
    """A tf.Module's variables keyed by attribute path (lists and dicts by index and key),
    each variable once, under the first path that reaches it."""
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if isinstance(obj, Variable):
        return [(f"{key}/.ATTRIBUTES/VARIABLE_VALUE", obj)]
    if isinstance(obj, Module):
        items = sorted(vars(obj).items())
    elif isinstance(obj, list | tuple):
        items = [(str(i), v) for i, v in enumerate(obj)]
    elif isinstance(obj, dict):
        items = sorted((str(k), v) for k, v in obj.items())
    else:
        return []
    return [pair for name, value in items
            for pair in _module_variables(value, f"{key}/{name}", seen)]


class Checkpoint:
    """Groups variables, layers/models, optimizers and other checkpoints under names."""

    def __init__(self, root: Any = None, **kwargs: Any) -> None:
        if root is not None:
            kwargs["root"] = root
        for name, obj in kwargs.items():
            if not (isinstance(obj, Variable | Checkpoint | Module) or _is_layer(obj)
                    or _is_optimizer(obj)):
                raise ValueError(f"`Checkpoint` was expecting {name} to be a trackable object "
                                 f"(an object derived from `Trackable`), got {obj}. If you "
                                 "believe this object should be trackable (i.e. it is part of "
                                 "the TensorFlow Python API and manages state), please open an "
                                 "issue.")
        self._objects = kwargs
        self._save_counter: Variable | None = None

    @property
    def save_counter(self) -> Variable:
        """How many times ``save`` has run (made on first use, as in TensorFlow)."""
        if self._save_counter is None:
            self._save_counter = Variable(np.int64(0), trainable=False, name="save_counter")
        return self._save_counter

    # -- what is saved ------------------------------------------------------------------------
    def _values(self, prefix: str = "") -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for name, obj in self._objects.items():
            key = f"{prefix}{name}"
            if isinstance(obj, Variable):
                out[key] = np.asarray(obj._value)
            elif isinstance(obj, Checkpoint):
                out.update(obj._values(f"{key}/"))
            elif isinstance(obj, Module) and not _is_layer(obj):
                out.update((path, np.asarray(var._value))
                           for path, var in _module_variables(obj, key, set()))
            elif _is_optimizer(obj):
                fixed = _optimizer_scalars(obj)
                for var in fixed:
                    out[f"{key}/{var.name}"] = np.asarray(var._value)
                for i, var in enumerate(obj.variables[len(fixed):]):
                    out[f"{key}/slots/{i}"] = np.asarray(var._value)
            else:
                for i, var in enumerate(obj.weights):
                    out[f"{key}/weights/{i}"] = np.asarray(var._value)
        return out

    def _assign(self, values: dict[str, np.ndarray], deferred: list[str],
                prefix: str = "") -> list[str]:
        """Give each object its value; returns the keys of objects the checkpoint lacked
        (keys of values waiting for an optimizer's slots go to ``deferred``)."""
        unmatched: list[str] = []

        def put(key: str, var: Variable) -> None:
            if key not in values:
                unmatched.append(key)
                return
            value = values.pop(key)
            if tuple(value.shape) != tuple(var._value.shape):
                raise ValueError(f"Received incompatible tensor with shape {value.shape} when "
                                 "attempting to restore variable with shape "
                                 f"{var._value.shape} and name {var.name}.")
            var.assign(value.astype(var._value.dtype, copy=False))

        for name, obj in self._objects.items():
            key = f"{prefix}{name}"
            if isinstance(obj, Variable):
                put(key, obj)
            elif isinstance(obj, Checkpoint):
                unmatched += obj._assign(values, deferred, f"{key}/")
            elif isinstance(obj, Module) and not _is_layer(obj):
                for path, var in _module_variables(obj, key, set()):
                    put(path, var)
            elif _is_optimizer(obj):
                for var in _optimizer_scalars(obj):
                    put(f"{key}/{var.name}", var)
                slot_keys = sorted((k for k in values if k.startswith(f"{key}/slots/")),
                                   key=lambda k: int(k.rsplit("/", 1)[1]))
                if slot_keys and not obj.restore_slot_values([values.pop(k) for k in slot_keys]):
                    deferred.extend(slot_keys)  # applied when the optimizer builds its slots
            else:
                for i, var in enumerate(obj.weights):
                    put(f"{key}/weights/{i}", var)
        return unmatched

    # -- files ---------------------------------------------------------------------------------
    def write(self, file_prefix: str, options: Any = None) -> str:
        """Write the values to ``file_prefix`` (no counter, no ``checkpoint`` file)."""
        file_prefix = os.fspath(file_prefix)
        values = self._values()
        if self._save_counter is not None:
            values["save_counter"] = np.asarray(self._save_counter._value)
        directory = os.path.dirname(file_prefix)
        if directory:
            os.makedirs(directory, exist_ok=True)
        buffer = io.BytesIO()
        np.savez(buffer, **{f"v{i}": v for i, v in enumerate(values.values())})
        index = {key: {"entry": f"v{i}", "shape": list(v.shape), "dtype": v.dtype.name}
                 for i, (key, v) in enumerate(values.items())}
        _write_atomically(file_prefix + _DATA_SUFFIX, buffer.getvalue())
        _write_atomically(file_prefix + ".index",
                          json.dumps({"format": "tapescope-checkpoint-1", "values": index},
                                     indent=1).encode())
        return file_prefix

    def save(self, file_prefix: str, options: Any = None) -> str:
        """Write ``<file_prefix>-<n>`` (n counts saves) and name it in the ``checkpoint``
        file that ``tf.train.latest_checkpoint`` reads."""
        self.save_counter.assign_add(1)
        path = self.write(f"{os.fspath(file_prefix)}-{int(self.save_counter._value)}")
        directory = os.path.dirname(path) or "."
        name = os.path.relpath(path, directory)
        _write_atomically(os.path.join(directory, "checkpoint"),
                          f'model_checkpoint_path: "{name}"\n'
                          f'all_model_checkpoint_paths: "{name}"\n'.encode())
        return path

    def read(self, save_path: str, options: Any = None) -> CheckpointLoadStatus:
        """Restore from ``save_path``, a path ``write`` or ``save`` returned."""
        values = _load(os.fspath(save_path))
        counter = values.pop("save_counter", None)
        if counter is not None:
            self.save_counter.assign(counter)
        deferred: list[str] = []
        unmatched = self._assign(values, deferred)
        return CheckpointLoadStatus(sorted(values) + deferred, unmatched)

    def restore(self, save_path: str | None, options: Any = None) -> CheckpointLoadStatus:
        """Like ``read``; ``None`` (no checkpoint yet, from ``latest_checkpoint``) restores
        nothing, so a training script can start fresh or resume with the same line."""
        if save_path is None:
            return CheckpointLoadStatus([], [])
        return self.read(save_path, options)


def _write_atomically(path: str, data: bytes) -> None:
    """A crash mid-save leaves the previous file, never half of a new one."""
    partial = path + ".tmp"
    with open(partial, "wb") as f:
        f.write(data)
    os.replace(partial, path)


def _load(save_path: str) -> dict[str, np.ndarray]:
    index_path, data_path = save_path + ".index", save_path + _DATA_SUFFIX
    if not (os.path.exists(index_path) and os.path.exists(data_path)):
        raise errors.NotFoundError(
            None, None, f"Error when restoring from checkpoint or SavedModel at {save_path}: "
            f"Unsuccessful TensorSliceReader constructor: Failed to find any matching files "
            f"for {save_path}\nPlease double-check that the path is correct. You may be missing "
            "the checkpoint suffix (e.g. the '-1' in 'path/to/ckpt-1').")
    with open(index_path, encoding="utf-8") as f:
        index = json.load(f)["values"]
    with np.load(data_path, allow_pickle=False) as data:
        return {key: data[entry["entry"]] for key, entry in index.items()}


def latest_checkpoint(checkpoint_dir: str, latest_filename: str | None = None) -> str | None:
    """The path the last ``save`` in ``checkpoint_dir`` wrote, or None when there is none."""
    state = os.path.join(os.fspath(checkpoint_dir), latest_filename or "checkpoint")
    if not os.path.exists(state):
        return None
    with open(state, encoding="utf-8") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key.strip() == "model_checkpoint_path":
                path = os.path.join(os.fspath(checkpoint_dir), value.strip().strip('"'))
                return path if os.path.exists(path + ".index") else None
    return None


def list_variables(ckpt_dir_or_file: str) -> list[tuple[str, list[int]]]:
    """(key, shape) of every value in a checkpoint (a directory: its latest), sorted, with
    TensorFlow's entry for the object graph."""
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given "
                             f"directory {path}")
        path = latest
    values = _load(path)
    return sorted([("_CHECKPOINTABLE_OBJECT_GRAPH", []),
                   *((key, list(v.shape)) for key, v in values.items())])
