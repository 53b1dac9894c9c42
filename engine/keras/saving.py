"""Saving and loading models: ``model.save(path)`` and ``models.load_model(path)``.

Format (``tapescope-keras-model``, version 1): ``path`` is a folder holding two files.

``model.json``
    ``{"format": "tapescope-keras-model", "format_version": 1, "engine_version": ...,
    "class_name": "Sequential", "config": {...}, "build_input_shape": [null, 784] | null,
    "compile_config": {"optimizer": {...}, "loss": ..., "metrics": [...]} | null,
    "weights": [{"name": "dense/kernel:0", "shape": [784, 128], "dtype": "float32"}, ...]}``.
    ``config`` is ``model.get_config()``: for Sequential the layer configs in order
    (an InputLayer first when the input shape is known); for functional models the
    layer configs, the layer calls as ``nodes`` (topological order; a tensor is
    ``{"node": i, "index": j}``) and the ``inputs``/``outputs`` tensor references;
    for subclassed models the constructor arguments (the class is found by name among
    the Layer/Model classes defined in the running program, or in ``custom_objects``).

``weights.npz``
    ``numpy.savez`` of the weight arrays in ``model.weights`` order, keys ``w00000`` …
    Loaded with ``allow_pickle=False``: a saved model can never run code.

Files are written under temporary names and renamed, so an interrupted save leaves
the previous model intact. Optimizer state (slots) is not saved: a loaded model is
recompiled with fresh optimizer state.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from engine.keras import losses, optimizers
from engine.keras import metrics as metrics_module
from engine.keras.layers.base import LAYER_CLASSES, KerasTensor, Layer

FORMAT = "tapescope-keras-model"
FORMAT_VERSION = 1
CONFIG_FILE = "model.json"
WEIGHTS_FILE = "weights.npz"


# -- layer and model configs --------------------------------------------------------------------

def _builtin_classes() -> dict[str, type]:
    from engine.keras import layers, models

    table = {name: obj for name, obj in vars(layers).items()
             if isinstance(obj, type) and issubclass(obj, Layer)}
    table.update({"Model": models.Model, "Functional": models.Model,
                  "Sequential": models.Sequential})
    return table


def _class_key(layer: Layer) -> str:
    cls = type(layer)
    builtin = _builtin_classes()
    if builtin.get(cls.__name__) is cls:
        return cls.__name__
    return f"{cls.__module__}.{cls.__qualname__}"


def _find_class(name: str, custom_objects: dict | None) -> type:
    if custom_objects:
        if name in custom_objects:
            return custom_objects[name]
        short = name.rsplit(".", 1)[-1]
        if short in custom_objects:
            return custom_objects[short]
    builtin = _builtin_classes()
    if name in builtin:
        return builtin[name]
    if name in LAYER_CLASSES:
        return LAYER_CLASSES[name]
    raise ValueError(f"Unknown layer or model class: '{name}'. Define the class before loading, "
                     "or pass it in `custom_objects={'" + name.rsplit(".", 1)[-1] + "': cls}`.")


def layer_config(layer: Layer) -> dict:
    return {"class_name": _class_key(layer), "config": layer.get_config()}


def layer_from_config(item: dict, custom_objects: dict | None = None) -> Any:
    cls = _find_class(item["class_name"], custom_objects)
    config = dict(item.get("config", {}))
    from engine.keras.models import Model

    if issubclass(cls, Model):
        return cls.from_config(config, custom_objects=custom_objects)
    return cls.from_config(config)


model_from_config = layer_from_config


def _encode(structure: Any, refs: dict[int, list[int]]) -> Any:
    if isinstance(structure, KerasTensor):
        return {"node": refs[id(structure.node)][0], "index": structure.index}
    if isinstance(structure, list | tuple):
        return [_encode(s, refs) for s in structure]
    if isinstance(structure, dict):
        return {k: _encode(v, refs) for k, v in structure.items()}
    return structure


def _decode(structure: Any, outputs: list) -> Any:
    if isinstance(structure, dict) and set(structure) == {"node", "index"}:
        produced = outputs[structure["node"]]
        flat = produced if isinstance(produced, list) else [produced]
        return flat[structure["index"]]
    if isinstance(structure, list):
        return [_decode(s, outputs) for s in structure]
    if isinstance(structure, dict):
        return {k: _decode(v, outputs) for k, v in structure.items()}
    return structure


def functional_config(model: Any) -> dict:
    """Layers, the calls between them (nodes) and the model's input/output tensors."""
    refs = {id(node): [i] for i, node in enumerate(model._graph_nodes)}
    nodes = [{"layer": node.layer.name, "args": _encode(node.args, refs),
              "kwargs": node.kwargs} for node in model._graph_nodes]
    return {"name": model.name, "trainable": model.trainable,
            "layers": [layer_config(layer) for layer in model._graph_layers], "nodes": nodes,
            "inputs": _encode(model._nested_inputs, refs),
            "outputs": _encode(model._nested_outputs, refs)}


