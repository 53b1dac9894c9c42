"""``GradientTape``: records ops on watched tensors, then walks them backwards.

The whole idea, as in micrograd: each recorded op knows its gradient rule (in the op
registry); ``gradient`` visits the records newest-first, hands each op the gradients of
its outputs and accumulates what the rule returns for its inputs. Rules are written with
engine ops, so an outer tape records the backward pass of an inner one (higher order).
"""

from __future__ import annotations

import ast
import enum
import functools
import inspect
import linecache
import os
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from engine import errors, nest
from engine.context import STATE, user_frame
from engine.indexed_slices import IndexedSlices, as_dense_array, densified, sum_gradients
from engine.ops import array_ops, math_ops
from engine.ops.registry import REGISTRY, TENSOR_ID, OpCall, OpDef, record_custom
from engine.tensor import Tensor, Variable, convert_to_tensor, wrap

# Ops whose gradient rule hands a sparse (IndexedSlices) gradient on unchanged; every other
# rule gets it dense.
_PASSES_SLICES = frozenset({"Identity", "ReadVariableOp"})


class UnconnectedGradients(enum.Enum):
    """What ``gradient`` returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


def _unconnected(value: UnconnectedGradients | str) -> UnconnectedGradients:
    """The enum member for ``value`` (a member already is one: no Enum call per gradient)."""
    return value if value.__class__ is UnconnectedGradients else UnconnectedGradients(value)


def _is_float(t: Tensor) -> bool:
    return t._value.dtype.kind == "f"


class NoneGradientReason(str):
    """Why ``tape.gradient`` returned None for one source: the text a user reads (a str, so
    it prints, compares and travels in events as that text), and the user's ``file`` and
    ``line`` where the path from the source broke, when it broke in their code."""

    def __new__(cls, text: str, file: str = "", line: int = 0) -> NoneGradientReason:
        reason = super().__new__(cls, text)
        reason.file, reason.line = file, line
        return reason


def _place(file: str, line: int) -> str:
    return f"{os.path.basename(file)}:{line}"


def _source_name(source: Tensor, index: int, count: int, site: tuple[str, int]) -> str:
    """What the user calls source ``index`` of ``count``: a variable's name, or the text
    of the source in the ``tape.gradient`` call at ``site`` (never an id)."""
    if isinstance(source, Variable):
        return source._name
    expressions = gradient_source_texts(*site, count)
    if expressions is not None:
        return f"`{expressions[index]}`"
    return f"the source tensor of shape {list(source._value.shape)}"


@functools.lru_cache(maxsize=256)
def gradient_source_texts(file: str, line: int, count: int) -> tuple[str, ...] | None:
    """The user's text for each of the ``count`` sources of the ``.gradient(target, sources)``
    call at ``file``:``line`` (``x`` for ``tape.gradient(y, [x, w])``), or None when the
    source file or the call cannot be read. Parses the file once per call site."""
    text = "".join(linecache.getlines(file))
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "gradient" and node.lineno <= line <= node.end_lineno):
            continue
        given = node.args[1:2] or [k.value for k in node.keywords if k.arg == "sources"]
        if not given:
            return None
        sources = given[0]
        whole = ast.get_source_segment(text, sources) or "sources"
        items = None
        if isinstance(sources, ast.List | ast.Tuple):
            items = sources.elts
        elif isinstance(sources, ast.Dict) and all(
                isinstance(k, ast.Constant) and isinstance(k.value, str) for k in sources.keys):
            items = [v for _, v in sorted(zip([k.value for k in sources.keys], sources.values),
                                          key=lambda pair: pair[0])]
        nested = items is None or any(
            isinstance(e, ast.Starred | ast.List | ast.Tuple | ast.Dict) for e in items)
        if not nested and len(items) == count:  # nest.flatten's order: dicts by sorted key
            return tuple(ast.get_source_segment(text, e) or whole for e in items)
        if count == 1:
            return (whole,)
        return tuple(f"{whole}[{i}]" for i in range(count))  # a list or tuple, most likely
    return None


class GradientTape:
    """Record operations for automatic differentiation (``tf.GradientTape``)."""

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self._persistent = persistent
        self._watch_accessed_variables = watch_accessed_variables
        self._recording = False
        self._used = False
        self._reset_state()
        self.none_gradient_reasons: dict[int, NoneGradientReason] = {}

    def _reset_state(self) -> None:
        self._records: list[OpCall] = []
        # Keyed by tensor ``_id`` (never reused, unlike ``id()``: a tensor made after a
        # tracked one died must not pass for it).
        self._tracked: set[int] = set()  # ids of watched tensors and of recorded outputs
        self._watched: dict[int, Tensor] = {}  # id -> watched tensor or variable
        # id -> (how, file, line): tracked tensors and variables whose value left for numpy
        # or Python while recording (the usual way a path gets lost, unseen by the tape)
        self._exits: dict[int, tuple[str, str, int]] = {}

    # -- context ---------------------------------------------------------------------------
    def __enter__(self) -> GradientTape:
        self._push()
        return self

    def __exit__(self, *exc: object) -> None:
        self._pop()

    def _push(self) -> None:
        if self._recording:
            raise ValueError("Tape is still recording, This can happen if you try to re-enter "
                             "an already-active tape.")
        self._recording = True
        STATE.tapes.append(self)
        STATE.refresh()

    def _pop(self) -> None:
        if self in STATE.tapes:
            STATE.tapes.remove(self)
        self._recording = False
        STATE.refresh()

    @contextmanager
    def stop_recording(self) -> Iterator[None]:
        """Ops inside this block are not recorded (by any tape, as in TensorFlow)."""
        if not self._recording:
            raise ValueError("Tape.stop_recording() is called but the tape is not recording.")
        with STATE.swapped(tapes=[]):
            yield

    def reset(self) -> None:
        """Forget everything recorded, as if the context were entered anew."""
        self._reset_state()
        self._used = False

    # -- watching and recording ----------------------------------------------------------------
    def watch(self, tensor: Any) -> None:
        """Track a tensor (or a nested structure of them) so gradients can flow to it."""
        for t in nest.flatten(tensor):
            if not isinstance(t, Tensor):
                raise ValueError(f"Passed in object {t!r} of type {type(t).__name__!r}, not "
                                 "tf.Tensor or tf.Variable or ExtensionType.")
            if not _is_float(t):
                warnings.warn(f"The dtype of the watched tensor must be floating (e.g. "
                              f"tf.float32), got {t.dtype!r}", stacklevel=2)
                continue
            self._watched[t._id] = t
            self._tracked.add(t._id)

    def watched_variables(self) -> tuple[Variable, ...]:
        """Variables watched explicitly or by being read while recording.

        Ordered by when each variable was created, not when it was watched, as TensorFlow's
        tape keeps them (a set ordered by the variable's id).
        """
        found = [v for v in self._watched.values() if isinstance(v, Variable)]
        return tuple(sorted(found, key=lambda v: v._id))

    def _record(self, call: OpCall) -> None:
        """Keep ``call`` if it reads a tracked tensor; its outputs become tracked."""
        tracked = self._tracked
        if tracked.isdisjoint(call.input_ids) and not self._watch_read(call.inputs):
            return
        self._records.append(call)
        tracked.update(map(TENSOR_ID, call.outputs))

    def _watch_read(self, inputs: tuple) -> bool:
        """Watch the trainable float variables among ``inputs`` (only a ReadVariableOp has
        any); whether there were some."""
        if not self._watch_accessed_variables:
            return False
        hit = False
        for t in inputs:
            if isinstance(t, Variable) and t.trainable and _is_float(t):
                self._watched[t._id] = t
                self._tracked.add(t._id)
                hit = True
        return hit

    def _note_exit(self, t: Tensor, how: str) -> None:
        """Remember where ``t``'s value first left the engine (``.numpy()``, ``float()``,
        numpy…), when that could cut a gradient path: only float tensors this tape tracks,
        and trainable variables (read through numpy, they never reach the tape at all)."""
        key = t._id
        if key in self._exits or t._value.dtype.kind != "f":
            return
        if key in self._tracked or (isinstance(t, Variable) and t.trainable):
            self._exits[key] = (how, *user_frame(2))

    # -- gradients ----------------------------------------------------------------------------
    def _check_usable(self) -> None:
        """A non-persistent tape answers one gradient (or jacobian) call, as in TensorFlow."""
        if self._used and not self._persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one "
                               "set of gradients (or jacobians)")

    def _consume(self) -> None:
        """After a gradient or jacobian call: a non-persistent tape lets its records go."""
        if not self._persistent:
            self._used = True
            self._records = []

    def gradient(self, target: Any, sources: Any, output_gradients: Any = None,
                 unconnected_gradients: UnconnectedGradients | str = UnconnectedGradients.NONE
                 ) -> Any:
        """d(sum of target) / d(source) for each source, shaped like ``sources``."""
        self._check_usable()
        mode = _unconnected(unconnected_gradients)
        targets = nest.flatten(target)
        flat_sources = nest.flatten(sources)
        for s in flat_sources:
            if not isinstance(s, Tensor):
                raise TypeError(f"Sources must be tensors or variables, got "
                                f"{type(s).__name__}: {s!r}")
        for t in (*targets, *flat_sources):
            if isinstance(t, Tensor) and t._value.dtype.kind == "c":
                raise errors.UnimplementedError(
                    f"Gradients of complex tensors ({t.dtype.name}) are not implemented in "
                    "Tapescope (TensorFlow differentiates them).")
        seeds = None
        if output_gradients is not None:
            seeds = [None if g is None else convert_to_tensor(g)
                     for g in nest.flatten(output_gradients)]
            if len(seeds) != len(targets):
                raise ValueError("output_gradients must have one entry per target.")
        if STATE.op_hook is not None and STATE.user_site is None:
            # every backward op's source line: this call's
            with STATE.swapped(user_site=user_frame(2)):
                grads = self._backward(targets, seeds, flat_sources)
        else:
            grads = self._backward(targets, seeds, flat_sources)
        results = []
        self.none_gradient_reasons = {}
        site = None  # this call's (file, line): names the sources in the reasons
        for i, (s, g) in enumerate(zip(flat_sources, grads)):
            if g is None or not _is_float(s):
                g = None
                site = site or user_frame(2)
                name = _source_name(s, i, len(flat_sources), site)
                self.none_gradient_reasons[i] = self._explain_none(s, name, targets)
                if mode is UnconnectedGradients.ZERO:
                    g = math_ops.zeros_like(s)
            results.append(g)
        if STATE.graph is not None:  # reported each time the traced graph runs
            STATE.graph.note_gradient(targets, flat_sources, [densified(g) for g in results],
                                      dict(self.none_gradient_reasons))
        elif STATE.hook is not None:
            STATE.hook.gradient_computed(self, targets, flat_sources, [
                wrap(as_dense_array(g)) if g.__class__ is IndexedSlices else g
                for g in results], self.none_gradient_reasons)
        self._consume()
        return nest.pack_sequence_as(sources, results)

    def _backward(self, targets: list, seeds: list | None, sources: list) -> list:
        """Reverse-mode sweep over the records; the summed gradient (or None) per source."""
        if self in STATE.tapes:  # a tape never records its own backward pass
            with STATE.swapped(tapes=[t for t in STATE.tapes if t is not self]):
                return self._sweep(targets, seeds, sources)
        return self._sweep(targets, seeds, sources)

    def _sweep(self, targets: list, seeds: list | None, sources: list) -> list:
        tracked = self._tracked
        pending: dict[int, list[Tensor]] = {}
        # traced with None dimensions: a gradient has its input's static shape (TF's rules
        # build it from the input's dynamic shape; Tapescope's from the trace-time sizes)
        static = STATE.graph.static_shapes if STATE.graph is not None else None
        for i, t in enumerate(targets):
            if not isinstance(t, Tensor) or not _is_float(t):
                continue
            seed = seeds[i] if seeds is not None else None
            if seed is None:  # a constant, not an op: no tape needs to see it
                seed = wrap(_ones_like(t._value))
                if static and t._id in static:
                    static[seed._id] = static[t._id]
            pending.setdefault(t._id, []).append(seed)
        errstate = np.errstate(all="ignore")  # inf * 0 in a backward pass: silent, like TF
        errstate.__enter__()
        saved_scopes = STATE.scopes
        try:
            for call in reversed(self._records):
                out_grads = _output_grads(call, pending)
                rule = call.op.grad
                if out_grads is None or rule is None:
                    continue
                for g in out_grads:
                    if g.__class__ is IndexedSlices and call.op.name not in _PASSES_SLICES:
                        out_grads = [densified(g) for g in out_grads]
                        break
                if len(out_grads) > 1:  # multi-output ops get zeros for unused outputs
                    out_grads = [math_ops.zeros_like(o) if g is None else g
                                 for g, o in zip(out_grads, call.outputs)]
                # Untracked inputs are constants to this tape: they get no gradient.
                wanted = call.wanted = tuple([key in tracked and x._value.dtype.kind == "f"
                                              for key, x in zip(call.input_ids, call.inputs)])
                STATE.scopes = ["gradient_tape", *call.scope]
                try:
                    in_grads = rule(call, *out_grads)
                finally:
                    call.wanted = None
                try:  # one gradient per input: zip checks it at C speed
                    for key, want, g in zip(call.input_ids, wanted, in_grads, strict=True):
                        if want and g is not None:
                            pending.setdefault(key, []).append(g)
                            if static and key in static:
                                _share_static_shape(static, key, g)
                except ValueError:
                    raise ValueError(f"the gradient rule of {call.op.name} returned "
                                     f"{len(in_grads)} gradients for its {len(wanted)} "
                                     "inputs") from None
            # a source that is also a target gets that target's seed, watched or not (as
            # TensorFlow: tape.gradient(v, v) is 1 for a variable never read under the tape)
            seeded = {t._id for t in targets if isinstance(t, Tensor) and _is_float(t)}
            return [_total(pending.get(s._id)) if s._id in tracked or s._id in seeded else None
                    for s in sources]
        finally:
            STATE.scopes = saved_scopes
            errstate.__exit__(None, None, None)

    def _explain_none(self, source: Tensor, name: str, targets: list) -> NoneGradientReason:
        """Why ``gradient`` returned None for ``source`` (called ``name``), in words a user can
        act on; where the path broke in the user's code, when it broke there."""
        if not _is_float(source):
            return NoneGradientReason(f"{name} has dtype {source.dtype.name}; gradients flow "
                                      "only to floating-point tensors")
        if not any(isinstance(t, Tensor) and _is_float(t) for t in targets):
            return NoneGradientReason("the target is not a floating-point tensor, so it has "
                                      "no gradient")
        if source._id not in self._tracked:
            if isinstance(source, Variable) and not source.trainable:
                return NoneGradientReason(f"{name} is not trainable, so the tape does not "
                                          "watch it")
            if isinstance(source, Variable) and not self._watch_accessed_variables:
                return NoneGradientReason("the tape was created with watch_accessed_variables="
                                          f"False and {name} was never passed to tape.watch")
            if source._id in self._exits:  # read only through numpy: no op ever saw it
                return self._exit_reason(f"the value of {name}", [source._id])
            if isinstance(source, Variable):
                return NoneGradientReason(f"{name} was not used while the tape was recording")
            return NoneGradientReason(f"the tape never watched {name}: call tape.watch on a "
                                      "constant, or compute it inside the tape's context")
        # A break explains the None only where it cuts a recorded path from the source to a
        # target: follow every recorded op, differentiable or not, from both ends.
        upstream = {t._id for t in targets if isinstance(t, Tensor)}
        for call in reversed(self._records):
            if any(o._id in upstream for o in call.outputs):
                upstream.update(call.input_ids)
        downstream = {source._id}
        breaks: list[str] = []
        for call in self._records:
            if not any(key in downstream for key in call.input_ids):
                continue
            downstream.update(o._id for o in call.outputs)
            if any(o._id in upstream for o in call.outputs):
                reason = _path_break(call)
                if reason is not None:
                    breaks.append(reason)
        if breaks:
            return NoneGradientReason(f"the target does not depend on {name} differentiably: "
                                      + "; ".join(dict.fromkeys(breaks)))
        # No recorded path at all; a value computed from the source that left for numpy or
        # Python (and came back as a constant) is the usual way such a path gets lost.
        exits = [key for key in self._exits if key in downstream]
        if exits:
            whose = f"the value of {name}" if exits[0] == source._id else (
                f"a value computed from {name}")
            return self._exit_reason(whose, exits)
        if not any(t._id in self._tracked for t in targets if isinstance(t, Tensor)):
            return NoneGradientReason("the target was not computed from any watched tensor "
                                      "while the tape was recording")
        return NoneGradientReason(f"the target does not depend on {name} (they are not "
                                  "connected)")

    def _exit_reason(self, whose: str, exits: list[int]) -> NoneGradientReason:
        """The reason for a path cut where values left the engine (first exit named)."""
        how, file, line = self._exits[exits[0]]
        code = linecache.getline(file, line).strip() if file else ""
        via = "numpy (np.asarray or a numpy function)" if how == "numpy" else how
        text = (f"{whose} left the engine through {via} at {_place(file, line)}"
                + (f" ({code})" if code else "")
                + ": the tape cannot follow a value through numpy or Python numbers, so what "
                "came back is a constant to it; keep the computation in tensor ops")
        others = dict.fromkeys(_place(*self._exits[key][1:]) for key in exits[1:])
        others.pop(_place(file, line), None)
        if others:
            text += f" (it also left at {', '.join(others)})"
        return NoneGradientReason(text, file, line)

    # -- jacobians -----------------------------------------------------------------------------
    def jacobian(self, target: Any, sources: Any,
                 unconnected_gradients: UnconnectedGradients | str = UnconnectedGradients.NONE,
                 parallel_iterations: int | None = None,
                 experimental_use_pfor: bool = True) -> Any:
        """d target[i...] / d source[j...], shaped target.shape + source.shape per source."""
        self._check_usable()
        target = convert_to_tensor(target) if not isinstance(target, Tensor) else target
        flat_sources = nest.flatten(sources)
        n = int(np.prod(target._value.shape, dtype=np.int64))
        rows: list[list[Tensor | None]] = [[] for _ in flat_sources]
        for i in range(n):
            seed = np.zeros(n, dtype=target._value.dtype)
            seed[i] = 1
            seed_t = convert_to_tensor(seed.reshape(target._value.shape))
            grads = self._backward([target], [seed_t], flat_sources)
            for j, g in enumerate(grads):
                rows[j].append(g)
        results = []
        mode = _unconnected(unconnected_gradients)
        for j, s in enumerate(flat_sources):
            shape = tuple(target._value.shape) + tuple(s._value.shape)
            if n and all(g is None for g in rows[j]):
                results.append(array_ops.zeros(shape, s._value.dtype) if mode is
                               UnconnectedGradients.ZERO else None)
                continue
            filled = [math_ops.zeros_like(s) if g is None else g for g in rows[j]]
            stacked = array_ops.stack(filled) if filled else array_ops.zeros(shape, s._value.dtype)
            results.append(array_ops.reshape(stacked, shape))
        self._consume()
        return nest.pack_sequence_as(sources, results)

    def batch_jacobian(self, target: Any, source: Any,
                       unconnected_gradients: UnconnectedGradients | str = (
                           UnconnectedGradients.NONE),
                       parallel_iterations: int | None = None,
                       experimental_use_pfor: bool = True) -> Tensor | None:
        """Per-example jacobian: result[b, i..., j...] = d target[b, i...] / d source[b, j...]."""
        self._check_usable()
        tshape, sshape = target._value.shape, source._value.shape
        if not tshape or not sshape or tshape[0] != sshape[0]:
            raise ValueError(f"Need first dimension of target shape ({list(tshape)}) and "
                             f"source shape ({list(sshape)}) to match.")
        batch = tshape[0]
        per = int(np.prod(tshape[1:], dtype=np.int64))
        columns = []
        for i in range(per):
            seed = np.zeros((batch, per), dtype=target._value.dtype)
            seed[:, i] = 1
            seed_t = convert_to_tensor(seed.reshape(tshape))
            g = self._backward([target], [seed_t], [source])[0]
            columns.append(g)
        self._consume()
        if all(g is None for g in columns):
            if UnconnectedGradients(unconnected_gradients) is UnconnectedGradients.ZERO:
                return array_ops.zeros(tuple(tshape) + tuple(sshape[1:]), source._value.dtype)
            return None
        filled = [math_ops.zeros_like(source) if g is None else g for g in columns]
        stacked = array_ops.stack(filled, axis=1)  # (batch, per, *source[1:])
        return array_ops.reshape(stacked, tuple(tshape) + tuple(sshape[1:]))


