"""The boundary check of events read from a trace file: each kind's fields and their types.

A trace may come from someone else, or be damaged on disk, so an event read back is
untrusted until it passes :func:`problem`. The trace reader skips (and counts) what fails,
and everything downstream (``tapescope inspect``, ``export-graph``, the window's docks) then
indexes fields without guarding each access. Only the fields the schema names are checked;
extra fields pass, so an event a newer probe enriches still reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

from debugger.events import FIELDS, OP_ROW, PACKABLE_MODES

# A check takes a value and returns what is wrong with it, or None.
Check = Callable[[Any], "str | None"]


def _is_int(value: Any) -> bool:
    """An int that fits the 64 bits of SQLite's and the op columns' integers."""
    return type(value) is int and -(1 << 63) <= value < 1 << 63


def _is_number(value: Any) -> bool:
    return type(value) in (int, float)


def _simple(test: Callable[[Any], bool], name: str) -> Check:
    return lambda value: None if test(value) else f"is {show(value)}, not {name}"


def show(value: Any) -> str:
    """A short picture of a wrong value for a message (never the whole of a huge one)."""
    text = repr(value) if isinstance(value, (int, float, str, bool, type(None))) \
        else f"a {type(value).__name__}"
    return text if len(text) <= 40 else text[:37] + "..."


INT = _simple(_is_int, "an integer")  # (of 64 bits: one beyond gets its value shown)
NUMBER = _simple(_is_number, "a number")
STR = _simple(lambda v: type(v) is str, "a string")
BOOL = _simple(lambda v: type(v) is bool, "true/false")
ANY: Check = lambda value: None  # noqa: E731 - a check that accepts everything


def optional(check: Check) -> Check:
    return lambda value: None if value is None else check(value)


def list_of(check: Check, length: int | None = None) -> Check:
    def check_list(value: Any) -> str | None:
        if type(value) is not list:
            return f"is {show(value)}, not a list"
        if length is not None and len(value) != length:
            return f"has {len(value)} items, not {length}"
        for i, item in enumerate(value):
            wrong = check(item)
            if wrong is not None:
                return f"[{i}] {wrong}"
        return None
    return check_list


def record(required: dict[str, Check], optional_fields: dict[str, Check] | None = None
           ) -> Check:
    """A dict with ``required`` keys and, where present, ``optional_fields`` of these types."""
    def check_record(value: Any) -> str | None:
        if type(value) is not dict:
            return f"is {show(value)}, not an object"
        for key, check in required.items():
            if key not in value:
                return f"lacks {key!r}"
            wrong = check(value[key])
            if wrong is not None:
                return f"{key!r} {wrong}"
        for key, check in (optional_fields or {}).items():
            if key in value:
                wrong = check(value[key])
                if wrong is not None:
                    return f"{key!r} {wrong}"
        return None
    return check_record


SHAPE = list_of(INT)
GRAPH_SHAPE = list_of(optional(INT))  # a traced graph may leave a dimension unknown
ONE_SUMMARY = optional(record({}, {
    "shape": SHAPE, "dtype": STR, "size": INT, "nan": INT, "neg_inf": INT, "pos_inf": INT,
    "bad": BOOL, "min": optional(NUMBER), "max": optional(NUMBER), "mean": optional(NUMBER),
    "std": optional(NUMBER), "zeros": INT}))


def _summary(value: Any) -> str | None:
    """An op summary: one per output, or None (or one, as early traces wrote it: the
    reader makes it a list of one)."""
    return list_of(ONE_SUMMARY)(value) if type(value) is list else ONE_SUMMARY(value)


STEP = {"step": optional(INT), "epoch": optional(INT)}
WHERE = {"file": optional(STR), "line": optional(INT)}
SOURCE = record({}, {"id": optional(INT), "name": optional(STR), "shape": optional(SHAPE),
                     "reason": STR, "summary": ONE_SUMMARY, "norm": optional(NUMBER)})
# If/While nodes in one another's graphs, at most this deep (each level costs the checks,
# and the views that walk them, a few Python frames: a crafted trace must not exhaust them)
MAX_NESTING = 32


def _node(value: Any) -> str | None:
    return NODE(value)


def _nesting(graphs: Any) -> int:
    """How deep nested graphs nest (counted without recursion, whatever their types)."""
    deepest, todo = 0, [(graphs, 1)]
    while todo:
        value, depth = todo.pop()
        if type(value) is not list:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_NESTING:  # deep enough to refuse: no need to look further
            continue
        for graph in value:
            nodes = graph.get("nodes") if type(graph) is dict else None
            for node in nodes if type(nodes) is list else ():
                if type(node) is dict and "graphs" in node:
                    todo.append((node["graphs"], depth + 1))
    return deepest


def _graphs(value: Any) -> str | None:
    """An If's branches, a While's cond and body: their nodes, nested a few levels."""
    if _nesting(value) > MAX_NESTING:
        return f"nests graphs more than {MAX_NESTING} levels deep"
    return list_of(NESTED_GRAPH)(value)


NESTED_GRAPH = record({"role": STR, "scope": STR, "params": list_of(INT),
                       "sources": list_of(INT), "outputs": list_of(INT),
                       "nodes": list_of(_node)})
NODE = record({"id": INT, "op": STR, "name": STR, "inputs": list_of(INT),
               "outputs": list_of(INT)},
              {"scope": optional(STR), "shapes": list_of(optional(GRAPH_SHAPE)),
               "dtypes": list_of(optional(STR)), "variable": INT, **WHERE,
               "graphs": _graphs})
OP_FIELDS = {"op": STR, "name": STR, "scope": optional(STR), "inputs": list_of(INT),
             "outputs": list_of(INT), "shapes": list_of(SHAPE), "dtypes": list_of(STR),
             **WHERE, "duration": optional(NUMBER), "exec": optional(STR)}
INPUT_SHAPES = list_of(SHAPE, 2)  # optional: the two inputs of a binary op that broadcast both

# kind -> (required field checks, optional field checks); "kind" and "seq" are checked apart.
KINDS: dict[str, tuple[dict[str, Check], dict[str, Check]]] = {
    "op": ({**STEP, **OP_FIELDS, "summary": _summary}, {"input_shapes": INPUT_SHAPES}),
    "gradient": ({**STEP, "target": optional(INT), "sources": list_of(SOURCE), **WHERE}, {}),
    "variable_created": ({"id": INT, "name": STR, "shape": GRAPH_SHAPE, "dtype": STR,
                          "trainable": BOOL}, {}),
    "variable_update": ({**STEP, "id": INT, "name": STR, "action": STR,
                         "summary": ONE_SUMMARY},
                        {"weight_norm": optional(NUMBER), "update_norm": optional(NUMBER)}),
    "graph": ({"graph_id": INT, "function": STR, "trace_count": INT, "reason": optional(STR),
               "nodes": list_of(NODE), "outputs": list_of(ANY)}, {}),
    "ops": ({**STEP, "mode": STR, "count": INT}, {}),  # the rest: _pack_problem
    "step_end": (STEP, {}),
    "epoch_end": (STEP, {}),
    "scalar": ({**STEP, "name": STR, "value": NUMBER}, {"axis": optional(STR)}),
    # (breakpoint: one whose condition failed; damaged/damage: the client's note of events
    # it dropped, which a model adds up)
    "output": ({"stream": STR, "text": STR},
               {"breakpoint": INT, "damaged": INT, "damage": list_of(STR)}),
    "paused": ({"reason": STR, "at_seq": optional(INT), **WHERE},
               {"op_seq": optional(INT), "breakpoint": INT, "hits": INT, **STEP}),
    "error": ({"message": STR, "traceback": STR, "at_seq": optional(INT), **WHERE}, {}),
    "finished": ({"status": STR}, {"returncode": optional(INT), "signal": STR}),
}


# The record check of each kind, built once (``record`` makes a closure).
_RECORDS: dict[str, Check] = {kind: record(*checks) for kind, checks in KINDS.items()}


def _health(mode: str) -> Check:
    """A pack row's health: 0 (all finite) or per output 0 or its counts (full_stats in
    FULL_HEALTH), as ``events._summary`` unpacks them."""
    counts = list_of(optional(NUMBER), 8) if mode == "FULL_HEALTH" else list_of(INT, 3)

    def check(value: Any) -> str | None:
        if value == 0 and _is_int(value):
            return None
        return list_of(lambda item: None if item == 0 and _is_int(item) else counts(item))(
            value)
    return check


def _pack_problem(pack: dict) -> str | None:
    """What is wrong with an "ops" pack beyond its common fields, or None."""
    mode, count = pack["mode"], pack["count"]
    if mode not in PACKABLE_MODES:
        return f"'mode' is {show(mode)}, not one of {', '.join(PACKABLE_MODES)}"
    if count < 0:
        return f"'count' is {count}"
    if "rows" in pack:
        row_checks = [*OP_FIELDS.values(), _health(mode)]  # OP_FIELDS is in OP_ROW order

        def row(value: Any) -> str | None:
            if type(value) is not list or len(value) not in (len(OP_ROW), len(OP_ROW) + 1):
                return f"is {show(value)}, not a row of {len(OP_ROW)} fields"
            for name, check, item in zip(OP_ROW, row_checks, value):
                wrong = check(item)
                if wrong is not None:
                    return f"{name} {wrong}"
            if len(value) > len(OP_ROW):  # the optional input_shapes of a broadcasting op
                wrong = INPUT_SHAPES(value[-1])
                if wrong is not None:
                    return f"input_shapes {wrong}"
            return None
        wrong = list_of(row, count)(pack["rows"])
        return None if wrong is None else f"'rows' {wrong}"
    fields = record({"graph": INT, "first": INT, "times": list_of(NUMBER, count + 1)},
                    {"health": list_of(list_of(ANY, 2)), "shapes": list_of(list_of(ANY, 2))})
    wrong = fields(pack)
    if wrong is not None:
        return wrong
    if pack["first"] < 0:
        return f"'first' is {pack['first']}"
    index_and = {"health": _health(mode), "shapes": list_of(SHAPE)}
    for key, check in index_and.items():
        for i, (index, item) in enumerate(pack.get(key, ())):
            wrong = INT(index) or check(item)
            if wrong is not None:
                return f"{key!r} [{i}] {wrong}"
    return None


def problem(event: Any) -> str | None:
    """What makes ``event`` unusable (missing field, wrong type, unknown kind), or None."""
    if type(event) is not dict:
        return f"it is {show(event)}, not an object"
    kind = event.get("kind")
    if type(kind) is not str:
        return f"its kind is {show(kind)}"
    if not _is_int(event.get("seq")):
        return f"its seq is {show(event.get('seq'))}"
    checks = KINDS.get(kind)
    if checks is None:
        if kind not in FIELDS:
            return f"its kind {kind!r} is unknown"
        # A kind added to the schema after this table: at least its fields are there.
        missing = [f for f in FIELDS[kind] if f not in event]
        return f"it lacks {missing}" if missing else None
    sound = _SOUND.get(kind)
    if sound is not None and sound(event):
        return None
    wrong = _RECORDS[kind](event)
    if wrong is None and kind == "ops" and not _pack_is_sound(event):
        wrong = _pack_problem(event)  # what is wrong, said field by field
    return None if wrong is None else f"field {wrong}"


# -- the fast check of packs --------------------------------------------------------------------
# A live session or a trace is mostly "ops" packs of up to 512 rows. Checked field by field
# (``_pack_problem``: a Python call per number) they cost more than decoding their JSON, so
# they are first checked a column at a time: the types of a column's items gathered by
# ``map`` in C, its integers' range by ``min``/``max``. That check only answers "sound";
# anything it does not vouch for goes to ``_pack_problem``, which decides and says why. So it
# must never pass a pack that ``_pack_problem`` rejects (the tests hold the two together).

_INT64 = (-(1 << 63), 1 << 63)
_ROW_LENGTHS = frozenset({len(OP_ROW), len(OP_ROW) + 1})
_STR, _OPT_STR = frozenset({str}), frozenset({str, type(None)})
_LIST, _INTS, _OPT_INT = frozenset({list}), frozenset({int}), frozenset({int, type(None)})
_OPT_NUMBER = frozenset({int, float, type(None)})
_NUMBERS = frozenset({int, float})
_flat = chain.from_iterable


def _types(items: Iterable[Any]) -> set[type]:
    return set(map(type, items))


def _ints_fit(ints: list) -> bool:
    """Integers (checked apart) all within 64 bits."""
    return not ints or (min(ints) >= _INT64[0] and max(ints) < _INT64[1])


def _rows_are_sound(rows: Any, count: int) -> bool:
    """Whether ``rows`` passes ``_pack_problem``'s row checks (False: not vouched for)."""
    if type(rows) is not list or len(rows) != count:
        return False
    if not rows:
        return True
    lengths = set(map(len, rows)) if _types(rows) <= _LIST else None
    if lengths is None or not lengths <= _ROW_LENGTHS:
        return False
    (ops, names, scopes, inputs, outputs, shapes, dtypes, files, lines, durations, kinds,
     health) = tuple(zip(*rows))[:len(OP_ROW)]  # (a row's optional 13th: checked below)
    if not (_types(chain(inputs, outputs, shapes, dtypes)) <= _LIST
            and _types(_flat(shapes)) <= _LIST
            and _types(chain(ops, names, _flat(dtypes))) <= _STR
            and _types(chain(scopes, files, kinds)) <= _OPT_STR
            and _types(durations) <= _OPT_NUMBER and _types(lines) <= _OPT_INT):
        return False
    # every integer (ids, dimensions, lines) of 64 bits; 0 (an int: not 0.0 nor False) for
    # the health of a finite op (counts go the long way)
    ints = [*_flat(inputs), *_flat(outputs), *_flat(_flat(shapes)),
            *(lines if None not in lines else [n for n in lines if n is not None])]
    if not (_types(ints) <= _INTS and _ints_fit(ints)
            and _types(health) <= _INTS and health.count(0) == len(health)):
        return False
    return len(lengths) == 1 and len(OP_ROW) in lengths or all(
        INPUT_SHAPES(row[-1]) is None for row in rows if len(row) > len(OP_ROW))


