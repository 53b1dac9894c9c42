"""``Model`` (functional and subclassed), ``Sequential``, and the compile/fit/evaluate loop.

Three ways to define a model, as in tf.keras:
- ``Sequential([layers...])``: layers applied in order.
- ``Model(inputs, outputs)``: the graph of layer calls recorded on ``Input`` placeholders
  (``KerasTensor`` → ``Node``) and replayed, in topological order, on real tensors.
- a ``Model`` subclass with ``__init__`` and ``call``: layers assigned as attributes are
  tracked automatically (their weights are the model's).

``fit`` calls ``self.train_function(data)`` for every batch; ``compile`` sets it to
``self.train_step`` (and ``test_function``/``predict_function`` likewise), so the lead can
swap in a traced ``engine.function(self.train_step)`` or users can override ``train_step``
as in the Keras guide "Customizing what happens in fit()".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import nest
from engine.context import STATE
from engine.keras import backend, data_adapter, losses, optimizers
from engine.keras import callbacks as callbacks_module
from engine.keras import metrics as metrics_module
from engine.keras.layers.base import LAYER_CLASSES, InputSpec, KerasTensor, Layer, Node
from engine.keras.layers.input_layer import InputLayer
from engine.keras.summary import print_summary
from engine.ops import array_ops, math_ops
from engine.tape import GradientTape
from engine.tensor import Tensor, wrap


def _floats(logs: dict) -> dict[str, float]:
    return {k: float(v._value if isinstance(v, Tensor) else v) for k, v in logs.items()}


# -- compiled loss and metrics ------------------------------------------------------------------

class LossesContainer:
    """``model.compiled_loss``: the compiled loss plus regularization, tracked as ``loss``."""

    def __init__(self, loss: Any) -> None:
        if isinstance(loss, list | tuple):
            self._losses = [losses.get(item) for item in loss]
        else:
            self._losses = losses.get(loss)
        self.loss_metric = metrics_module.Mean(name="loss")

    @property
    def metrics(self) -> list[metrics_module.Metric]:
        return [self.loss_metric]

    def _one(self, fn: Any, y_true: Any, y_pred: Any, sample_weight: Any) -> Tensor:
        if isinstance(fn, losses.Loss):
            return fn(y_true, y_pred, sample_weight)
        return losses.reduce_weighted(fn(y_true, y_pred), sample_weight)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None,
                 regularization_losses: list | None = None) -> Tensor:
        terms = []
        if self._losses is not None:
            if nest.is_nested(y_pred):
                outs = nest.flatten(y_pred)
                trues = nest.flatten(y_true) if nest.is_nested(y_true) else [y_true]
                fns = (self._losses if isinstance(self._losses, list)
                       else [self._losses] * len(outs))
                if not len(trues) == len(outs) == len(fns):
                    raise ValueError(f"The model has {len(outs)} outputs but got {len(trues)} "
                                     f"target(s) and {len(fns)} loss(es).")
                terms += [self._one(f, t, p, sample_weight) for f, t, p in zip(fns, trues, outs)]
            else:
                fn = self._losses[0] if isinstance(self._losses, list) else self._losses
                terms.append(self._one(fn, y_true, y_pred, sample_weight))
        terms += list(regularization_losses or [])
        if not terms:
            raise ValueError("No loss found. You may have forgotten to provide a `loss` argument "
                             "in the `compile()` method.")
        total = terms[0]
        for t in terms[1:]:
            total = math_ops.add(total, math_ops.cast(t, total.dtype))
        batch = nest.flatten(y_pred)[0].shape[0]
        self.loss_metric.update_state(total, sample_weight=batch)
        return total


class MetricsContainer:
    """``model.compiled_metrics``: metrics from ``compile``, built on the first batch.

    Built lazily because ``"accuracy"`` means binary, sparse or categorical accuracy
    depending on the shapes of the labels and predictions (as in Keras).
    """

    def __init__(self, metrics: Any, loss: Any) -> None:
        self._requested = list(metrics or [])
        self._loss = loss
        self._metrics: list[metrics_module.Metric] | None = None

    @property
    def metrics(self) -> list[metrics_module.Metric]:
        return list(self._metrics or [])

    def _build(self, y_true: Tensor, y_pred: Tensor) -> None:
        built = []
        for m in self._requested:
            if isinstance(m, str) and m.lower() in ("accuracy", "acc"):
                built.append(metrics_module.accuracy_for(m, self._loss, y_true, y_pred))
            else:
                built.append(metrics_module.get(m))
        self._metrics = built

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        if not self._requested:
            return
        if nest.is_nested(y_pred):
            raise ValueError("compile(metrics=...) supports models with one output in "
                             "Tapescope; this model has several.")
        y_true = y_true if isinstance(y_true, Tensor) else wrap(np.asarray(y_true))
        if self._metrics is None:
            self._build(y_true, y_pred)
        for m in self._metrics or []:
            m.update_state(y_true, y_pred, sample_weight)

    def reset_state(self) -> None:
        for m in self._metrics or []:
            m.reset_state()


# -- Model ------------------------------------------------------------------------------------

def _built_output_shape(layer: Layer) -> Any:
    """A layer's output shape as Keras 3 shows it outside a graph: from its functional calls,
    else from the shape it was built for (``(4, 2)`` after an eager call on 4 rows), else
    unknown (None)."""
    if layer._inbound_nodes:
        return layer._inbound_nodes[-1].output_shapes
    if not layer.built or layer._build_input_shape is None:
        return None
    try:
        return layer.compute_output_shape(layer._build_input_shape)
    except (NotImplementedError, ValueError, TypeError):
        return None


def _layers_by_depth(order: list[Node], first_seen: dict[int, int]) -> list[Layer]:
    """The layers as Keras 3 lists them: farthest from the outputs first (depth = most
    layers between a node and an output), ties in the order the walk from the outputs met
    them. ``order`` is the nodes in topological order."""
    node_depth: dict[int, int] = {}
    layer_depth: dict[int, int] = {}
    layers: dict[int, Layer] = {}
    in_graph = {id(n) for n in order}
    for node in reversed(order):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = node_depth[id(node)] = depth
        layers[id(node.layer)] = node.layer
        for parent in node.parent_nodes:
            if id(parent) in in_graph:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    return sorted(layers.values(),
                  key=lambda lay: (-layer_depth[id(lay)], first_seen[id(lay)]))


class Model(Layer):
    """A layer with ``compile``/``fit``/``evaluate``/``predict``/``summary``/``save``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        inputs = kwargs.pop("inputs", args[0] if args else None)
        outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
        if inputs is not None and type(self) is Model and not kwargs.get("name"):
            # Keras 3 builds Model(inputs, outputs) as a Functional: named "functional".
            kwargs["name"] = backend.unique_object_name("functional")
        super().__init__(**kwargs)
        self._is_graph_network = False
        self.optimizer: Any = None
        self.loss: Any = None
        self.compiled_loss: LossesContainer | None = None
        self.compiled_metrics: MetricsContainer | None = None
        self._is_compiled = False
        self._compile_config: dict | None = None
        self.stop_training = False
        self.history: Any = None
        self.train_function: Any = None
        self.test_function: Any = None
        self.predict_function: Any = None
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError("A functional Model needs both `inputs` and `outputs`.")
            self._init_graph_network(inputs, outputs)

    # -- functional graph -----------------------------------------------------------------
    def _init_graph_network(self, inputs: Any, outputs: Any) -> None:
        for t in nest.flatten(inputs) + nest.flatten(outputs):
            if not isinstance(t, KerasTensor):
                raise TypeError(f"Model(inputs, outputs) takes KerasTensors made from "
                                f"keras.Input and layer calls; got {type(t).__name__}: {t!r}")
        for t in nest.flatten(inputs):
            if not isinstance(t.node.layer, InputLayer):
                raise ValueError(f"Model inputs must come from `keras.Input`; {t!r} was "
                                 f'produced by layer "{t.node.layer.name}".')
        self._nested_inputs, self._nested_outputs = inputs, outputs
        self.inputs = nest.flatten(inputs)
        self.outputs = nest.flatten(outputs)
        order: list[Node] = []
        seen: set[int] = set()

        first_seen: dict[int, int] = {}  # layer → when the walk first reached it

        def visit(node: Node) -> None:
            if id(node) in seen:
                return
            seen.add(id(node))
            first_seen.setdefault(id(node.layer), len(first_seen))
            for parent in node.parent_nodes:
                visit(parent)
            order.append(node)

        for t in self.outputs:
            visit(t.node)
        input_ids = {id(t) for t in self.inputs}
        reached: list[str] = []
        for node in order:
            if isinstance(node.layer, InputLayer) and id(node.outputs) not in input_ids:
                raise ValueError(f"Graph disconnected: cannot obtain value for tensor "
                                 f'{node.outputs!r} at layer "{node.layer.name}". The following '
                                 f"previous layers were accessed without issue: {reached}")
            reached.append(node.layer.name)
        self._graph_nodes = order
        self._run_nodes = [n for n in order if not isinstance(n.layer, InputLayer)]
        self._graph_layers = _layers_by_depth(order, first_seen)
        graph_layers = self._graph_layers
        names = [lay.name for lay in graph_layers]
        duplicate = next((n for n in names if names.count(n) > 1), None)
        if duplicate is not None:
            raise ValueError(f'The name "{duplicate}" is used 2 times in the model. All layer '
                             "names should be unique.")
        self.input_spec = [InputSpec(shape=t.shape, name=t.node.layer.name) for t in self.inputs]
        self._is_graph_network = True
        self.built = True

    def _run_graph(self, inputs: Any, training: bool | None) -> Any:
        flat = nest.flatten(inputs)
        if len(flat) != len(self.inputs):
            raise ValueError(f'Layer "{self.name}" expects {len(self.inputs)} input(s), but it '
                             f"received {len(flat)} input tensors.")
        values = {id(k): v for k, v in zip(self.inputs, flat)}

        def lookup(t: Any) -> Any:
            return values[id(t)] if isinstance(t, KerasTensor) else t

        for node in self._run_nodes:
            args = nest.map_structure(lookup, node.args)
            kwargs = dict(node.kwargs)
            kwargs.setdefault("training", training)
            out = node.layer(args, **kwargs)
            for k, v in zip(nest.flatten(node.outputs), nest.flatten(out)):
                values[id(k)] = v
        return nest.map_structure(lookup, self._nested_outputs)

    def _convert_input(self, x: Any) -> Any:
        """Keras 3's _adjust_input_rank for a one-input model: data one rank short of the
        Input's gains a trailing axis where the Input ends in 1 (a column of numbers fed
        to Input((1,))), and a trailing 1 beyond the Input's rank is dropped."""
        x = super()._convert_input(x)
        inputs = getattr(self, "inputs", None) or []
        if not isinstance(x, Tensor) or len(inputs) != 1:
            return x
        ref, rank = inputs[0].shape, len(x.shape)
        if rank == len(ref) - 1 and ref and ref[-1] == 1:
            return array_ops.expand_dims(x, -1)
        if rank == len(ref) + 1 and x.shape[-1] == 1:
            return array_ops.squeeze(x, -1)
        return x

    def call(self, inputs: Any, training: bool | None = None, mask: Any = None,
             **kwargs: Any) -> Any:
        if self._is_graph_network:
            return self._run_graph(inputs, training)
        raise NotImplementedError(f"Model {type(self).__name__} has no `call`: subclass Model "
                                  "and define call(inputs), or build it from Input and outputs.")

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self._is_graph_network:
            return nest.map_structure(lambda t: t.shape, self._nested_outputs)
        return super().compute_output_shape(input_shape)

    def build(self, input_shape: Any) -> None:
        """Create the weights of a subclassed model by calling it once on zeros."""
        if self._is_graph_network or self.built:
            self.built = True
            return
        shape = tuple(1 if d is None else int(d) for d in input_shape)
        self._build_input_shape = tuple(input_shape)
        self.built = True  # call() below must not re-enter build
        with backend.unobserved(keep_hook=True):
            self(wrap(np.zeros(shape, dtype=self.dtype)), training=False)

    def _maybe_build(self, input_shape: Any) -> None:
        if not self.built:
            self._build_input_shape = input_shape
            if type(self).build is not Model.build:
                self.build(input_shape)
            self.built = True

    # -- layers ----------------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        if self._is_graph_network:
            return list(self._graph_layers)
        return list(self._sublayers())

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[lay.name for lay in self.layers]}.")

    @property
    def input_shape(self) -> Any:
        """The inputs' shapes, batch axis included: one tuple, or a list for several."""
        return self._endpoint_shapes(getattr(self, "inputs", None), "input")

    @property
    def output_shape(self) -> Any:
        """The outputs' shapes, batch axis included: one tuple, or a list for several."""
        return self._endpoint_shapes(getattr(self, "outputs", None), "output")

    def _endpoint_shapes(self, tensors: Any, kind: str) -> Any:
        if not tensors:
            raise AttributeError(f"{type(self).__name__} model '{self.name}' has no defined "
                                 f"{kind} shape yet.")
        shapes = [tuple(t.shape) for t in tensors]
        return shapes[0] if len(shapes) == 1 else shapes

    # -- summary ---------------------------------------------------------------------------
    def summary(self, line_length: int | None = None, positions: list | None = None,
                print_fn: Any = None, **kwargs: Any) -> None:
        """Print the layer table (name, output shape, params) and the param totals; an
        unbuilt model prints too, its layers marked ``?`` / ``0 (unbuilt)`` as in Keras 3."""
        print_summary(self, line_length, positions, print_fn)

    def _summary_layers(self) -> list[Layer]:
        return self.layers

    def _summary_output_shape(self, layer: Layer) -> Any:
        if not self._is_graph_network:
            return _built_output_shape(layer)
        nodes = [n for n in self._graph_nodes if n.layer is layer]
        return nodes[-1].output_shapes if nodes else None  # Keras 3 shows the last call's

    def _summary_connections(self) -> dict[int, list[str]] | None:
        """Inbound connections per layer, or None when the model is a simple chain."""
        if not self._is_graph_network:
            return None
        nodes = self._graph_nodes
        chain = all(len(n.input_tensors) <= 1 for n in nodes) and len(self.inputs) == 1 and \
            len(self.outputs) == 1 and len({id(n.layer) for n in nodes}) == len(nodes) and \
            all(sum(t.node is n for m in nodes for t in m.input_tensors) <= 1 for n in nodes)
        if chain:
            return None
        out: dict[int, list[str]] = {}
        for n in nodes:
            links = out.setdefault(id(n.layer), [])
            for t in n.input_tensors:
                index = t.node.layer._inbound_nodes.index(t.node)
                links.append(f"{t.node.layer.name}[{index}][{t.index}]")
        return out

    # -- compile -------------------------------------------------------------------------------
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Any = None,
                loss_weights: Any = None, weighted_metrics: Any = None,
                run_eagerly: bool | None = None, steps_per_execution: int | None = None,
                jit_compile: Any = None, **kwargs: Any) -> None:
        """Choose the optimizer, loss and metrics ``fit``/``evaluate`` use."""
        if loss_weights is not None or weighted_metrics is not None:
            raise ValueError("compile: loss_weights and weighted_metrics are not supported by "
                             "Tapescope.")
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        self.compiled_loss = LossesContainer(loss)
        self.compiled_metrics = MetricsContainer(metrics, self.compiled_loss._losses)
        self.run_eagerly = run_eagerly
        self.train_function = self.train_step
        self.test_function = self.test_step
        self.predict_function = self.predict_step
        self._is_compiled = True
        self._compile_config = {"optimizer": optimizer, "loss": loss, "metrics": metrics}

    def _assert_compiled(self, what: str) -> None:
        if not self._is_compiled:
            raise RuntimeError(f"You must compile your model before {what}. Call "
                               "`model.compile(optimizer, loss)`.")

    @property
    def metrics(self) -> list[metrics_module.Metric]:
        """The loss tracker and compiled metrics (override to list your own in train_step)."""
        out: list[metrics_module.Metric] = []
        if self.compiled_loss is not None:
            out += self.compiled_loss.metrics
        if self.compiled_metrics is not None:
            out += self.compiled_metrics.metrics
        return out

    @property
    def metrics_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        for m in self.metrics:
            m.reset_state()

    # -- steps ---------------------------------------------------------------------------------
    def compute_loss(self, x: Any = None, y: Any = None, y_pred: Any = None,
                     sample_weight: Any = None) -> Tensor:
        return self.compiled_loss(y, y_pred, sample_weight, regularization_losses=self.losses)

    def compute_metrics(self, x: Any, y: Any, y_pred: Any, sample_weight: Any) -> dict:
        self.compiled_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict[str, Tensor]:
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data: Any) -> dict[str, Tensor]:
        """One optimizer step on one batch; returns the running metric values."""
        x, y, sample_weight = data_adapter.unpack(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight)
        variables = self.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data: Any) -> dict[str, Tensor]:
        x, y, sample_weight = data_adapter.unpack(data)
        y_pred = self(x, training=False)
        self.compute_loss(x, y, y_pred, sample_weight)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data: Any) -> Any:
        x, _, _ = data_adapter.unpack(data)
        return self(x, training=False)

    # -- fit / evaluate / predict ----------------------------------------------------------------
    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = None, epochs: int = 1,
            verbose: Any = "auto", callbacks: Any = None, validation_split: float = 0.0,
            validation_data: Any = None, shuffle: bool = True, class_weight: dict | None = None,
            sample_weight: Any = None, initial_epoch: int = 0,
            steps_per_epoch: int | None = None, validation_steps: int | None = None,
            validation_batch_size: int | None = None,
            validation_freq: int = 1) -> callbacks_module.History:
        """Train for ``epochs`` passes over the data; returns the History of epoch logs."""
        self._assert_compiled("training it")
        verbose = 1 if verbose == "auto" else int(verbose)
        if class_weight is not None:
            if y is None:
                raise ValueError("`class_weight` needs array labels `y`.")
            weights = data_adapter.class_weights_to_sample_weight(y, class_weight)
            sample_weight = weights if sample_weight is None else (
                np.asarray(sample_weight) * weights)
        train = data_adapter.make_batches(x, y, sample_weight, batch_size, shuffle,
                                          steps_per_epoch)
        val = None
        if validation_data is None and validation_split:
            if not isinstance(train, data_adapter.ArrayBatches):
                raise ValueError("`validation_split` is only supported for Tensors or NumPy "
                                 f"arrays, found input of type {type(x).__name__}.")
            train, val = train.split(validation_split)
        elif validation_data is not None:
            if data_adapter.is_array_data(validation_data) or isinstance(validation_data, tuple):
                vx, vy, vw = data_adapter.unpack(validation_data)
                val = data_adapter.make_batches(vx, vy, vw,
                                                validation_batch_size or batch_size,
                                                steps=validation_steps)
            else:
                val = data_adapter.make_batches(validation_data, steps=validation_steps)
        cbs = callbacks_module.CallbackList(
            callbacks, model=self, add_history=True, add_progbar=verbose != 0,
            verbose=verbose, epochs=epochs, steps=train.steps)  # Keras 3's History.params
        self.stop_training = False
        cbs.on_train_begin()
        logs: dict[str, float] = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            step = -1
            for step, batch in enumerate(train):
                cbs.on_train_batch_begin(step)
                logs = _floats(self.train_function(batch))
                cbs.on_train_batch_end(step, logs, epoch=epoch)
                if self.stop_training:
                    break
            if step < 0:
                raise ValueError("Expected input data to be non-empty: fit received no batch.")
            epoch_logs = dict(logs)
            if val is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._evaluate_batches(val, cbs)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            logs = epoch_logs
            if self.stop_training:
                break
        cbs.on_train_end(logs)
        return cbs.history

    def _evaluate_batches(self, data: Any, cbs: callbacks_module.CallbackList) -> dict:
        test_function = self.test_function or self.test_step
        self.reset_metrics()
        cbs.on_test_begin()
        logs: dict[str, float] = {}
        for step, batch in enumerate(data):
            cbs.on_test_batch_begin(step)
            logs = _floats(test_function(batch))
            cbs.on_test_batch_end(step, logs)
        cbs.on_test_end(logs)
        return logs

    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None,
                 verbose: Any = "auto", sample_weight: Any = None, steps: int | None = None,
                 callbacks: Any = None, return_dict: bool = False, **kwargs: Any) -> Any:
        """Loss and metrics over the data: a scalar, a list ``[loss, *metrics]``, or a dict."""
        self._assert_compiled("evaluating it")
        verbose = 1 if verbose == "auto" else int(verbose)
        data = data_adapter.make_batches(x, y, sample_weight, batch_size, False, steps)
        cbs = callbacks_module.CallbackList(callbacks, model=self, add_progbar=verbose != 0,
                                            verbose=verbose, epochs=1, steps=data.steps)
        logs = self._evaluate_batches(data, cbs)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x: Any, batch_size: int | None = None, verbose: Any = "auto",
                steps: int | None = None, callbacks: Any = None, **kwargs: Any) -> Any:
        """The model's outputs for ``x``, computed batch by batch, as numpy arrays."""
        verbose = 1 if verbose == "auto" else int(verbose)
        data = data_adapter.make_batches(x, None, None, batch_size, False, steps)
        predict_function = self.predict_function or self.predict_step
        cbs = callbacks_module.CallbackList(callbacks, model=self, add_progbar=verbose != 0,
                                            verbose=verbose, epochs=1, steps=data.steps)
        cbs.on_predict_begin()
        outputs = []
        for step, batch in enumerate(data):
            cbs.on_predict_batch_begin(step)
            out = predict_function(batch)
            outputs.append(nest.map_structure(lambda t: np.asarray(t._value), out))
            cbs.on_predict_batch_end(step, {"outputs": out})
        cbs.on_predict_end()
        if not outputs:
            raise ValueError("Unexpected result of `predict_function` (Empty batch_outputs). "
                             "The input data yielded no batch.")
        return nest.map_structure(lambda *parts: np.concatenate(parts), *outputs)

    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                       return_dict: bool = False) -> Any:
        self._assert_compiled("training it")
        self.reset_metrics()
        batch = next(iter(data_adapter.make_batches(x, y, sample_weight, len(x), False)))
        logs = _floats((self.train_function or self.train_step)(batch))
        return logs if return_dict else (list(logs.values()) if len(logs) > 1
                                         else next(iter(logs.values())))

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                      return_dict: bool = False) -> Any:
        self._assert_compiled("evaluating it")
        self.reset_metrics()
        batch = next(iter(data_adapter.make_batches(x, y, sample_weight, len(x), False)))
        logs = _floats((self.test_function or self.test_step)(batch))
        return logs if return_dict else (list(logs.values()) if len(logs) > 1
                                         else next(iter(logs.values())))

    def predict_on_batch(self, x: Any) -> Any:
        out = (self.predict_function or self.predict_step)((x,))
        return nest.map_structure(lambda t: np.asarray(t._value), out)

    # -- saving ----------------------------------------------------------------------------
    def save(self, filepath: Any, overwrite: bool = True, **kwargs: Any) -> None:
        """Save architecture, weights and compile settings to the folder ``filepath``."""
        from engine.keras import saving

        saving.save_model(self, filepath, overwrite=overwrite)

    def export(self, filepath: Any, format: str = "tf_saved_model",  # noqa: A002
               verbose: bool = True, **kwargs: Any) -> None:
        """Keras 3's export for serving: a SavedModel with a ``serve`` endpoint."""
        from engine.saved_model.keras_export import export

        export(self, filepath, format=format, verbose=verbose, **kwargs)

    def save_weights(self, filepath: Any, overwrite: bool = True, **kwargs: Any) -> None:
        from engine.keras import saving

        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: Any, **kwargs: Any) -> None:
        from engine.keras import saving

        saving.load_weights(self, filepath)

    def get_config(self) -> dict:
        if not self._is_graph_network:
            return {"name": self.name, "trainable": self.trainable}
        from engine.keras import saving

        return saving.functional_config(self)

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Model:
        if "nodes" in config and "layers" in config:
            from engine.keras import saving

            return saving.functional_from_config(cls, config, custom_objects)
        try:
            return cls(**config)
        except TypeError:
            model = cls()
            model._name = config.get("name", model.name)
            return model


