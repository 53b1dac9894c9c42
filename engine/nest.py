"""``tf.nest``: flatten and rebuild nested lists, tuples, namedtuples and dicts."""

from __future__ import annotations

from typing import Any


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


_NESTED = (list, tuple, dict)


def is_nested(structure: Any) -> bool:
    return isinstance(structure, _NESTED)


def flatten(structure: Any) -> list:
    """Leaves in order; dict values by sorted key, as TensorFlow orders them."""
    if isinstance(structure, dict):
        return [leaf for k in sorted(structure) for leaf in flatten(structure[k])]
    if isinstance(structure, list | tuple):
        leaves = []
        for item in structure:  # leaves directly, without a call each (tape.gradient's sources)
            if isinstance(item, _NESTED):
                leaves.extend(flatten(item))
            else:
                leaves.append(item)
        return leaves
    return [structure]


def _pack(structure: Any, leaves: list, pos: int) -> tuple[Any, int]:
    if isinstance(structure, dict):
        out = {}
        for k in sorted(structure):
            out[k], pos = _pack(structure[k], leaves, pos)
        return type(structure)((k, out[k]) for k in structure), pos
    if isinstance(structure, list | tuple):
        items = []
        for item in structure:
            if isinstance(item, _NESTED):
                value, pos = _pack(item, leaves, pos)
            else:
                value, pos = leaves[pos], pos + 1
            items.append(value)
        if _is_namedtuple(structure):
            return type(structure)(*items), pos
        return type(structure)(items), pos
    return leaves[pos], pos + 1


def pack_sequence_as(structure: Any, flat_sequence: list) -> Any:
    """Rebuild ``structure`` with the leaves of ``flat_sequence``."""
    flat_sequence = list(flat_sequence)
    n = len(flatten(structure))
    if n != len(flat_sequence):
        raise ValueError(f"The structure has {n} leaves but flat_sequence has "
                         f"{len(flat_sequence)} elements.")
    return _pack(structure, flat_sequence, 0)[0]


def map_structure(func: Any, *structures: Any) -> Any:
    """Apply ``func`` leafwise across structures of the same shape."""
    flats = [flatten(s) for s in structures]
    if len({len(f) for f in flats}) > 1:
        raise ValueError("The structures do not have the same number of elements.")
    return pack_sequence_as(structures[0], [func(*leaves) for leaves in zip(*flats)])