def _pack_is_sound(pack: dict) -> bool:
    """Whether ``_pack_problem(pack)`` would find nothing, told fast for the common packs
    (False: ask ``_pack_problem``). The common fields are checked already (``KINDS``)."""
    mode, count = pack["mode"], pack["count"]
    if mode not in PACKABLE_MODES or count < 0:
        return False
    if "rows" in pack:
        return _rows_are_sound(pack["rows"], count)
    if "health" in pack or "shapes" in pack:  # what a compiled run found: the long way
        return False
    graph, first, times = pack.get("graph"), pack.get("first"), pack.get("times")
    return (type(graph) is int and type(first) is int and _ints_fit([graph])
            and 0 <= first < _INT64[1] and type(times) is list and len(times) == count + 1
            and _types(times) <= _NUMBERS)


# -- the fast check of gradients and variable updates -----------------------------------------
# After packs, a trace is mostly these (the MNIST tutorial's: 38,000 updates and 9,400
# gradients of four variables each), and field by field their summaries cost ~4 and ~15 µs
# each: a third of the checks' time while a trace opens. Straight-line code answers "sound"
# for the common ones; like ``_pack_is_sound``, anything it does not vouch for goes the long
# way (``_RECORDS``), which decides and says why, so it must never pass what that rejects.
_NONE = type(None)
_LOW, _HIGH = _INT64
# ONE_SUMMARY's fields: int (64 bits), "shape" (a list of those), or the types allowed
_SUMMARY_FIELDS: dict[str, Any] = {
    "shape": list, "dtype": _STR, "size": int, "nan": int, "neg_inf": int, "pos_inf": int,
    "bad": frozenset({bool}), "min": _OPT_NUMBER, "max": _OPT_NUMBER, "mean": _OPT_NUMBER,
    "std": _OPT_NUMBER, "zeros": int}


