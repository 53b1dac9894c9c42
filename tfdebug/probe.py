"""The TensorFlow probe: TensorFlow's op callbacks turned into the debugger's events.

The hook is ``op_callbacks.add_op_callback``, the one tfdbg2 uses. It is called:

- after every eager op, with the output ``EagerTensor``s: an "op" event with its shapes,
  dtypes, the summary of the mode (``debugger.tensor_stats.summarize`` on the output's
  numpy view) and the user's source line from the Python stack;
- for every op created while a ``tf.function`` is traced, with symbolic tensors: the op
  becomes a node of that FuncGraph's "graph" event, and — as tfdbg2 instruments graphs —
  a ``DebugNumericSummaryV2`` op computes the output's health inside TensorFlow (CURT,
  CONCISE_HEALTH; FULL_HEALTH with its statistics where there is a GPU, else numpy's summary
  of the fed output, the cheaper one on a CPU: ``tfdebug.graph_health``), feeding one
  stateful ``numpy_function`` that reports it back.
  Automatic control dependencies run those reports in program order, so each run of the
  compiled function sends its ops' "op" events (``exec`` "graph:<id>") in order.

Also: ``GradientTape.gradient`` in eager code ("gradient" events and the loss scalar), Keras
optimizer updates (the updated variables' events, ``tfdebug.variable_updates``, then
``step_end``; in a compiled step from a report placed after the update),
``Model.fit`` batch and epoch logs ("scalar", ``epoch_end``). ``Model.compile`` is kept off
XLA (``jit_compile=False``): XLA would fuse away the ops there are to show and cannot run the
reports. The probe duck-types the engine probe's surface that ``DebugSession`` and
``HeadlessStop`` use (``emit``, ``seq``, ``step``, ``last_op_outputs``, ``on_bad_op`` …).
"""

from __future__ import annotations

import collections
import math
import threading
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from debugger import events
from debugger.probe import Probe
from debugger.step_values import GRADIENT, VariableSnapshots
from debugger.tensor_stats import summarize
from tfdebug.graph_health import TF_MODES, health_tensor
from tfdebug.graph_health import summary as health_summary
from tfdebug.source import op_site, stack_site
from tfdebug.variable_updates import VariableUpdates

Sink = Callable[[dict], None]

# Ops that are not computations to show, or that the callback must not touch (tfdbg2's
# OP_CALLBACK_SKIP_OPS: control flow whose outputs cannot be overridden) and our own.
NOT_INSTRUMENTED = frozenset({
    "Placeholder", "PlaceholderWithDefault", "Const", "Identity", "IdentityN", "NoOp",
    "ReadVariableOp", "VarHandleOp", "DebugNumericSummaryV2", "DebugIdentityV2",
    "EagerPyFunc", "PyFunc", "PyFuncStateless", "StatefulPartitionedCall",
    "PartitionedCall", "If", "StatelessIf", "While", "StatelessWhile", "Enter", "Exit",
    "Merge", "Switch", "LoopCond", "NextIteration", "RemoteCall", "DestroyResourceOp"})
FUNCTION_PREFIXES = ("__inference_", "__forward_", "__backward_")
_NUMERIC = frozenset("biuf")


class _Value:
    """An output value as the debuggee and HeadlessStop read it (``._value``)."""

    __slots__ = ("_value",)

    def __init__(self, value: Any) -> None:
        self._value = value


def _shape(shape: Any) -> list:
    """A TensorShape as a list (None where a traced dimension is unknown)."""
    try:
        return [None if d is None else int(d) for d in shape.as_list()]
    except ValueError:  # unknown rank
        return []


class _GraphRecord:
    """One FuncGraph as traced: its nodes (for the "graph" event) and value ids."""

    def __init__(self, graph_id: int, function: str, trace_count: int) -> None:
        self.graph_id = graph_id
        self.function = function
        self.trace_count = trace_count
        self.nodes: list[dict] = []
        self.values: dict[str, int] = {}  # tensor name -> value id
        self.sent = False

    def value_id(self, name: str) -> int:
        found = self.values.get(name)
        if found is None:
            found = self.values[name] = len(self.values) + 1
        return found