def functional_from_config(cls: type, config: dict, custom_objects: dict | None = None) -> Any:
    from engine.keras.layers.input_layer import InputLayer

    by_name = {}
    for item in config["layers"]:
        layer = layer_from_config(item, custom_objects)
        by_name[layer.name] = layer
    outputs: list = []
    for node in config["nodes"]:
        layer = by_name[node["layer"]]
        if isinstance(layer, InputLayer):
            outputs.append(layer.output_tensor)
            continue
        result = layer(_decode(node["args"], outputs), **node.get("kwargs", {}))
        outputs.append(list(result) if isinstance(result, list | tuple) else result)
    model = cls(inputs=_decode(config["inputs"], outputs),
                outputs=_decode(config["outputs"], outputs), name=config.get("name"))
    model.trainable = config.get("trainable", True)
    return model


# -- compile settings ------------------------------------------------------------------------

def _compile_config(model: Any) -> dict | None:
    cfg = model._compile_config
    if cfg is None:
        return None
    opt = model.optimizer
    metrics = [metrics_module.serialize(m) for m in (cfg["metrics"] or [])]
    return {"optimizer": {"class_name": type(opt).__name__, "config": opt.get_config()},
            "loss": losses.serialize(losses.get(cfg["loss"])) if cfg["loss"] is not None
            else None,
            "metrics": [m for m in metrics if m is not None]}


def _recompile(model: Any, cfg: dict) -> None:
    opt_cfg = cfg.get("optimizer") or {}
    opt_cls = getattr(optimizers, opt_cfg.get("class_name", ""), None)
    if opt_cls is None or not isinstance(opt_cls, type):
        return
    loss = cfg.get("loss")
    model.compile(optimizer=opt_cls(**opt_cfg.get("config", {})),
                  loss=losses.get(loss) if loss is not None else None,
                  metrics=cfg.get("metrics") or None)


# -- files ----------------------------------------------------------------------------------------

def _write_atomically(path: Path, write: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        write(f)
    os.replace(tmp, path)


def _save_arrays(f: Any, arrays: list[np.ndarray]) -> None:
    np.savez(f, **{f"w{i:05d}": a for i, a in enumerate(arrays)})


def save_model(model: Any, filepath: Any, overwrite: bool = True) -> None:
    """Write ``filepath/model.json`` and ``filepath/weights.npz`` (see the module docstring)."""
    import engine

    if not model.built:
        raise ValueError("This model has not yet been built. Build the model first by calling "
                         "`build()` or by calling the model on a batch of data.")
    folder = Path(os.fspath(filepath))
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"Cannot save the model to '{folder}': it is a file; model.save writes "
                         "a folder (model.json + weights.npz).")
    if folder.exists() and (folder / CONFIG_FILE).exists() and not overwrite:
        raise FileExistsError(f"A saved model already exists at '{folder}' (overwrite=False).")
    weights = model.weights
    document = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "engine_version": getattr(engine, "ENGINE_BUILD", None),
        "class_name": _class_key(model), "config": model.get_config(),
        "build_input_shape": _jsonable_shape(model._build_input_shape),
        "compile_config": _compile_config(model),
        "weights": [{"name": v.name, "shape": list(v._value.shape),
                     "dtype": v._value.dtype.name} for v in weights],
    }
    text = json.dumps(document, indent=2)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = [np.array(v._value) for v in weights]
    _write_atomically(folder / WEIGHTS_FILE, lambda f: _save_arrays(f, arrays))
    _write_atomically(folder / CONFIG_FILE, lambda f: f.write(text.encode("utf-8")))


def _jsonable_shape(shape: Any) -> Any:
    if shape is None:
        return None
    if isinstance(shape, list | tuple) and any(isinstance(s, list | tuple) for s in shape):
        return [_jsonable_shape(s) for s in shape]
    return [None if d is None else int(d) for d in shape]