class Sequential(Model):
    """A plain stack of layers, each applied to the output of the previous one."""

    def __init__(self, layers: Any = None, name: str | None = None, trainable: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._stack: list[Layer] = []
        self._input_tensor: KerasTensor | None = None
        self._last_output: KerasTensor | None = None
        self._output_shapes: dict[int, Any] = {}
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self) -> list[Layer]:
        return list(self._stack)

    def add(self, layer: Any) -> None:
        """Append a layer (an ``Input``/``InputLayer`` first fixes the input shape)."""
        if isinstance(layer, KerasTensor) and isinstance(layer.node.layer, InputLayer):
            layer = layer.node.layer
        if isinstance(layer, InputLayer):
            if self._stack or self._input_tensor is not None:
                raise ValueError("An InputLayer can only be the first layer of a Sequential "
                                 "model.")
            self._start_graph(layer._batch_input_shape, layer)
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"The added layer must be an instance of class Layer. Received: "
                            f"layer={layer!r} of type {type(layer).__name__}.")
        if any(existing.name == layer.name for existing in self._stack):
            raise ValueError(f"All layers added to a Sequential model should have unique names. "
                             f'Name "{layer.name}" is already the name of a layer in this model. '
                             "Update the `name` argument to pass a unique name.")
        self._stack.append(layer)
        if self._input_tensor is None and len(self._stack) == 1 and \
                layer._batch_input_shape is not None:
            self._start_graph(layer._batch_input_shape, None)
        elif self._last_output is not None:
            self._extend_graph(layer)

    def _start_graph(self, batch_shape: Any, input_layer: InputLayer | None) -> None:
        if input_layer is None:
            first = self._stack[0].name if self._stack else self.name
            input_layer = InputLayer(batch_input_shape=batch_shape, name=f"{first}_input",
                                     dtype=self.dtype)
        self._input_tensor = input_layer.output_tensor
        self._last_output = self._input_tensor
        self._batch_input_shape = tuple(batch_shape)
        # Keras 3's Sequential checks only the rank of its input: a size that does not fit is
        # the first layer's error, raised inside Sequential.call()
        self.input_spec = InputSpec(shape=self._input_tensor.shape, sizes=False)
        for layer in self._stack:
            self._extend_graph(layer)
        self.built = True

    def _extend_graph(self, layer: Layer) -> None:
        # Built inside the model's scope, as Keras 3 builds them: sequential/dense/kernel.
        opened = not STATE.scopes or STATE.scopes[-1] != self.name
        if opened:
            STATE.scopes.append(self.name)
        try:
            self._last_output = layer(self._last_output)
        finally:
            if opened:
                STATE.scopes.pop()
        self._output_shapes[id(layer)] = self._last_output.shape \
            if isinstance(self._last_output, KerasTensor) else None

    def build(self, input_shape: Any = None) -> None:
        if self._input_tensor is None:
            if input_shape is None:
                raise ValueError("You must provide an `input_shape` argument.")
            self._start_graph((None, *tuple(input_shape)[1:]), None)
        self.built = True

    def _maybe_build(self, input_shape: Any) -> None:
        if not self.built:
            self._build_input_shape = input_shape
            self.build(input_shape)

    @property
    def inputs(self) -> list[KerasTensor]:
        return [] if self._input_tensor is None else [self._input_tensor]

    @property
    def outputs(self) -> list[KerasTensor]:
        return [] if self._last_output is None else [self._last_output]

    def call(self, inputs: Any, training: bool | None = None, mask: Any = None,
             **kwargs: Any) -> Any:
        x = inputs
        for layer in self._stack:
            x = layer(x, training=training)
        return x

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = input_shape
        for layer in self._stack:
            shape = layer.compute_output_shape(shape)
        return shape

    def _summary_output_shape(self, layer: Layer) -> Any:
        return self._output_shapes.get(id(layer))

    def _summary_connections(self) -> None:
        return None

    def get_config(self) -> dict:
        from engine.keras import saving

        layers = [saving.layer_config(lay) for lay in self._stack]
        if self._input_tensor is not None:
            layers.insert(0, saving.layer_config(self._input_tensor.node.layer))
        return {"name": self.name, "layers": layers}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Sequential:
        from engine.keras import saving

        model = cls(name=config.get("name"))
        for item in config.get("layers", []):
            model.add(saving.layer_from_config(item, custom_objects))
        return model


Functional = Model


def load_model(filepath: Any, custom_objects: dict | None = None, compile: bool = True,
               **kwargs: Any) -> Model:
    """``tf.keras.models.load_model``: rebuild a model saved with ``model.save``."""
    from engine.keras import saving

    return saving.load_model(filepath, custom_objects=custom_objects, compile=compile)


def save_model(model: Model, filepath: Any, overwrite: bool = True, **kwargs: Any) -> None:
    model.save(filepath, overwrite=overwrite)


def clone_model(model: Model, custom_objects: dict | None = None) -> Model:
    """A new model with the same architecture and freshly initialized weights."""
    from engine.keras import saving

    return saving.model_from_config(saving.layer_config(model), custom_objects)


LAYER_CLASSES.update({"Model": Model, "Sequential": Sequential, "Functional": Model})