class TFProbe:
    """Op callbacks and a few Keras/tape wrappers → events handed to ``sink``."""

    def __init__(self, sink: Sink, mode: str = "CONCISE_HEALTH", ring_steps: int = 3,
                 value_sink: Callable[[int, int, np.ndarray], None] | None = None) -> None:
        if mode not in events.MODES:
            raise ValueError(f"unknown tensor debug mode {mode!r}; choose from {events.MODES}")
        self.sink = sink
        self.value_sink = value_sink
        self.ring_steps = ring_steps
        self.mode = mode
        self.seq = 0
        self.step = 0
        self.epoch = 0
        # a live debuggee's copies of trainable variables and gradients per step (step diff)
        self.snapshots: VariableSnapshots | None = None
        self.on_check_numerics: Callable[[bool], bool] | None = None
        self.on_bad_op: Callable[[int, dict, list, list], None] | None = None
        self.stopped: BaseException | None = None  # a headless stop raised inside a graph
        # called with each event after the lock is released: where a live session pauses
        # (paused holding the lock, its reader thread could not even say "finished")
        self.after_sink: Sink | None = None
        self.last_op_outputs: tuple = ()
        self.last_op_inputs: tuple = ()
        self._lock = threading.RLock()  # graph reports may come from TensorFlow's threads
        self._local = threading.local()  # .busy: inside our own instrumentation
        self._graphs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._trace_counts: collections.Counter = collections.Counter()
        self._graph_ids = 0
        self._unjudged: dict[int, str] = {}  # graph id -> function, traced without values
        self._ring: collections.OrderedDict[int, dict] = collections.OrderedDict()
        self._in_fit = False
        self._steps_since_epoch = 0
        self._scalar_axes: dict[str, str] = {}  # tf.summary name -> "step"/"epoch"
        self._undo: list[Callable[[], None]] = []
        # A live session's look at each compiled run's op events, handed over on the script's
        # thread when the run returns (its ops report from TensorFlow's threads, where a
        # breakpoint cannot stop): ``graph_run_listener(events)``.
        self.graph_run_listener: Callable[[list[dict]], None] | None = None
        self._run_events: list[dict] = []
        # graphs being built by a Python function (tf.function, cond/while bodies): their
        # ops' reports gathered into one numpy_function at the function's end (one call per
        # op cost ~0.4 ms each: 4x the whole MNIST step); id(graph) -> [(node index, plan,
        # feeds)]
        self._batches: dict[int, list] = {}
        self._attached = False
        # Graphs traced while this is on hand each op's first output to its report, so a
        # breakpoint condition judges compiled ops by value as eager ones (set by whoever
        # has conditions: a graph's reports are fixed when it is traced).
        self.values_in_graphs = False
        # FULL_HEALTH of compiled ops reduced in the graph (None: where there is a GPU)
        self.full_health_in_graph: bool | None = None
        self._updates = VariableUpdates(self)
        self._applying = 0  # optimizer applies running (a wrapper's inner one reports none)

    # -- the engine probe's surface the debuggee uses ---------------------------------------------
    @property
    def wants_health(self) -> bool:
        return self.mode not in ("NO_TENSOR", "SHAPE")

    def watch_ops(self, on: bool) -> None:
        """Every op is sent one by one already (no packs on TensorFlow)."""

    def flush_ops(self) -> None:
        """Nothing pending: events leave as they are made."""

    def emit(self, kind: str, **fields: Any) -> dict:
        with self._lock:
            self.seq += 1
            event = {"kind": kind, "seq": self.seq, **fields}
            self.sink(event)
        if self.after_sink is not None:
            self.after_sink(event)
        return event

    def value(self, seq: int, index: int = 0) -> np.ndarray | None:
        """A recent eager op's output by event seq (None once it left the ring)."""
        for values in self._ring.values():
            found = values.get((seq, index))
            if found is not None:
                return found
        return None

    def _keep(self, seq: int, values: list) -> None:
        if self.ring_steps <= 0:
            return
        kept = self._ring.get(self.step)
        if kept is None:
            kept = self._ring[self.step] = {}
            while len(self._ring) > self.ring_steps:
                self._ring.popitem(last=False)
        for i, value in enumerate(values):
            if value is not None:
                kept[(seq, i)] = value

    # -- attaching ------------------------------------------------------------------------------
    def attach(self) -> TFProbe:
        from tensorflow.python.framework import op_callbacks

        op_callbacks.add_op_callback(self._callback)
        self._undo.append(lambda: op_callbacks.remove_op_callback(self._callback))
        self._wrap_tape()
        self._wrap_graph_building()
        self._wrap_jit_compile()
        self._wrap_dataset_iteration()
        self._wrap_keras()
        self._attached = True
        return self

    def detach(self) -> None:
        while self._undo:
            undo = self._undo.pop()
            try:
                undo()
            except (KeyError, ValueError):  # already removed (the script cleared callbacks)
                pass
        self._attached = False

    def _patch(self, owner: Any, name: str, make: Callable[[Any], Any]) -> None:
        original = owner.__dict__[name]
        setattr(owner, name, make(original))
        self._undo.append(lambda: setattr(owner, name, original))

    # -- the op callback --------------------------------------------------------------------------
    def _callback(self, op_type: str, inputs: Any, attrs: Any, outputs: Any,
                  op_name: str | None = None, graph: Any = None) -> None:
        local = self._local
        if getattr(local, "busy", False):
            return None
        if isinstance(op_type, bytes):  # eager fast-path ops name their type in bytes
            op_type = op_type.decode("utf-8", "replace")
        local.busy = True
        try:
            if graph is None:
                self._eager_op(op_type, inputs or (), outputs or ())
            else:
                self._graph_op(op_type, op_name or op_type, inputs or (), outputs or (), graph)
        finally:
            local.busy = False
        return None

    def _eager_op(self, op_type: str, inputs: Any, outputs: Any) -> None:
        if op_type.startswith(FUNCTION_PREFIXES):  # a compiled run: its ops reported already
            if self.graph_run_listener is not None and self._run_events:
                with self._lock:
                    ran, self._run_events = self._run_events, []
                self.graph_run_listener(ran)
            return
        if op_type in ("DebugNumericSummaryV2", "EagerPyFunc"):
            return
        if op_type == "WriteSummary" and len(inputs) >= 4:  # tf.summary.scalar / write
            self._summary_written(_numpy(inputs[1]), _numpy(inputs[2]), inputs[3].numpy())
        mode = self.mode
        file, line = stack_site(3)
        values: list = []
        shapes, dtypes, summaries = [], [], []
        for t in outputs:
            dtype = t.dtype
            array = t.numpy() if dtype.is_numpy_compatible and dtype.name != "string" \
                else None
            values.append(array)
            shapes.append(list(t.shape))
            dtypes.append(dtype.name)
            if mode == "NO_TENSOR":
                summaries = None
            elif array is not None and array.dtype.kind in _NUMERIC:
                summaries.append(summarize(array, mode))
            else:
                summaries.append({"shape": list(t.shape), "dtype": dtype.name})
        with self._lock:
            self.seq += 1
            seq = self.seq
            event = {"kind": "op", "seq": seq, "step": self.step, "epoch": self.epoch,
                     "op": op_type, "name": op_type, "scope": "",
                     "inputs": [getattr(t, "_id", 0) for t in inputs],
                     "outputs": [getattr(t, "_id", 0) for t in outputs],
                     "shapes": shapes, "dtypes": dtypes, "file": file, "line": line,
                     "duration": 0.0, "exec": "eager", "summary": summaries}
            self._keep(seq, values)
            self.last_op_outputs = tuple(_Value(v) for v in values)
            self.last_op_inputs = tuple(_Value(_numpy(t)) for t in inputs)
            if mode == "FULL_TENSOR" and self.value_sink is not None:
                for i, array in enumerate(values):
                    if array is not None and not array.dtype.hasobject:
                        self.value_sink(seq, i, array)
            self.sink(event)
        if self.after_sink is not None:
            self.after_sink(event)
        if self.on_bad_op is not None and summaries and any(
                s.get("bad") for s in summaries):
            self.on_bad_op(seq, event, [v._value for v in self.last_op_inputs], values)

    # -- graphs -----------------------------------------------------------------------------------
    def _record(self, graph: Any) -> _GraphRecord:
        record = self._graphs.get(graph)
        if record is None:
            name = getattr(graph, "name", "graph") or "graph"
            self._graph_ids += 1
            self._trace_counts[name] += 1
            record = self._graphs[graph] = _GraphRecord(self._graph_ids, name,
                                                        self._trace_counts[name])
            if not self.values_in_graphs and self.mode != "FULL_TENSOR":
                self._unjudged[self._graph_ids] = name
        return record

    def unjudged_function(self, exec_: str) -> str | None:
        """The function an op event's ``exec`` ("graph:<id>") ran in, if it was traced
        without handing its ops' values to their reports (no condition was set then: a
        condition cannot judge them); else None."""
        graph_id = exec_.partition(":")[2]
        return self._unjudged.get(int(graph_id)) if graph_id.isdigit() else None

    def _health_in_graph(self, tf: Any, mode: str) -> bool:
        """Whether a compiled float output's summary is reduced in the graph: always for
        CURT/CONCISE_HEALTH; for FULL_HEALTH where TensorFlow sees a GPU (on a CPU numpy's
        summary of the fed output costs less: ``tfdebug.graph_health``)."""
        if mode != "FULL_HEALTH":
            return mode in TF_MODES
        if self.full_health_in_graph is None:
            self.full_health_in_graph = bool(tf.config.list_logical_devices("GPU"))
        return self.full_health_in_graph

    def _graph_op(self, op_type: str, op_name: str, inputs: Any, outputs: Any,
                  graph: Any) -> None:
        import tensorflow as tf

        record = self._record(graph)
        op = outputs[0].op if outputs else None
        file, line = op_site(op) if op is not None else ("", 0)
        node = {"id": len(record.nodes) + 1, "op": op_type, "name": op_name,
                "scope": op_name.rpartition("/")[0],
                "inputs": [record.value_id(t.name) for t in inputs],
                "outputs": [record.value_id(t.name) for t in outputs],
                "shapes": [_shape(t.shape) for t in outputs],
                "dtypes": [t.dtype.name for t in outputs], "file": file, "line": line}
        record.nodes.append(node)
        if op_type == "WriteSummary" and len(inputs) >= 4:
            self._traced_summary(tf, graph, inputs[1], inputs[2], inputs[3])
        if (op_type in NOT_INSTRUMENTED or not outputs
                or all(t.dtype.name in ("resource", "variant") for t in outputs)):
            return
        mode = self.mode
        feeds: list = []
        plan: list[tuple[int, str]] = []  # per fed tensor: (output index, what it is)
        for i, t in enumerate(outputs):
            dtype = t.dtype
            if not dtype.is_numpy_compatible or dtype.name == "string":
                continue
            if dtype.is_floating and self._health_in_graph(tf, mode):
                feeds.append(health_tensor(tf, mode, t))
                plan.append((i, "health"))
            elif mode in ("FULL_HEALTH", "FULL_TENSOR"):
                feeds.append(t)
                plan.append((i, "value"))
            if i == 0 and self.values_in_graphs and not (plan and plan[-1] == (0, "value")):
                feeds.append(t)
                plan.append((0, "value"))
            if not t.shape.is_fully_defined() and mode != "NO_TENSOR":
                feeds.append(tf.shape(t, out_type=tf.int64))
                plan.append((i, "shape"))
        index = len(record.nodes) - 1
        batch = self._batches.get(id(graph))
        if batch is not None:
            batch.append((index, plan, feeds))
            return

        def report(*arrays: np.ndarray) -> None:
            self._graph_report(record, index, plan, arrays)

        tf.numpy_function(report, feeds, Tout=[], stateful=True,
                          name=f"tapescope_{op_name.rpartition('/')[2]}")

    def _wrap_jit_compile(self) -> None:
        """``tf.function(jit_compile=True)`` is compiled without XLA while watched, and the
        run says so once per function: XLA would fuse away the ops there are to show and
        cannot run the reports (the function failed with a tf2xla error otherwise)."""
        from tensorflow.python.eager.polymorphic_function import polymorphic_function

        probe = self

        def make(original: Any) -> Any:
            def __init__(function: Any, python_function: Any, name: Any, *args: Any,
                         **kwargs: Any) -> None:
                original(function, python_function, name, *args, **kwargs)
                if function._jit_compile:
                    function._jit_compile = False
                    probe.emit("output", stream="debugger", text=(
                        f"tapescope: tf.function {name!s} runs without jit_compile while "
                        "watched: XLA would fuse away the ops the debugger shows\n"))
            return __init__

        self._patch(polymorphic_function.Function, "__init__", make)

    def _wrap_graph_building(self) -> None:
        """Gather the reports of a graph built by a Python function into one (see
        ``_batches``); graphs built otherwise (gradient functions) report op by op."""
        import tensorflow as tf
        from tensorflow.python.framework import func_graph, ops
        from tensorflow.python.util import tf_decorator

        probe = self

        def batched(python_func: Any) -> Any:
            def build(*args: Any, **kwargs: Any) -> Any:
                graph = ops.get_default_graph()
                key = id(graph)
                outer = probe._batches.get(key)
                probe._batches[key] = []
                try:
                    return python_func(*args, **kwargs)
                finally:
                    entries = probe._batches.pop(key)
                    if outer is not None:
                        probe._batches[key] = outer
                    if entries:
                        probe._report_batch(tf, probe._record(graph), entries)
            return tf_decorator.make_decorator(python_func, build)

        def make(original: Any) -> Any:
            def func_graph_from_py_func(name: Any, python_func: Any, *args: Any,
                                        **kwargs: Any) -> Any:
                return original(name, batched(python_func), *args, **kwargs)
            return func_graph_from_py_func

        self._patch(func_graph, "func_graph_from_py_func", make)

    def _report_batch(self, tf: Any, record: _GraphRecord, entries: list) -> None:
        """One numpy_function reporting every gathered op of a graph run, in program order."""
        feeds = [t for _, _, op_feeds in entries for t in op_feeds]
        layout = [(index, plan, len(op_feeds)) for index, plan, op_feeds in entries]

        def report(*arrays: np.ndarray) -> None:
            start = 0
            for index, plan, count in layout:
                mine = arrays[start:start + count]
                start += count
                if index is None:  # an optimizer update ended the step here
                    self.step_end(in_graph=True)
                elif index == "loss":  # the target of a traced tape.gradient
                    self._loss(mine[0])
                elif index == "summary":  # a tf.summary write of the run
                    self._summary_written(*mine)
                elif index == "gradient":  # a traced tape.gradient's results
                    self._traced_gradient_report(plan, mine)
                elif index == "variables":  # an optimizer's update: the variables after it
                    self._updates.report_graph(plan, mine)
                else:
                    self._graph_report(record, index, plan, mine)

        local = self._local
        busy = getattr(local, "busy", False)
        local.busy = True
        try:
            tf.numpy_function(report, feeds, Tout=[], stateful=True, name="tapescope_report")
        finally:
            local.busy = busy

    def _send_graph(self, record: _GraphRecord) -> None:
        record.sent = True
        nodes = list(record.nodes)
        last = nodes[-1]["outputs"] if nodes else []
        self.emit("graph", graph_id=record.graph_id, function=record.function,
                  trace_count=record.trace_count,
                  reason="first trace" if record.trace_count == 1 else "retraced",
                  nodes=nodes, outputs=last)

    def _graph_report(self, record: _GraphRecord, index: int, plan: list,
                      arrays: tuple) -> None:
        """One compiled op ran (called by its numpy_function, maybe on another thread)."""
        node = record.nodes[index]
        mode = self.mode
        shapes = [list(s) for s in node["shapes"]]
        health: dict[int, np.ndarray] = {}
        values: dict[int, np.ndarray] = {}
        for (i, what), array in zip(plan, arrays):
            if what == "shape":
                shapes[i] = [int(d) for d in array]
            elif what == "health":
                health[i] = array
            else:
                values[i] = array
        summaries: list | None = None
        if mode != "NO_TENSOR":
            summaries = []
            for i, (shape, dtype) in enumerate(zip(shapes, node["dtypes"])):
                if i in health:
                    summaries.append(health_summary(mode, shape, dtype, health[i]))
                elif i in values:
                    summaries.append(summarize(values[i], mode))
                else:
                    summaries.append({"shape": shape, "dtype": dtype})
        gid = record.graph_id
        with self._lock:
            if not record.sent:
                self._send_graph(record)
            self.seq += 1
            seq = self.seq
            event = {"kind": "op", "seq": seq, "step": self.step, "epoch": self.epoch,
                     "op": node["op"], "name": node["name"], "scope": node["scope"],
                     "inputs": [events.graph_value_id(gid, v) for v in node["inputs"]],
                     "outputs": [events.graph_value_id(gid, v) for v in node["outputs"]],
                     "shapes": [[-1 if d is None else d for d in s] for s in shapes],
                     "dtypes": node["dtypes"], "file": node["file"], "line": node["line"],
                     "duration": 0.0, "exec": f"graph:{gid}", "summary": summaries}
            outputs = [values.get(i) for i in range(len(shapes))]
            self._keep(seq, outputs)
            if mode == "FULL_TENSOR" and self.value_sink is not None:
                for i, array in values.items():
                    self.value_sink(seq, i, np.asarray(array))
            # a headless condition reads these in the sink (inputs are not fed to reports)
            self.last_op_outputs = tuple(_Value(v) for v in outputs)
            self.last_op_inputs = ()
            try:
                self.sink(event)
            except BaseException as exc:  # noqa: B036 - carried out of TensorFlow's runtime
                self._stop_inside_graph(exc, node, "a breakpoint condition held")
            if self.graph_run_listener is not None:
                self._run_events.append(event)
        if self.after_sink is not None:
            self.after_sink(event)
        if self.on_bad_op is not None and summaries and any(
                s.get("bad") for s in summaries):
            try:
                self.on_bad_op(seq, event, [], outputs)
            except BaseException as exc:  # noqa: B036 - carried out of TensorFlow's runtime
                self._stop_inside_graph(exc, node, "NaN/Inf")

    def _stop_inside_graph(self, exc: BaseException, node: dict, why: str) -> None:
        """A headless stop raised in a compiled op's report: TensorFlow's runtime cannot
        carry a BaseException, so it is kept for the recorder and an error ends the run."""
        self.stopped = exc
        raise RuntimeError(f"tapescope: stopped at {node['op']} ({node['name']}) line "
                           f"{node['line']}: {why}") from None

    def step_end(self, in_graph: bool = False) -> None:
        """A training step ended (an optimizer update). ``in_graph``: reported by a compiled
        run (from TensorFlow's threads), so a live session hears of it with the run's ops
        when the function returns (a step batch stops there)."""
        with self._lock:
            event = self.emit("step_end", step=self.step, epoch=self.epoch)
            self.step += 1
            self._steps_since_epoch += 1
            if in_graph and self.graph_run_listener is not None:
                self._run_events.append(event)

    def epoch_end(self) -> None:
        with self._lock:
            self.emit("epoch_end", step=self.step, epoch=self.epoch)
            self.epoch += 1
            self._steps_since_epoch = 0

    def _wrap_dataset_iteration(self) -> None:
        """A Python loop over a ``tf.data.Dataset`` that trained ends an epoch when the
        dataset runs out (an evaluation pass, without updates, does not; fit counts its
        own), as on the engine."""
        from tensorflow.python.data.ops import iterator_ops

        probe = self

        def make(original: Any) -> Any:
            def __next__(iterator: Any) -> Any:
                try:
                    return original(iterator)
                except StopIteration:
                    if not probe._in_fit and probe._steps_since_epoch:
                        probe.epoch_end()
                    raise
            return __next__

        self._patch(iterator_ops.OwnedIterator, "__next__", make)

    def scalar(self, name: str, value: float, step: int, axis: str = "step") -> None:
        self.emit("scalar", step=step, epoch=self.epoch, name=name, value=value, axis=axis)

    # whether a tf.summary step counts epochs or training steps: the engine probe's rule
    _scalar_axis = Probe._scalar_axis

    def _summary_written(self, step: np.ndarray | None, value: np.ndarray | None,
                         tag: Any) -> None:
        """A ``WriteSummary`` op ran (``tf.summary.scalar`` with a default writer ends in
        one, as does ``tf.summary.write``): a one-element number is a scalar to plot, at
        the summary's own step (the probe's when it has none)."""
        if value is None or value.size != 1 or value.dtype.kind not in "iuf" or tag is None:
            return
        item = tag.item() if isinstance(tag, np.ndarray) else tag
        name = item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
        if step is None or step.size != 1:
            at, axis = self.step, "step"
        else:
            at = int(step.reshape(()))
            axis = self._scalar_axis(name, at)
        self.scalar(name, float(value.reshape(())), at, axis=axis)

    def _traced_summary(self, tf: Any, graph: Any, step: Any, value: Any, tag: Any) -> None:
        """Report each run's value of a ``WriteSummary`` traced into a function, in order
        with its ops (a scalar only: other summaries are not plotted)."""
        if (not value.dtype.is_numpy_compatible or value.dtype.name == "string"
                or value.dtype.is_bool or value.shape.num_elements() != 1):
            return
        batch = self._batches.get(id(graph))
        if batch is not None:
            batch.append(("summary", [], [step, value, tag]))
            return
        local = self._local
        busy = getattr(local, "busy", False)
        local.busy = True
        try:
            tf.numpy_function(lambda *a: self._summary_written(*a), [step, value, tag],
                              Tout=[], stateful=True, name="tapescope_summary")
        finally:
            local.busy = busy

    # -- tape, optimizer, fit ---------------------------------------------------------------------
    def _wrap_tape(self) -> None:
        from tensorflow.python.eager import backprop

        probe = self

        def make(original: Any) -> Any:
            def gradient(tape: Any, target: Any, sources: Any, *args: Any, **kwargs: Any):
                grads = original(tape, target, sources, *args, **kwargs)
                if not getattr(probe._local, "busy", False):
                    probe._gradient(target, sources, grads, stack_site(2))
                return grads
            return gradient

        self._patch(backprop.GradientTape, "gradient", make)

    def _gradient(self, target: Any, sources: Any, grads: Any, site: tuple[str, int]) -> None:
        import tensorflow as tf

        if not tf.executing_eagerly():  # traced: the gradient ops report as graph ops,
            self._traced_loss(tf, target)  # the loss and the gradients when each run
            self._traced_gradient(tf, target, sources, grads, site)  # computes them
            return
        flat_sources = tf.nest.flatten(sources)
        flat_grads = tf.nest.flatten(grads, expand_composites=False)
        stats = "FULL_HEALTH" if self.mode == "FULL_TENSOR" else self.mode
        described = []
        values: dict[int, np.ndarray] = {}  # source index -> gradient (step diff's values)
        for s, g in zip(flat_sources, flat_grads):
            handle = getattr(s, "handle", s)
            entry: dict[str, Any] = {"id": int(getattr(handle, "_id", 0)),
                                     "name": getattr(s, "path", None) or getattr(s, "name",
                                                                                 None),
                                     "shape": [int(d) for d in s.shape]}
            if g is None:
                entry["reason"] = "no gradient: the target does not depend on it"
                entry["summary"] = None
            elif self.mode == "NO_TENSOR":
                entry["summary"] = None
            else:
                value = np.asarray(tf.convert_to_tensor(g))
                entry["grad_id"] = int(getattr(g, "_id", 0))
                if value.dtype.kind in "iuf":
                    entry["norm"] = _norm(value)
                entry["summary"] = summarize(value, stats)
                if getattr(s, "trainable", False):  # a trainable variable (not a tensor)
                    values[len(described)] = value
            described.append(entry)
        self._keep_gradients(described, values)
        flat_targets = tf.nest.flatten(target)
        ids = [int(getattr(t, "_id", 0)) for t in flat_targets]
        event = self.emit("gradient", step=self.step, epoch=self.epoch,
                          target=ids[0] if len(ids) == 1 else None, sources=described,
                          file=site[0], line=site[1])
        self._store_gradients(event, values)
        if len(flat_targets) == 1:
            self._loss(_numpy(flat_targets[0]))

    def _keep_gradients(self, described: list[dict], values: dict[int, np.ndarray]) -> None:
        """Trainable variables' gradients into the live session's snapshots (step diff)."""
        if self.snapshots is not None:
            for i, value in values.items():
                self.snapshots.keep(GRADIENT, self.step, described[i]["id"], value)

    def _store_gradients(self, event: dict, values: dict[int, np.ndarray]) -> None:
        """FULL_TENSOR: the gradients stored under the event (a trace's step values)."""
        if self.mode == "FULL_TENSOR" and self.value_sink is not None:
            for i, value in values.items():
                self.value_sink(event["seq"], i, value)

    def _loss(self, value: np.ndarray | None) -> None:
        """A scalar float target of ``tape.gradient`` is the loss (fit logs its own)."""
        if (value is not None and value.size == 1 and value.dtype.kind == "f"
                and not self._in_fit):
            self.scalar("loss", float(value.reshape(())), self.step)

    def _traced_loss(self, tf: Any, target: Any) -> None:
        """Report the loss of each run of a traced function, in order with its ops."""
        flat = tf.nest.flatten(target)
        if len(flat) != 1 or not getattr(flat[0], "dtype", None) or not flat[0].dtype.is_floating:
            return
        batch = self._batches.get(id(tf.compat.v1.get_default_graph()))
        if batch is not None:
            batch.append(("loss", [], [flat[0]]))

    def _traced_gradient(self, tf: Any, target: Any, sources: Any, grads: Any,
                         site: tuple[str, int]) -> None:
        """A ``tape.gradient`` traced into a function: each run reports a "gradient" event as
        eager code does, its norms and health computed in the graph (a float64 scalar per
        source, and DebugNumericSummaryV2 or the value as the op mode asks)."""
        batch = self._batches.get(id(tf.compat.v1.get_default_graph()))
        if batch is None:
            return
        mode = self.mode
        template: list[dict] = []
        plan: list[tuple[int, str, str]] = []  # (source index, what is fed, dtype)
        feeds: list = []
        kept: set[int] = set()  # sources whose whole gradient is fed (step values)
        local = self._local
        busy = getattr(local, "busy", False)
        local.busy = True  # our ops: not the user's, not instrumented
        try:
            for i, (s, g) in enumerate(zip(tf.nest.flatten(sources),
                                           tf.nest.flatten(grads, expand_composites=False))):
                with tf.init_scope():  # the variable's eager handle: the id eager events use
                    handle = getattr(s, "handle", s)
                entry: dict[str, Any] = {
                    "id": int(getattr(handle, "_id", 0)),
                    "name": getattr(s, "path", None) or getattr(s, "name", None),
                    "shape": _shape(s.shape)}
                template.append(entry)
                if g is None:
                    entry["reason"] = "no gradient: the target does not depend on it"
                    entry["summary"] = None
                    continue
                dense = getattr(g, "values", g)  # IndexedSlices: the rows it holds
                if not dense.dtype.is_floating:
                    entry["summary"] = None
                    continue
                dtype = dense.dtype.name
                feeds.append(tf.sqrt(tf.reduce_sum(tf.square(tf.cast(dense, tf.float64)))))
                plan.append((i, "norm", dtype))
                if self._health_in_graph(tf, mode):
                    feeds.append(health_tensor(tf, mode, dense))
                    plan.append((i, "health", dtype))
                elif mode in ("FULL_HEALTH", "FULL_TENSOR"):
                    feeds.append(dense)
                    plan.append((i, "value", dtype))
                if getattr(s, "trainable", False) and (self.snapshots is not None
                                                       or mode == "FULL_TENSOR"):
                    # the step diff's gradient: the whole of it (not an IndexedSlices' rows)
                    if dense is not g or plan[-1][1] != "value":
                        feeds.append(tf.convert_to_tensor(g))
                        plan.append((i, "keep", dtype))
                    kept.add(i)
        finally:
            local.busy = busy
        # the Python stack runs through AutoGraph's generated code: the gradient ops'
        # creation traceback, which TensorFlow maps back, names the user's line
        made = next((g for g in tf.nest.flatten(grads, expand_composites=True)
                     if g is not None and hasattr(g, "op")), None)
        if made is not None:
            site = op_site(made.op)
        batch.append(("gradient", (template, plan, site, kept), feeds))

    def _traced_gradient_report(self, how: tuple, arrays: tuple) -> None:
        """One run's values of a traced ``tape.gradient``: its "gradient" event."""
        template, plan, site, kept = how
        described = [{"summary": None, **entry} for entry in template]
        stats = "FULL_HEALTH" if self.mode == "FULL_TENSOR" else self.mode
        values: dict[int, np.ndarray] = {}
        for (i, what, dtype), array in zip(plan, arrays):
            entry = described[i]
            if what == "norm":
                entry["norm"] = float(array)
            elif what == "health":
                entry["summary"] = health_summary(self.mode, entry["shape"], dtype, array)
            elif what == "keep":
                values[i] = np.asarray(array)
            else:
                entry["summary"] = summarize(np.asarray(array), stats)
                if i in kept:
                    values[i] = np.asarray(array)
        self._keep_gradients(described, values)
        event = self.emit("gradient", step=self.step, epoch=self.epoch, target=None,
                          sources=described, file=site[0], line=site[1])
        self._store_gradients(event, values)

    def _before_update(self, tf: Any, optimizer: Any, grads: list,
                       variables: Any) -> tuple | None:
        """The variables an optimizer's ``apply`` is about to update (those given a
        gradient), described and read; None when updates are not reported (idle mode, an
        optimizer applying inside another's apply, variables it cannot name)."""
        if self._applying or not self._updates.wanted():
            return None
        if variables is None:  # the optimizer's own list, matching the gradients 1:1
            variables = getattr(optimizer, "_trainable_variables", None)
            if variables is None:
                return None
        updated = [v for g, v in zip(grads, list(variables)) if g is not None]
        if not updated:
            return None
        local = self._local
        busy = getattr(local, "busy", False)
        local.busy = True  # our reads: not the user's ops
        try:
            described = self._updates.describe(tf, updated)
            return updated, described, self._updates.read(tf, updated)
        finally:
            local.busy = busy

    def _after_update(self, tf: Any, action: str, watched: tuple, batch: list | None) -> None:
        """The variables after the update: their events now (eager) or from each run of
        the traced update, in order with its ops' reports and before its step_end."""
        updated, described, before = watched
        local = self._local
        busy = getattr(local, "busy", False)
        local.busy = True
        try:
            after = self._updates.read(tf, updated)
            if tf.executing_eagerly():
                self._updates.report_eager(described, action, before, after)
                return
            feeds = self._updates.graph_feeds(tf, before, after)
            how = (described, action)
            if batch is not None:
                batch.append(("variables", how, feeds))
                return
            tf.numpy_function(lambda *arrays: self._updates.report_graph(how, arrays), feeds,
                              Tout=[], stateful=True, name="tapescope_variables")
        finally:
            local.busy = busy

    def _wrap_keras(self) -> None:
        try:
            from keras.src.optimizers.base_optimizer import BaseOptimizer
            from keras.src.trainers.trainer import Trainer
        except ImportError:  # Keras 2 / no Keras: tape and ops only
            return
        import tensorflow as tf

        probe = self

        def make_apply(original: Any) -> Any:
            def apply(optimizer: Any, grads: Any, trainable_variables: Any = None):
                grads = list(grads)  # (read twice: here and by the update)
                watched = probe._before_update(tf, optimizer, grads, trainable_variables)
                probe._applying += 1
                try:
                    result = original(optimizer, grads, trainable_variables)
                finally:
                    probe._applying -= 1
                batch = probe._batches.get(id(tf.compat.v1.get_default_graph()))
                if watched is not None:
                    probe._after_update(tf, type(optimizer).__name__, watched, batch)
                if tf.executing_eagerly():
                    probe.step_end()
                elif batch is not None:  # in order with the ops' reports of the run
                    batch.append((None, [], []))
                else:  # traced: a report after the update ends each run's step
                    local = probe._local
                    local.busy = True
                    try:
                        tf.numpy_function(lambda: probe.step_end(in_graph=True), [], Tout=[],
                                          stateful=True, name="tapescope_step_end")
                    finally:
                        local.busy = False
                return result
            return apply

        def make_compile(original: Any) -> Any:
            def compile(model: Any, *args: Any, **kwargs: Any):
                if kwargs.get("jit_compile") is True:
                    probe.emit("output", stream="debugger",
                               text="tapescope: jit_compile=True ignored: XLA would fuse "
                                    "away the ops the debugger shows\n")
                kwargs["jit_compile"] = False
                return original(model, *args, **kwargs)
            return compile

        def make_fit(original: Any) -> Any:
            def fit(model: Any, *args: Any, **kwargs: Any):
                callbacks = list(kwargs.get("callbacks") or [])
                callbacks.append(_FitLogs(probe))
                kwargs["callbacks"] = callbacks
                probe._in_fit = True
                try:
                    return original(model, *args, **kwargs)
                finally:
                    probe._in_fit = False
            return fit

        self._patch(BaseOptimizer, "apply", make_apply)
        self._patch(Trainer, "compile", make_compile)
        from keras.src.backend.tensorflow.trainer import TensorFlowTrainer

        self._patch(TensorFlowTrainer, "fit", make_fit)