def _path_break(call: OpCall) -> str | None:
    """Why gradients cannot pass back through this recorded op, or None if they can."""
    if call.op.name == "StopGradient":
        return "tf.stop_gradient blocks the path"
    if not call.op.differentiable or call.op.grad is None:
        return f"the path goes through {call.op.name}, which has no gradient"
    if not any(_is_float(o) for o in call.outputs):
        return f"{call.op.name} produces an integer tensor, which carries no gradient"
    return None


def _ones_like(value: Any) -> np.ndarray:
    """np.ones_like for a seed, without numpy's Python-level wrapper (one call per gradient)."""
    ones = np.empty(value.shape, value.dtype)
    ones.fill(1)
    return ones


def _output_grads(call: OpCall, pending: dict) -> list | None:
    """The summed gradient (or None) of each output of ``call``; None if none reached any."""
    outputs = call.outputs
    if len(outputs) == 1:  # the common case, without a generator per record
        grads = pending.get(outputs[0]._id)
        return None if grads is None else [_total(grads)]
    out_grads = [_total(pending.get(o._id)) for o in outputs]
    return None if all(g is None for g in out_grads) else out_grads


def _total(grads: list[Tensor] | None) -> Tensor | None:
    if not grads:
        return None
    if len(grads) == 1:
        return grads[0]
    for g in grads:
        if g.__class__ is IndexedSlices:
            return sum_gradients(grads)
    return math_ops.add_n(grads)


