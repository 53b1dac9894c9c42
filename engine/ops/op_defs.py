"""TensorFlow's error for an attr value an op's registry refuses, rendered from the op's
OpDef (``op_defs.json``, written from TensorFlow 2.21 by
tests/engine/parity/make_op_defs.py): "Value for attr 'T' of int32 is not in the list of
allowed values: ...\\n\\t; NodeDef: {{node Sin}}; Op<name=Sin; signature=x:T -> y:T; ...>"."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from engine import errors


@cache
def _table() -> dict:
    """Read on the first refused attr only: the file is 40 kB the engine seldom needs."""
    return json.loads(Path(__file__).with_name("op_defs.json").read_text())["ops"]


def summarize(op: str) -> str | None:
    """TensorFlow's SummarizeOpDef of ``op``: "Op<name=...; signature=...; attr=...>"."""
    entry = _table().get(op)
    if entry is None:
        return None
    parts = [f"Op<name={op}", f"signature={entry['signature']}"]
    for name, kind, default, minimum, allowed in entry["attrs"]:
        text = f"attr={name}:{kind}"
        if default is not None:
            text += f",default={default}"
        if minimum is not None:
            text += f",min={minimum}"
        if allowed is not None:
            text += f",allowed={allowed}"
        parts.append(text)
    parts += [f"{flag}=true" for flag in entry["flags"]]
    return "; ".join(parts) + ">"


def attr_names(op: str) -> list[str] | None:
    """The names of ``op``'s attrs in its OpDef (None for an op the table lacks)."""
    entry = _table().get(op)
    return None if entry is None else [attr[0] for attr in entry["attrs"]]


def _allowed(op: str, attr: str) -> str | None:
    """The attr's allowed values as the first line lists them: ``int32, int64`` for types
    (TensorFlow's DataTypeString), ``"SAME", "VALID"`` for strings."""
    for name, _, _, _, allowed in _table().get(op, {}).get("attrs", ()):
        if name == attr and allowed is not None:
            items = allowed[1:-1].split(", ")
            return ", ".join(item[3:].lower() if item.startswith("DT_") else item
                             for item in items)
    return None


def attr_not_allowed(op_type: str, attr: str, value: str, dtype: str | None = None,
                     fallback: str = "") -> errors.InvalidArgumentError:
    """The error for ``attr`` of ``value`` (a dtype as TensorFlow spells it, ``int32``,
    ``float``; or a quoted string) refused by ``op_type``'s registry. The node is oneDNN's
    where TensorFlow runs it for inputs of ``dtype``; ``fallback`` lists what is allowed for
    an op the table lacks."""
    node = op_type
    if dtype in errors._ONEDNN_DTYPES and op_type in errors._ONEDNN:
        node = errors._ONEDNN[op_type][1:]  # "__MklNativeAvgPool" names "_MklNativeAvgPool"
    allowed, summary = _allowed(node, attr), summarize(node)
    if allowed is None or summary is None:
        return errors.InvalidArgumentError(
            None, op_type, f"Value for attr '{attr}' of {value} is not in the list of allowed "
            f"values{fallback} [Op:{op_type}]")
    return errors.InvalidArgumentError(
        None, op_type, f"Value for attr '{attr}' of {value} is not in the list of allowed "
        f"values: {allowed}\n\t; NodeDef: {{{{node {node}}}}}; {summary} [Op:{op_type}]")


def no_kernel(op_type: str, attrs: dict[str, object]) -> errors.NotFoundError:
    """TensorFlow's error for a node no device has a kernel for: the node with its attrs
    (``Reciprocal[T=DT_INT32]``, a dtype as ``DT_INT32``, in attr-name order) and every kernel
    registered for the op, per device, from the table."""
    node = f"{op_type}[" + ", ".join(f"{k}={v}" for k, v in sorted(attrs.items())) + "]"
    text = f"Could not find device for node: {{{{node {op_type}}}}} = {node}"
    registered = _table().get(op_type, {}).get("kernels")
    if registered:
        lines = []
        for device, label, constraints in registered:
            line = f"  device='{device}'" + (f"; label='{label}'" if label else "")
            lines.append(line + "".join(f"; {name} in {allowed}"
                                        for name, allowed in constraints) + "\n")
        text += f"\nAll kernels registered for op {op_type}:\n" + "".join(lines)
    return errors.NotFoundError(None, op_type, f"{text} [Op:{op_type}]")


def dtype_enum(name: str) -> str:
    """A dtype as NodeDefs print it: ``float32`` -> ``DT_FLOAT``, ``float16`` -> ``DT_HALF``."""
    return "DT_" + _ENUM_NAME.get(name, name).upper()


_ENUM_NAME = {"float32": "float", "float64": "double", "float16": "half"}