def _numpy(t: Any) -> np.ndarray | None:
    try:
        return t.numpy() if t.dtype.is_numpy_compatible and t.dtype.name != "string" else None
    except (AttributeError, ValueError, TypeError):
        return None


def _norm(value: np.ndarray) -> float:
    square = float(np.sum(np.square(value, dtype=np.float64)))
    return math.sqrt(square) if square >= 0 else float("nan")


def _fit_logs_callback_base() -> Any:
    import keras

    return keras.callbacks.Callback


class _FitLogs:
    """Built lazily as a Keras callback (Keras is imported only when fit runs)."""

    def __new__(cls, probe: TFProbe) -> Any:
        base = _fit_logs_callback_base()

        class FitLogs(base):  # type: ignore[misc, valid-type]
            """Per batch: the logs as step scalars; per epoch: epoch scalars, epoch_end."""

            def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
                for name, value in (logs or {}).items():
                    number = _float(value)
                    if number is not None:
                        probe.scalar(name, number, max(probe.step - 1, 0))

            def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
                for name, value in (logs or {}).items():
                    number = _float(value)
                    if number is not None:
                        probe.scalar(f"epoch_{name}", number, probe.epoch, axis="epoch")
                probe.epoch_end()

        return FitLogs()


def _float(value: Any) -> float | None:
    try:
        return float(np.asarray(value))
    except (TypeError, ValueError):
        return None