# -- stop_gradient's partner: custom gradients ---------------------------------------------

def custom_gradient(f: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: ``f`` returns ``(y, grad_fn)``; tapes use ``grad_fn(dy)`` instead of f's ops.

    If ``grad_fn`` takes a ``variables`` keyword, variables read inside ``f`` receive the
    gradients it returns as its second result, as in TensorFlow.
    """

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not STATE.tapes:
            result, _ = f(*args, **kwargs)
            return result
        inputs = tuple(a for a in nest.flatten(list(args)) if isinstance(a, Tensor))
        probe = GradientTape()  # sees which trainable variables f reads
        probe._recording = True
        try:
            with STATE.swapped(tapes=[probe]):
                result, grad_fn = f(*args, **kwargs)
        finally:
            probe._recording = False
        variables = [v for v in probe.watched_variables()
                     if not any(v is i for i in inputs)]
        takes_variables = "variables" in inspect.signature(grad_fn).parameters
        if variables and not takes_variables:
            raise TypeError("If using @custom_gradient with a function that uses variables, "
                            "then grad_fn must accept a keyword argument 'variables'.")
        # An input returned as it is gets a copy of its own (TensorFlow passes every result
        # through Identity): the custom op must be the only way back from the output, not a
        # second one beside the path the input already has.
        input_ids = {id(t) for t in inputs}
        if any(id(leaf) in input_ids for leaf in nest.flatten(result)):
            with STATE.swapped(tapes=[]):
                result = nest.map_structure(
                    lambda leaf: array_ops.identity(leaf) if id(leaf) in input_ids else leaf,
                    result)
        outputs = tuple(nest.flatten(result))
        n_in = len(inputs)

        def rule(call: OpCall, *dys: Tensor) -> tuple:
            dy = dys[0] if len(dys) == 1 else list(dys)
            with STATE.swapped(user_site=None):  # grad_fn is the user's own code
                if takes_variables:
                    in_grads, var_grads = grad_fn(dy, variables=variables)
                else:
                    in_grads, var_grads = grad_fn(dy), []
            in_grads = list(in_grads) if isinstance(in_grads, list | tuple) else [in_grads]
            if len(in_grads) != n_in:
                raise ValueError(f"custom gradient function returned {len(in_grads)} gradients "
                                 f"but {f.__name__} has {n_in} tensor inputs.")
            return tuple(in_grads) + tuple(var_grads)

        op = OpDef(f"CustomGradient:{f.__name__}", lambda *a: None,
                   num_outputs=len(outputs) or 1)
        op.grad = rule
        record_custom(op, inputs + tuple(variables), outputs)
        return result

    return wrapper


assert "ReadVariableOp" in REGISTRY  # the dispatch relies on it for variable reads


def _share_static_shape(static: dict, key: int, grad: Any) -> None:
    """The static shape (with None) of input ``key`` for its gradient, unless inferred."""
    if isinstance(grad, IndexedSlices):
        return
    shape = static[key]
    if grad._id not in static and shape.rank is not None and grad._value.ndim == shape.rank:
        static[grad._id] = shape
