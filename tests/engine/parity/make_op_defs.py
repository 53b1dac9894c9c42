"""Write ``engine/ops/op_defs.json``: for each op the engine declares (and oneDNN's variants
TensorFlow 2.21 runs instead), the parts of TensorFlow's OpDef its registry quotes when an
attr's value is refused ("Value for attr 'T' of int32 is not in the list of allowed values:
...; NodeDef: {{node Sin}}; Op<name=Sin; signature=x:T -> y:T; attr=T:type,allowed=[...]>").

Needs TensorFlow 2.21 (like make_fixtures.py). From the repository root:

    python tests/engine/parity/make_op_defs.py

and commit the rewritten file. The engine renders the text from it (engine/ops/op_defs.py).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402,F401
from tensorflow.core.framework import types_pb2  # noqa: E402
from tensorflow.python.framework import kernels, op_def_registry  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]

# ops the engine may find no kernel for ("Could not find device for node"): their registered
# kernels, per device, as TensorFlow lists them
NO_KERNEL_OPS = ["Multinomial", "Reciprocal", "MatrixDeterminant", "LogMatrixDeterminant",
                 "Cholesky", "MatrixSolve", "MatrixTriangularSolve", "Svd", "SelfAdjointEigV2",
                 "MatrixSquareRoot", "MatrixExponential", "MatrixLogarithm", "Lu", "Einsum"]
# ops the engine names in its errors without declaring them (composites, raise sites)
EXTRA = ["Neg", "Sqrt", "Sum", "Greater", "Maximum", "Minimum", "OneHot", "GatherV2",
         "StridedSlice", "StatelessRandomGetKeyCounter", "MatrixInverse", "Cholesky"]


def type_name(code: int) -> str:
    return types_pb2.DataType.Name(code)


def summarize_value(value: object) -> str:
    """TensorFlow's SummarizeAttrValue for the kinds of values an OpDef's attrs hold."""
    kind = value.WhichOneof("value")
    if kind == "b":
        return "true" if value.b else "false"
    if kind == "i":
        return str(value.i)
    if kind == "f":
        return f"{value.f:g}"
    if kind == "s":
        return '"' + value.s.decode() + '"'
    if kind == "type":
        return type_name(value.type)
    if kind == "shape":
        if value.shape.unknown_rank:
            return "<unknown>"
        return "[" + ",".join("?" if d.size < 0 else str(d.size) for d in value.shape.dim) + "]"
    if kind == "list":
        items = ([f'"{s.decode()}"' for s in value.list.s] + [str(i) for i in value.list.i]
                 + [f"{f:g}" for f in value.list.f] + [type_name(t) for t in value.list.type]
                 + ["true" if b else "false" for b in value.list.b])
        return "[" + ", ".join(items) + "]"
    return ""


def summarize_args(args: object) -> str:
    out = []
    for arg in args:
        kind = (f"{arg.number_attr}*" if arg.number_attr else "") + (
            arg.type_attr or arg.type_list_attr or type_name(arg.type)[3:].lower())
        out.append(f"{arg.name}:{'Ref(' + kind + ')' if arg.is_ref else kind}")
    return ", ".join(out)


def entry(name: str) -> dict | None:
    op_def = op_def_registry.get(name)
    if op_def is None:
        return None
    attrs = []  # [name, type, default, minimum, allowed values], None where the OpDef has none
    for attr in op_def.attr:
        attrs.append([
            attr.name, attr.type,
            summarize_value(attr.default_value) if attr.HasField("default_value") else None,
            attr.minimum if attr.has_minimum else None,
            summarize_value(attr.allowed_values) if attr.HasField("allowed_values") else None])
    registered = []  # [device, label, [[attr, allowed], ...]] per kernel, in registry order
    if name in NO_KERNEL_OPS:
        for kernel in kernels.get_registered_kernels_for_op(name).kernel:
            registered.append([kernel.device_type, kernel.label,
                               [[c.name, summarize_value(c.allowed_values)]
                                for c in kernel.constraint]])
    flags = [flag for flag in ("is_commutative", "is_aggregate", "is_stateful",
                               "allows_uninitialized_input", "is_distributed_communication")
             if getattr(op_def, flag)]
    return {"signature": f"{summarize_args(op_def.input_arg)} -> "
                         f"{summarize_args(op_def.output_arg)}",
            "attrs": attrs, "flags": flags, **({"kernels": registered} if registered else {})}


def main() -> None:
    tf.constant(0)  # the runtime registers its XLA kernels when it starts
    # the engine's ops, read from its source (its environment is not TensorFlow's)
    declared = {m for path in (ROOT / "engine").rglob("*.py")
                for m in re.findall(r'defop\(\s*"(\w+)"', path.read_text())}
    onednn = re.findall(r'"_(_Mkl\w+)"', (ROOT / "engine" / "errors.py").read_text())
    # and oneDNN's variants ("_MklNativeAvgPool")
    names = sorted(declared | set(EXTRA) | set(NO_KERNEL_OPS)) + sorted(onednn)
    table = {name: e for name in names if (e := entry(name)) is not None}
    target = ROOT / "engine" / "ops" / "op_defs.json"
    lines = [f"{json.dumps(name)}: {json.dumps(e, sort_keys=True)}" for name, e in table.items()]
    target.write_text(f'{{"tensorflow": "{tf.__version__}", "ops": {{\n'
                      + ",\n".join(lines) + "\n}}\n")
    print(f"{len(table)} ops from TensorFlow {tf.__version__} -> {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
