"""``tf.print``: one PrintV2 op that formats its tensors the way TensorFlow's kernel does.

The op runs for its effect alone. Eagerly it prints at once; inside a ``tf.function`` it
becomes a graph node (not executed at trace time), so every call of the function prints,
as in TensorFlow. TensorFlow's text differs from ``repr``: ``[1 2 3]``, the first and last
``summarize`` entries of each dimension around ``...``, booleans as 1/0, float32 with the
shortest of 6 or 9 significant digits that reads back the same (15 or 17 for float64).
"""

from __future__ import annotations

import os
import pprint
import sys
from typing import Any

import numpy as np

from engine import nest
from engine.context import STATE
from engine.ops.registry import defop, execute
from engine.tensor import Tensor

_STREAMS = {"stdout", "stderr"}


def _format_element(x: Any) -> str:
    if isinstance(x, bytes | np.bytes_ | str | np.str_):
        text = x.decode(errors="backslashreplace") if isinstance(x, bytes) else str(x)
        return '"' + text.encode("unicode_escape").decode().replace('"', '\\"') + '"'
    if isinstance(x, np.bool_ | bool):
        return "1" if x else "0"
    if isinstance(x, np.floating):
        if np.isnan(x):
            return "nan"
        if np.isinf(x):
            return "inf" if x > 0 else "-inf"
        # TensorFlow's FloatToBuffer/DoubleToBuffer: the short form if it reads back exactly
        short, long_ = (15, 17) if x.dtype == np.float64 else (6, 9)
        text = f"{float(x):.{short}g}"
        return text if x.dtype.type(text) == x else f"{float(x):.{long_}g}"
    return str(x)


def _spacing(dim: int, ndim: int) -> str:
    if dim == ndim - 1:
        return " "
    return "\n" * (ndim - dim - 1) + " " * (dim + 1)


def format_tensor(array: np.ndarray, summarize: int = 3) -> str:
    """A tensor as tf.print shows it (TensorFlow's ``SummarizeValue`` in its print_v2 form)."""
    array = np.asarray(array)
    if array.ndim == 0:
        return _format_element(array[()])
    if array.size == 0:
        return "[]"
    ends = array.size if summarize is None or summarize < 0 else int(summarize)

    def dim_text(index: tuple, dim: int) -> str:
        if dim == array.ndim:
            return _format_element(array[index])
        count = array.shape[dim]
        head = range(min(ends, count))
        tail = range(max(ends, count - ends), count)
        parts = [dim_text(index + (i,), dim + 1) for i in head]
        if count > 2 * ends:
            parts.append("...")
        parts += [dim_text(index + (i,), dim + 1) for i in tail]
        return "[" + _spacing(dim, array.ndim).join(parts) + "]"

    return dim_text((), 0)


@defop("PrintV2", num_outputs=0, differentiable=False)
def _print_v2(*tensors, template, placeholder, summarize, output_stream, end):
    """Writes the template with each placeholder replaced by the next tensor's text."""
    if STATE.dry_run:  # a traced loop run for its values at trace time prints nothing
        return ()
    pieces = template.split(placeholder)
    text = pieces[0]
    for tensor, piece in zip(tensors, pieces[1:]):
        text += format_tensor(tensor, summarize) + piece
    if output_stream in _STREAMS:
        stream = getattr(sys, output_stream)
        stream.write(text + end)
        stream.flush()
    else:  # "file://<path>": appended, as TensorFlow does
        with open(output_stream.removeprefix("file://"), "a", encoding="utf-8") as file:
            file.write(text + end)
    return ()


PRINT = _print_v2


def _stream_name(output_stream: Any) -> str:
    if output_stream is sys.stdout:
        return "stdout"
    if output_stream is sys.stderr:
        return "stderr"
    if isinstance(output_stream, str) and output_stream.startswith("file://"):
        return output_stream
    raise ValueError(f"Unsupported output stream, logging level, or file.{output_stream}. "
                     "Supported streams are sys.stdout, sys.stderr, tf.logging.info, "
                     "tf.logging.warning, tf.logging.error. File needs to be in the form of "
                     "'file://<filepath>'.")


def _placeholder(text: str) -> str:
    """A marker that occurs nowhere in the text around the tensors (TensorFlow's trick)."""
    n = 0
    while f"{{{n}}}" in text:
        n += 1
    return f"{{{n}}}"


def print_v2(*inputs: Any, **kwargs: Any) -> None:
    """``tf.print``: prints every time it runs (each call of a tf.function, not its trace)."""
    output_stream = kwargs.pop("output_stream", sys.stderr)
    kwargs.pop("name", None)
    summarize = kwargs.pop("summarize", 3)
    sep = kwargs.pop("sep", " ")
    end = kwargs.pop("end", os.linesep)
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments for tf.print: {kwargs}")
    stream = _stream_name(output_stream)
    if (len(inputs) == 1 and isinstance(inputs[0], Tensor) and inputs[0]._value.ndim == 0
            and inputs[0]._value.dtype.kind in "OSU"):  # one string scalar: printed as is
        inputs = (inputs[0]._value[()].decode() if isinstance(inputs[0]._value[()], bytes)
                  else str(inputs[0]._value[()]),)
    free = [nest.map_structure(lambda x: "" if isinstance(x, Tensor) else x, i)
            for i in inputs]
    placeholder = _placeholder(" ".join(pprint.pformat(x) for x in free))
    tensors: list[Tensor] = []
    templates = []
    for item in inputs:
        marks = []
        for leaf in nest.flatten(item):
            if isinstance(leaf, Tensor):
                tensors.append(leaf)
                marks.append(placeholder)
            else:
                marks.append(leaf)
        templates.append(item if isinstance(item, str) else pprint.pformat(
            nest.pack_sequence_as(item, marks)))
    template = sep.join(templates).replace(f"'{placeholder}'", placeholder)
    attrs = {"template": template, "placeholder": placeholder, "summarize": summarize,
             "output_stream": stream, "end": end}
    graph = STATE.graph
    if graph is not None:  # a node that prints when the graph runs, not now
        graph.add_op(PRINT, tuple(tensors), (), attrs)
        return None
    execute(PRINT, tuple(tensors), attrs)
    return None