def _read_document(folder: Path) -> dict:
    path = folder / CONFIG_FILE
    if not path.is_file():
        raise OSError(f"No saved model at '{folder}': '{path}' is missing. model.save writes a "
                      f"folder holding {CONFIG_FILE} and {WEIGHTS_FILE}.")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"Cannot load model: '{path}' is truncated or corrupt ({exc}).") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"Cannot load model: '{path}' is not a Tapescope saved model "
                         f"(missing \"format\": \"{FORMAT}\").")
    if document.get("format_version", 0) > FORMAT_VERSION:
        raise ValueError(f"Cannot load model: '{path}' has format version "
                         f"{document.get('format_version')}, newer than this Tapescope "
                         f"understands ({FORMAT_VERSION}).")
    for key in ("class_name", "config", "weights"):
        if key not in document:
            raise ValueError(f"Cannot load model: '{path}' is truncated or corrupt (no {key!r}).")
    return document


def read_arrays(path: Path, expected: int | None = None) -> list[np.ndarray]:
    """The arrays of a weights file, or one ValueError naming the file if it is damaged."""
    if not path.is_file():
        raise OSError(f"Cannot load weights: '{path}' is missing.")
    try:
        with np.load(path, allow_pickle=False) as archive:
            keys = sorted(archive.files)
            arrays = [np.array(archive[k]) for k in keys]
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError,
            zipfile.LargeZipFile) as exc:
        raise ValueError(f"Cannot load weights: '{path}' is truncated or corrupt "
                         f"({type(exc).__name__}: {exc}).") from None
    if expected is not None and len(arrays) != expected:
        raise ValueError(f"Cannot load weights: '{path}' holds {len(arrays)} arrays but the "
                         f"model description lists {expected}; the files do not belong "
                         "together or one is corrupt.")
    return arrays


def _assign(model: Any, arrays: list[np.ndarray], path: Path) -> None:
    params = model.weights
    if len(params) != len(arrays):
        raise ValueError(f"Cannot load weights from '{path}': the model has {len(params)} "
                         f"weights but the file holds {len(arrays)}.")
    for v, a in zip(params, arrays):
        if a.shape != v._value.shape:
            raise ValueError(f"Cannot load weights from '{path}': {v.name} has shape "
                             f"{v._value.shape} but the file holds {a.shape}.")
    for v, a in zip(params, arrays):
        v.assign(a.astype(v._value.dtype, copy=False))


def load_model(filepath: Any, custom_objects: dict | None = None, compile: bool = True) -> Any:
    """Rebuild the model saved in the folder ``filepath``, with its exact weights."""
    folder = Path(os.fspath(filepath))
    if not folder.exists():
        raise OSError(f"No file or directory found at {filepath}")
    if not folder.is_dir():
        raise ValueError(f"Cannot load model from '{folder}': expected a folder written by "
                         f"model.save (holding {CONFIG_FILE} and {WEIGHTS_FILE}).")
    document = _read_document(folder)
    arrays = read_arrays(folder / WEIGHTS_FILE, expected=len(document["weights"]))
    try:
        model = layer_from_config({"class_name": document["class_name"],
                                   "config": document["config"]}, custom_objects)
    except (KeyError, TypeError, IndexError) as exc:
        raise ValueError(f"Cannot load model: '{folder / CONFIG_FILE}' describes a model this "
                         f"code cannot rebuild ({type(exc).__name__}: {exc}).") from None
    shape = document.get("build_input_shape")
    if not model.built and shape is not None:
        model.build(tuple(shape))
    _assign(model, arrays, folder / WEIGHTS_FILE)
    if compile and document.get("compile_config"):
        _recompile(model, document["compile_config"])
    return model


def save_weights(model: Any, filepath: Any, overwrite: bool = True) -> None:
    """Write the weights alone to the npz file ``filepath`` (no suffix is added)."""
    path = Path(os.fspath(filepath))
    if path.exists() and not overwrite:
        raise FileExistsError(f"'{path}' exists (overwrite=False).")
    arrays = [np.array(v._value) for v in model.weights]
    _write_atomically(path, lambda f: _save_arrays(f, arrays))


def load_weights(model: Any, filepath: Any) -> None:
    path = Path(os.fspath(filepath))
    if path.is_dir():
        path = path / WEIGHTS_FILE
    _assign(model, read_arrays(path), path)
