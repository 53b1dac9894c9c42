"""The files of a Tapescope SavedModel directory, written and read back safely.

    <export_dir>/tapescope_saved_model.json   objects, functions (graphs), signatures,
                                               variables' names, dtypes, shapes, files
    <export_dir>/variables/variable_<i>.npy   one value per variable
    <export_dir>/constants.npz                the graphs' constant arrays

No pickle anywhere (``allow_pickle=False`` both ways): a saved model is untrusted input.
Reading checks everything a later step relies on and raises ``SavedModelFormatError``
naming the file and the problem. TensorFlow's own layout (``saved_model.pb``) is not read.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from typing import Any

import numpy as np

from engine.saved_model.codec import SavedModelFormatError, check_array, numpy_dtype, shape_of
from engine.tensor import Variable

FORMAT = "tapescope-saved-model"
VERSION = 1
MANIFEST = "tapescope_saved_model.json"
VARIABLES_DIR = "variables"
CONSTANTS = "constants.npz"
TF_SAVED_MODEL = ("saved_model.pb", "saved_model.pbtxt")
_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,200}\.npy")


def variable_name(var: Variable) -> str:
    """The name a variable is restored with: a Keras weight's path, else its own name."""
    path = getattr(var, "path", None)
    return path if isinstance(path, str) and path else var._name


def write(export_dir: str, manifest: dict, variables: list[Variable],
          arrays: dict[str, np.ndarray]) -> None:
    os.makedirs(os.path.join(export_dir, VARIABLES_DIR), exist_ok=True)
    if os.path.isfile(os.path.join(export_dir, MANIFEST)):  # (an earlier save's: stale now)
        os.remove(os.path.join(export_dir, MANIFEST))
    entries = []
    for i, var in enumerate(variables):
        value = np.asarray(var._value)
        file = f"variable_{i}.npy"
        np.save(os.path.join(export_dir, VARIABLES_DIR, file), value, allow_pickle=False)
        entries.append({"name": variable_name(var), "dtype": value.dtype.name,
                        "shape": list(value.shape), "trainable": bool(var.trainable),
                        "file": file})
    np.savez(os.path.join(export_dir, CONSTANTS), **arrays)
    document = {"format": FORMAT, "version": VERSION, "variables": entries, **manifest}
    # the manifest last, whole or not at all: a save that fails midway leaves no manifest
    # that names files it did not finish
    partial = os.path.join(export_dir, MANIFEST + ".partial")
    with open(partial, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=1)
    os.replace(partial, os.path.join(export_dir, MANIFEST))


def contains(export_dir: Any) -> bool:
    """Whether the directory holds a SavedModel this engine can read."""
    try:
        return os.path.isfile(os.path.join(os.fspath(export_dir), MANIFEST))
    except TypeError:
        return False


def read_manifest(export_dir: str) -> dict:
    path = os.path.join(export_dir, MANIFEST)
    if not os.path.isfile(path):
        if any(os.path.isfile(os.path.join(export_dir, f)) for f in TF_SAVED_MODEL):
            raise SavedModelFormatError(
                f"{export_dir} holds a TensorFlow SavedModel (saved_model.pb): Tapescope's "
                "engine reads only SavedModels saved by its own tf.saved_model.save (and "
                "TensorFlow cannot read those). Load it with TensorFlow instead.")
        raise OSError(f"SavedModel file does not exist at: {export_dir}{os.sep}{{{MANIFEST}}}")
    try:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise SavedModelFormatError(f"{path}: not valid JSON (truncated or damaged?): "
                                    f"{exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SavedModelFormatError(f"{path}: not a Tapescope SavedModel manifest")
    if document.get("version") != VERSION:
        raise SavedModelFormatError(f"{path}: format version {document.get('version')!r} is "
                                    f"not supported (this engine reads version {VERSION})")
    for key, kind in (("variables", list), ("objects", list), ("functions", list),
                      ("concretes", list), ("signatures", dict), ("root", int)):
        if not isinstance(document.get(key), kind) or isinstance(document.get(key), bool):
            raise SavedModelFormatError(f"{path}: missing or malformed {key!r}")
    return document


def read_variables(export_dir: str, entries: list) -> list[Variable]:
    """The saved variables, each value checked against its recorded dtype and shape."""
    folder = os.path.realpath(os.path.join(export_dir, VARIABLES_DIR))
    variables = []
    for i, entry in enumerate(entries):
        where = f"variable #{i}"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise SavedModelFormatError(f"{where}: malformed entry")
        where = f"variable {entry['name']!r}"
        dtype = numpy_dtype(entry.get("dtype"), where)
        shape = shape_of(entry.get("shape"), where)
        if shape is None or None in shape:
            raise SavedModelFormatError(f"{where}: malformed shape {entry.get('shape')!r}")
        file = entry.get("file")
        if not isinstance(file, str) or not _FILE_NAME.fullmatch(file) or ".." in file:
            raise SavedModelFormatError(f"{where}: refused file name {file!r} (a plain "
                                        ".npy name inside variables/ is expected)")
        path = os.path.realpath(os.path.join(folder, file))
        if os.path.dirname(path) != folder:
            raise SavedModelFormatError(f"{where}: file {file!r} lies outside variables/")
        try:
            value = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            raise SavedModelFormatError(f"{where}: its value file variables/{file} is "
                                        "missing") from None
        except (OSError, ValueError, EOFError) as exc:
            raise SavedModelFormatError(f"{where}: variables/{file} is not a readable .npy "
                                        f"file: {exc}") from None
        check_array(value, f"{where} (variables/{file})")
        if value.dtype != dtype or value.shape != shape:
            raise SavedModelFormatError(
                f"{where}: variables/{file} holds {value.dtype.name}{list(value.shape)}, but "
                f"the manifest says {dtype.name}{list(shape)}")
        trainable = entry.get("trainable", True)
        if not isinstance(trainable, bool):
            raise SavedModelFormatError(f"{where}: malformed 'trainable'")
        name = entry["name"]
        variables.append(Variable(value, trainable=trainable, name=name or None))
    return variables


def read_constants(export_dir: str) -> dict[str, np.ndarray]:
    path = os.path.join(export_dir, CONSTANTS)
    if not os.path.isfile(path):
        raise SavedModelFormatError(f"{path}: the graphs' constants file is missing")
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: check_array(archive[key], f"{CONSTANTS}: {key!r}")
                    for key in archive.files}
    except SavedModelFormatError:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as exc:
        raise SavedModelFormatError(f"{path}: not a readable .npz archive: {exc}") from None
