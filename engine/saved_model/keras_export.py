"""Keras 3's ``model.export(path)``: a SavedModel with a ``serve`` endpoint (the model's
inference call for a batch of any size), the model's variables as ``variables``,
``trainable_variables`` and ``non_trainable_variables``, and the signatures ``serve`` and
``serving_default``; it prints the endpoints as Keras does."""

from __future__ import annotations

import inspect
from typing import Any

from engine.saved_model.saving import _Saver, keras_serving_function, write_saved_model


class _ExportArchive:
    """What the exported SavedModel's root holds (Keras' ``ExportArchive``)."""

    def __init__(self, model: Any, serve: Any) -> None:
        self.serve = serve
        self.variables = list(model.weights)
        self.trainable_variables = list(model.trainable_weights)
        self.non_trainable_variables = list(model.non_trainable_weights)


def export(model: Any, filepath: Any, format: str = "tf_saved_model",  # noqa: A002
           verbose: bool = True, input_signature: Any = None, **kwargs: Any) -> None:
    """``model.export(filepath)`` in the ``tf_saved_model`` format."""
    if format != "tf_saved_model":
        raise NotImplementedError(f"model.export(format={format!r}): Tapescope exports only "
                                  "format='tf_saved_model'")
    if input_signature is not None or kwargs:
        raise NotImplementedError("model.export: input_signature and other options are not "
                                  "supported by Tapescope; the model's input shape is used")
    serve = keras_serving_function(model, "args_0", "keras_tensor",
                                   inspect.Parameter.POSITIONAL_ONLY, any_batch=True)
    concrete = serve.get_concrete_function()
    archive = _ExportArchive(model, serve)
    saver = _Saver()
    root = saver.obj(archive)
    write_saved_model(saver, root, {"serve": concrete, "serving_default": concrete}, filepath)
    if verbose:
        spec = serve.input_signature[0]
        lines = str(concrete).splitlines()
        print(f"Saved artifact at '{filepath}'. The following endpoints are available:\n\n"
              f"* Endpoint 'serve'\n  args_0 (POSITIONAL_ONLY): {spec!r}\n"
              + "\n".join(lines[lines.index("Output Type:"):]))