def _summary_is_sound(summary: Any) -> bool:
    """Whether ``ONE_SUMMARY`` passes ``summary`` (False: not vouched for)."""
    if summary is None:
        return True
    if type(summary) is not dict:
        return False
    for key, value in summary.items():
        field = _SUMMARY_FIELDS.get(key)
        if field is None:
            continue  # a field the schema does not name passes
        if field is int:
            if type(value) is not int or not _LOW <= value < _HIGH:
                return False
        elif field is list:
            if type(value) is not list:
                return False
            for n in value:
                if type(n) is not int or not _LOW <= n < _HIGH:
                    return False
        elif type(value) not in field:
            return False
    return True


def _opt_int(value: Any) -> bool:
    return value is None or type(value) is int and _LOW <= value < _HIGH


def _update_is_sound(event: dict) -> bool:
    """Whether a "variable_update" passes its ``KINDS`` record (False: not vouched for)."""
    if "step" not in event or "epoch" not in event or "summary" not in event:
        return False
    get = event.get
    var_id = get("id")
    return (type(var_id) is int and _LOW <= var_id < _HIGH and _opt_int(event["step"])
            and _opt_int(event["epoch"]) and type(get("name")) is str
            and type(get("action")) is str and type(get("weight_norm")) in _OPT_NUMBER
            and type(get("update_norm")) in _OPT_NUMBER
            and _summary_is_sound(event["summary"]))


_GRADIENT_FIELDS = ("step", "epoch", "target", "sources", "file", "line")


def _gradient_is_sound(event: dict) -> bool:
    """Whether a "gradient" passes its ``KINDS`` record (False: not vouched for)."""
    for key in _GRADIENT_FIELDS:
        if key not in event:
            return False
    sources = event["sources"]
    if (type(sources) is not list or type(event["file"]) not in _OPT_STR
            or not (_opt_int(event["step"]) and _opt_int(event["epoch"])
                    and _opt_int(event["target"]) and _opt_int(event["line"]))):
        return False
    for source in sources:
        if type(source) is not dict:
            return False
        get = source.get
        shape = get("shape")
        if shape is not None:
            if type(shape) is not list:
                return False
            for n in shape:
                if type(n) is not int or not _LOW <= n < _HIGH:
                    return False
        if (not _opt_int(get("id")) or type(get("name")) not in _OPT_STR
                or type(get("norm")) not in _OPT_NUMBER
                or ("reason" in source and type(source["reason"]) is not str)
                or not _summary_is_sound(get("summary"))):
            return False
    return True


_SOUND: dict[str, Callable[[dict], bool]] = {"variable_update": _update_is_sound,
                                             "gradient": _gradient_is_sound}
