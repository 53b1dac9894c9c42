"""``tf.einsum``: one Einsum op whose gradient is Einsum again (so it differentiates to any
order), with the equation normalized first: implicit outputs made explicit, and ``...``
spelled out as letters after broadcasting the operands' ellipsis axes to one shape (the
broadcast is a recorded BroadcastTo, whose gradient sums back)."""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from engine import errors
from engine.ops._args import tensors
from engine.ops.array_ops import broadcast_to, reshape
from engine.ops.registry import defop, execute
from engine.tensor import Tensor, wrap


@defop("Einsum", num_outputs=1)
def _einsum(*xs, equation):
    """Σ over the letters missing from the output of the product of the operands."""
    return np.asarray(np.einsum(equation, *xs, optimize=len(xs) > 1))


EINSUM = _einsum


@EINSUM.gradient
def _(op, dy):
    """d operand i = einsum(out, other operands -> operand i's letters), broadcast along the
    letters only operand i had (summed away in the forward)."""
    inputs_spec, out = op.attrs["equation"].split("->")
    specs = inputs_spec.split(",")
    grads = []
    for i, (x, spec) in enumerate(zip(op.inputs, specs)):
        if not op.needs(i) or x._value.dtype.kind != "f":
            grads.append(None)
            continue
        unique = "".join(dict.fromkeys(spec))  # a repeated letter reads a diagonal
        sizes = dict(zip(spec, x._value.shape))
        others = [s for j, s in enumerate(specs) if j != i]
        seen = set(out).union(*others)
        kept = "".join(c for c in unique if c in seen)
        operands = [dy] + [t for j, t in enumerate(op.inputs) if j != i]
        g = execute(EINSUM, tuple(operands),
                    {"equation": ",".join([out] + others) + "->" + kept})
        if kept != unique:  # letters summed in the forward: every element got the same dy
            shape = [sizes[c] for c in unique]
            g = broadcast_to(reshape(g, [d if c in seen else 1 for c, d in zip(unique, shape)]),
                             shape)
        if unique != spec:
            g = _onto_diagonal(g, unique, spec, sizes, x._value.dtype)
        grads.append(g)
    return tuple(grads)


def _onto_diagonal(g: Tensor, unique: str, spec: str, sizes: dict, dtype: np.dtype) -> Tensor:
    """g (one axis per distinct letter) placed on the diagonals a repeated letter read:
    each repeat gets a fresh letter tied to the first by an identity matrix."""
    spare = iter(c for c in string.ascii_letters if c not in spec)
    full, eyes, tied = [], [], set()
    for c in spec:
        if c in tied:
            fresh = next(spare)
            eyes.append(c + fresh)
            full.append(fresh)
        else:
            tied.add(c)
            full.append(c)
    identities = [wrap(np.eye(sizes[pair[0]], dtype=dtype)) for pair in eyes]
    return execute(EINSUM, (g, *identities),
                   {"equation": ",".join([unique, *eyes]) + "->" + "".join(full)})


def _parse(equation: str, xs: tuple) -> tuple[str, list[Tensor]]:
    """An explicit equation without ``...``, and the operands broadcast to match it."""
    eq = equation.replace(" ", "")
    inputs_spec, arrow, out = eq.partition("->")
    specs = inputs_spec.split(",")
    if len(specs) != len(xs):
        raise ValueError(f'Got {len(xs)} inputs for equation "{equation}", expecting '
                         f"{len(specs)}")
    letters = set("".join(specs + [out]).replace(".", ""))
    if not letters <= set(string.ascii_letters):
        raise ValueError(f"Invalid character in einsum equation: {equation!r}")
    spare = [c for c in string.ascii_letters if c not in letters]
    ranks = []
    for i, (spec, x) in enumerate(zip(specs, xs)):
        named = len(spec.replace("...", ""))
        if named > x._value.ndim or ("..." not in spec and named != x._value.ndim):
            at_least = "at least " if "..." in spec else ""
            raise errors.wrapped_kernel(errors.InvalidArgumentError(  # the kernel's check
                None, "Einsum", f"Expected input {i} to have rank {at_least}{named} but got: "
                f"{x._value.ndim} [Op:Einsum]"), x.dtype.name, N=len(xs))
        ranks.append(x._value.ndim - named if "..." in spec else 0)
    width = max(ranks, default=0)
    ell = "".join(spare[:width])
    if width:  # the ellipsis axes of every operand broadcast together, right-aligned
        shapes = [x._value.shape[spec.index("..."):spec.index("...") + r] if "..." in spec
                  else () for spec, x, r in zip(specs, xs, ranks)]
        common = np.broadcast_shapes(*shapes)
        new = []
        for spec, x, r in zip(specs, xs, ranks):
            if "..." in spec:
                at = spec.index("...")
                target = list(x._value.shape[:at]) + list(common) + list(x._value.shape[at + r:])
                if r < width or tuple(x._value.shape) != tuple(target):
                    x = broadcast_to(reshape(x, list(x._value.shape[:at]) + [1] * (width - r) +
                                             list(x._value.shape[at:])), target)
            new.append(x)
        xs = tuple(new)
    specs = [s.replace("...", ell) for s in specs]
    if not arrow:  # implicit: ellipsis axes, then the letters seen once, alphabetically
        joined = "".join(specs)
        out = ell + "".join(sorted(c for c in set(joined) - set(ell) if joined.count(c) == 1))
    elif "..." in out:
        out = out.replace("...", ell)
    elif width:
        raise ValueError(f"Output subscripts of {equation!r} need '...' for the operands' "
                         "ellipsis axes.")
    if len(set(out)) != len(out) or not set(out) <= set("".join(specs)):
        raise ValueError(f"Invalid output subscripts in einsum equation {equation!r}")
    return ",".join(specs) + "->" + out, list(xs)


def einsum(equation: str, *inputs: Any, **kwargs: Any) -> Tensor:
    """``tf.einsum``: products and sums named by subscripts (``'bij,bjk->bik'`` is a batch
    matmul, ``'ij->ji'`` a transpose, ``'ij->'`` a sum)."""
    xs = tensors(list(inputs), "Einsum")
    eq, xs = _parse(equation, xs)
    sizes: dict[str, int] = {}
    for spec, x in zip(eq.split("->")[0].split(","), xs):
        for axis, (c, d) in enumerate(zip(spec, x._value.shape)):
            if sizes.setdefault(c, d) != d:
                raise errors.wrapped_kernel(errors.InvalidArgumentError(
                    None, "Einsum", f"Expected dimension {sizes[c]} at axis {axis} of the "
                    f"input shaped [{','.join(map(str, x._value.shape))}] but got dimension "
                    f"{d} [Op:Einsum]"), x.dtype.name, N=len(xs))
    return execute(EINSUM, tuple(xs), {"equation": eq})
