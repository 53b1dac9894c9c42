"""Recurrent layers: SimpleRNN, LSTM and GRU (cells and the loop over time), as Keras 3
computes them on a CPU (its generic loop, not cuDNN).

A layer holds its cell (``lstm/lstm_cell/kernel``…); the loop runs the cell step by step
with engine ops, so tapes, traced functions and the debugger see every step. A mask
(``Embedding(mask_zero=True)``, ``Masking``) makes a masked step keep the previous state
and output, as Keras' ``rnn`` does.
"""

from __future__ import annotations

from typing import Any

from engine.context import STATE
from engine.keras import activations, initializers, regularizers
from engine.keras.layers.base import InputSpec, Layer, Shape
from engine.keras.random import SeedGenerator, draw_seed
from engine.ops import array_ops, math_ops, nn_impl
from engine.tensor import Tensor


def _refuse_constraints(kwargs: dict, layer: str) -> None:
    for unused in ("kernel_constraint", "recurrent_constraint", "bias_constraint",
                   "activity_regularizer"):
        if kwargs.pop(unused, None) is not None:
            raise ValueError(f"{layer}: {unused} is not supported by Tapescope.")


class _Cell(Layer):
    """What the three cells share: units, initializers, dropout masks drawn once per call."""

    _mask_count: int | None = None  # Keras' dropout_mask_count (one mask per gate)

    def _init_weights_args(self, units: int, activation: Any, use_bias: bool,
                           kernel_initializer: Any, recurrent_initializer: Any,
                           bias_initializer: Any, kernel_regularizer: Any,
                           recurrent_regularizer: Any, bias_regularizer: Any,
                           dropout: float, recurrent_dropout: float) -> None:
        if units <= 0:
            raise ValueError("Received an invalid value for argument `units`, expected a "
                             f"positive integer, got {units}.")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self._dropout_mask: Any = None
        self._recurrent_dropout_mask: Any = None

    def _init_gates(self, recurrent_activation: Any, implementation: int, gates: int,
                    seed: int | None) -> None:
        """LSTM's and GRU's gate settings (after the weights' arguments, as Keras): with a
        recurrent dropout, Keras' implementation 1 draws one mask per gate."""
        self.recurrent_activation = activations.get(recurrent_activation)
        self.implementation = 1 if self.recurrent_dropout != 0 else implementation
        if self.implementation == 1:
            self._mask_count = gates
        self.seed = seed
        self.seed_generator = SeedGenerator(seed)

    def _add_kernels(self, input_dim: int, gates: int) -> None:
        self.kernel = self.add_weight("kernel", (input_dim, self.units * gates),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer)
        self.recurrent_kernel = self.add_weight("recurrent_kernel",
                                                (self.units, self.units * gates),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer)

    def _masks(self, like: Tensor, rate: float) -> Any:
        ones = array_ops.ones_like(like)
        if self._mask_count is None:
            return nn_impl.stateless_dropout(ones, rate, draw_seed(self.seed_generator))
        return [nn_impl.stateless_dropout(ones, rate, draw_seed(self.seed_generator))
                for _ in range(self._mask_count)]

    def prepare_dropout(self, step_input: Tensor, state: Tensor) -> None:
        """Draw this call's masks (Keras draws them every call, training or not)."""
        if self.dropout > 0:
            self._dropout_mask = self._masks(step_input, self.dropout)
        if self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = self._masks(state, self.recurrent_dropout)

    def reset_dropout(self) -> None:
        self._dropout_mask = self._recurrent_dropout_mask = None

    def get_initial_state(self, batch_size: int) -> list[Tensor]:
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        return [array_ops.zeros((batch_size, d), self.dtype) for d in sizes]

    def _cell_config(self) -> dict:
        return dict(units=self.units, activation=activations.serialize(self.activation),
                    use_bias=self.use_bias,
                    kernel_initializer=initializers.serialize(self.kernel_initializer),
                    recurrent_initializer=initializers.serialize(self.recurrent_initializer),
                    bias_initializer=initializers.serialize(self.bias_initializer),
                    kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
                    recurrent_regularizer=regularizers.serialize(self.recurrent_regularizer),
                    bias_regularizer=regularizers.serialize(self.bias_regularizer),
                    kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                    dropout=self.dropout, recurrent_dropout=self.recurrent_dropout,
                    seed=self.seed)


class SimpleRNNCell(_Cell):
    """h = activation(x·W + b + h₋₁·U)."""

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed: int | None = None,
                 **kwargs: Any) -> None:
        _refuse_constraints(kwargs, "SimpleRNNCell")
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = SeedGenerator(seed)  # (before the initializers, as Keras)
        self._init_weights_args(units, activation, use_bias, kernel_initializer,
                                recurrent_initializer, bias_initializer, kernel_regularizer,
                                recurrent_regularizer, bias_regularizer, dropout,
                                recurrent_dropout)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape: Shape) -> None:
        self._add_kernels(int(input_shape[-1]), 1)
        self.bias = (self.add_weight("bias", (self.units,), initializer=self.bias_initializer,
                                     regularizer=self.bias_regularizer)
                     if self.use_bias else None)
        self.built = True

    def call(self, inputs: Tensor, states: Any, training: bool | None = None) -> tuple:
        prev = states[0] if isinstance(states, list | tuple) else states
        if training and self._dropout_mask is not None:
            inputs = math_ops.multiply(inputs, self._dropout_mask)
        h = math_ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            h = math_ops.add(h, self.bias)
        if training and self._recurrent_dropout_mask is not None:
            prev = math_ops.multiply(prev, self._recurrent_dropout_mask)
        out = math_ops.add(h, math_ops.matmul(prev, self.recurrent_kernel))
        if self.activation is not None:
            out = self.activation(out)
        return out, [out] if isinstance(states, list | tuple) else out

    def get_config(self) -> dict:
        return dict(super().get_config(), **self._cell_config())


class LSTMCell(_Cell):
    """Input, forget, cell and output gates (i, f, c, o) from one fused matmul each for
    x and h₋₁: c = f·c₋₁ + i·tanh(z_c), h = o·tanh(c)."""

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, kernel_regularizer: Any = None,
                 recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed: int | None = None, **kwargs: Any) -> None:
        _refuse_constraints(kwargs, "LSTMCell")
        implementation = kwargs.pop("implementation", 2)
        super().__init__(**kwargs)
        self._init_weights_args(units, activation, use_bias, kernel_initializer,
                                recurrent_initializer, bias_initializer, kernel_regularizer,
                                recurrent_regularizer, bias_regularizer, dropout,
                                recurrent_dropout)
        self._init_gates(recurrent_activation, implementation, 4, seed)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape: Shape) -> None:
        self._add_kernels(int(input_shape[-1]), 4)
        if self.use_bias:
            init = self.bias_initializer
            if self.unit_forget_bias:
                def init(shape: Any, dtype: Any = None, **kw: Any) -> Tensor:
                    parts = [self.bias_initializer((self.units,), dtype=dtype),
                             initializers.get("ones")((self.units,), dtype=dtype),
                             self.bias_initializer((self.units * 2,), dtype=dtype)]
                    return array_ops.concat(parts, 0)
            self.bias = self.add_weight("bias", (self.units * 4,), initializer=init,
                                        regularizer=self.bias_regularizer)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs: Tensor, states: Any, training: bool | None = None) -> tuple:
        h_prev, c_prev = states[0], states[1]
        u = self.units
        if self.implementation == 1:
            xs = ([math_ops.multiply(inputs, m) for m in self._dropout_mask]
                  if training and self._dropout_mask is not None else [inputs] * 4)
            hs = ([math_ops.multiply(h_prev, m) for m in self._recurrent_dropout_mask]
                  if training and self._recurrent_dropout_mask is not None else [h_prev] * 4)
            gates = []
            for k, (x, h) in enumerate(zip(xs, hs)):
                z = math_ops.matmul(x, self.kernel[:, k * u:(k + 1) * u])
                if self.bias is not None:
                    z = math_ops.add(z, self.bias[k * u:(k + 1) * u])
                gates.append(math_ops.add(z, math_ops.matmul(
                    h, self.recurrent_kernel[:, k * u:(k + 1) * u])))
        else:
            if training and self._dropout_mask is not None:
                inputs = math_ops.multiply(inputs, self._dropout_mask)
            z = math_ops.add(math_ops.matmul(inputs, self.kernel),
                             math_ops.matmul(h_prev, self.recurrent_kernel))
            if self.bias is not None:
                z = math_ops.add(z, self.bias)
            gates = array_ops.split(z, 4, axis=1)
        i = self.recurrent_activation(gates[0])
        f = self.recurrent_activation(gates[1])
        c = math_ops.add(math_ops.multiply(f, c_prev),
                         math_ops.multiply(i, self.activation(gates[2])))
        o = self.recurrent_activation(gates[3])
        h = math_ops.multiply(o, self.activation(c))
        return h, [h, c]

    def get_config(self) -> dict:
        return dict(super().get_config(), **self._cell_config(),
                    recurrent_activation=activations.serialize(self.recurrent_activation),
                    unit_forget_bias=self.unit_forget_bias)


class GRUCell(_Cell):
    """Update and reset gates (z, r) and the candidate hh: h = z·h₋₁ + (1 - z)·hh. With
    ``reset_after`` (Keras 3's default) r scales h₋₁·U_h after the matmul, and the bias
    has an input row and a recurrent row."""

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, reset_after: bool = True,
                 seed: int | None = None, **kwargs: Any) -> None:
        _refuse_constraints(kwargs, "GRUCell")
        implementation = kwargs.pop("implementation", 2)
        super().__init__(**kwargs)
        self._init_weights_args(units, activation, use_bias, kernel_initializer,
                                recurrent_initializer, bias_initializer, kernel_regularizer,
                                recurrent_regularizer, bias_regularizer, dropout,
                                recurrent_dropout)
        self._init_gates(recurrent_activation, implementation, 3, seed)
        self.reset_after = bool(reset_after)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape: Shape) -> None:
        self._add_kernels(int(input_shape[-1]), 3)
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        self.bias = (self.add_weight("bias", shape, initializer=self.bias_initializer,
                                     regularizer=self.bias_regularizer)
                     if self.use_bias else None)
        self.built = True

    def call(self, inputs: Tensor, states: Any, training: bool | None = None) -> tuple:
        h_prev = states[0] if isinstance(states, list | tuple) else states
        u = self.units
        input_bias = recurrent_bias = None
        if self.bias is not None:
            if self.reset_after:
                input_bias, recurrent_bias = self.bias[0], self.bias[1]
            else:
                input_bias = self.bias
        if self.implementation == 1:
            xs = ([math_ops.multiply(inputs, m) for m in self._dropout_mask]
                  if training and self._dropout_mask is not None else [inputs] * 3)
            hs = ([math_ops.multiply(h_prev, m) for m in self._recurrent_dropout_mask]
                  if training and self._recurrent_dropout_mask is not None else [h_prev] * 3)
            x_parts = [math_ops.matmul(x, self.kernel[:, k * u:(k + 1) * u])
                       for k, x in enumerate(xs)]
            if input_bias is not None:
                x_parts = [math_ops.add(x, input_bias[k * u:(k + 1) * u])
                           for k, x in enumerate(x_parts)]
            rec = [math_ops.matmul(hs[k], self.recurrent_kernel[:, k * u:(k + 1) * u])
                   for k in range(2)]
            if self.reset_after and recurrent_bias is not None:
                rec = [math_ops.add(r, recurrent_bias[k * u:(k + 1) * u])
                       for k, r in enumerate(rec)]
            z = self.recurrent_activation(math_ops.add(x_parts[0], rec[0]))
            r = self.recurrent_activation(math_ops.add(x_parts[1], rec[1]))
            if self.reset_after:
                rh = math_ops.matmul(hs[2], self.recurrent_kernel[:, 2 * u:])
                if recurrent_bias is not None:
                    rh = math_ops.add(rh, recurrent_bias[2 * u:])
                rh = math_ops.multiply(r, rh)
            else:
                rh = math_ops.matmul(math_ops.multiply(r, hs[2]),
                                     self.recurrent_kernel[:, 2 * u:])
            hh = self.activation(math_ops.add(x_parts[2], rh))
        else:
            if training and self._dropout_mask is not None:
                inputs = math_ops.multiply(inputs, self._dropout_mask)
            matrix_x = math_ops.matmul(inputs, self.kernel)
            if input_bias is not None:
                matrix_x = math_ops.add(matrix_x, input_bias)
            x_z, x_r, x_h = array_ops.split(matrix_x, 3, axis=-1)
            if self.reset_after:
                inner = math_ops.matmul(h_prev, self.recurrent_kernel)
                if recurrent_bias is not None:
                    inner = math_ops.add(inner, recurrent_bias)
            else:
                inner = math_ops.matmul(h_prev, self.recurrent_kernel[:, :2 * u])
            z = self.recurrent_activation(math_ops.add(x_z, inner[:, :u]))
            r = self.recurrent_activation(math_ops.add(x_r, inner[:, u:2 * u]))
            if self.reset_after:
                rh = math_ops.multiply(r, inner[:, 2 * u:])
            else:
                rh = math_ops.matmul(math_ops.multiply(r, h_prev),
                                     self.recurrent_kernel[:, 2 * u:])
            hh = self.activation(math_ops.add(x_h, rh))
        h = math_ops.add(math_ops.multiply(z, h_prev),
                         math_ops.multiply(math_ops.subtract(1.0, z), hh))
        return h, [h] if isinstance(states, list | tuple) else h

    def get_config(self) -> dict:
        return dict(super().get_config(), **self._cell_config(),
                    recurrent_activation=activations.serialize(self.recurrent_activation),
                    reset_after=self.reset_after)


class RNN(Layer):
    """Runs ``cell`` over the time axis of (batch, steps, features) inputs."""

    def __init__(self, cell: Layer, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, **kwargs: Any) -> None:
        if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
            raise ValueError("Argument `cell` should have a `call` method and a `state_size` "
                             f"attribute. Received: cell={cell}")
        if stateful:
            raise ValueError(f"{type(self).__name__}: stateful=True is not supported by "
                             "Tapescope.")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.stateful, self.unroll = bool(go_backwards), False, bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        sizes = cell.state_size
        self.state_size = list(sizes) if isinstance(sizes, list | tuple) else [sizes]
        self.single_state = not isinstance(sizes, list | tuple)

    def build(self, sequences_shape: Shape, initial_state_shape: Any = None) -> None:
        if not self.cell.built:
            STATE.scopes.append(self.name)  # the cell's weights live under the layer's path
            try:
                self.cell.build((sequences_shape[0], *tuple(sequences_shape[2:])))
            finally:
                STATE.scopes.pop()
            self.cell.built = True
        self.built = True

    def compute_output_shape(self, sequences_shape: Shape, initial_state_shape: Any = None
                             ) -> Any:
        n, steps = sequences_shape[0], sequences_shape[1]
        units = getattr(self.cell, "output_size", self.state_size[0])
        out = (n, steps, units) if self.return_sequences else (n, units)
        if self.return_state:
            return [out, *((n, s) for s in self.state_size)]
        return out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        out = mask if self.return_sequences else None
        if self.return_state:
            return [out] + [None] * len(self.state_size)
        return out

    def call(self, sequences: Tensor, initial_state: Any = None, mask: Any = None,
             training: bool | None = None) -> Any:
        steps = sequences.shape[1]
        if steps is None:
            raise ValueError(f'Layer "{self.name}": Tapescope runs an RNN over a known number '
                             "of steps; the time dimension of its input is undefined.")
        if initial_state is None:
            states = self.cell.get_initial_state(sequences.shape[0])
        else:
            states = list(initial_state) if isinstance(initial_state, list | tuple) else [
                initial_state]
            states = [math_ops.cast(s, self.cell.dtype) for s in states]
            if len(states) != len(self.state_size):
                raise ValueError(f'Layer "{self.name}" expects {len(self.state_size)} '
                                 f"initial state(s), got {len(states)}.")
        cell = self.cell
        if isinstance(cell, _Cell):
            cell.prepare_dropout(sequences[:, 0, :], states[0])
        kwargs = {"training": training} if cell._call_takes_training else {}
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        keep = None if mask is None else math_ops.cast(mask, "bool")
        outputs, prev_output = [], None
        try:
            for t in order:
                cell_states = states if not self.single_state else states[0]
                output, new_states = cell.call(sequences[:, t, :], cell_states, **kwargs)
                new_states = list(new_states) if isinstance(new_states, list | tuple) else [
                    new_states]
                if keep is not None:
                    k = array_ops.expand_dims(keep[:, t], 1)
                    if prev_output is None:
                        prev_output = array_ops.zeros_like(output)
                    fallback = array_ops.zeros_like(output) if self.zero_output_for_mask \
                        else prev_output
                    output = math_ops.where(k, output, fallback)
                    new_states = [math_ops.where(k, n, s) for n, s in zip(new_states, states)]
                    prev_output = output
                states = new_states
                outputs.append(output)
        finally:
            if isinstance(cell, _Cell):
                cell.reset_dropout()
        last = outputs[-1]
        if keep is not None and self.zero_output_for_mask is False:
            last = prev_output
        result = array_ops.stack(outputs, axis=1) if self.return_sequences else last
        if self.return_state:
            return [result, *states]
        return result

    def get_config(self) -> dict:
        return dict(super().get_config(), return_sequences=self.return_sequences,
                    return_state=self.return_state, go_backwards=self.go_backwards,
                    stateful=self.stateful, unroll=self.unroll,
                    zero_output_for_mask=self.zero_output_for_mask)


def _cell_kwargs(kwargs: dict) -> dict:
    """The base-layer arguments a wrapped cell shares with its layer (dtype, trainable)."""
    return {k: kwargs[k] for k in ("dtype", "trainable") if k in kwargs}


class _CellLayer(RNN):
    """SimpleRNN, LSTM and GRU: an RNN over their own cell, configured flat."""

    _CELL_ARGS = ("units", "activation", "use_bias", "kernel_initializer",
                  "recurrent_initializer", "bias_initializer", "kernel_regularizer",
                  "recurrent_regularizer", "bias_regularizer", "dropout",
                  "recurrent_dropout", "seed")

    def __getattr__(self, name: str) -> Any:
        cell = self.__dict__.get("cell")
        if cell is not None and (name in self._CELL_ARGS or name in (
                "recurrent_activation", "unit_forget_bias", "reset_after")):
            return getattr(cell, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def get_config(self) -> dict:
        config = RNN.get_config(self)
        cell_config = self.cell._cell_config()
        return dict(config, **cell_config, activity_regularizer=None)


_RNN_ARGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll")


def _split(kwargs: dict) -> tuple[dict, dict]:
    rnn = {k: kwargs.pop(k) for k in _RNN_ARGS if k in kwargs}
    return rnn, kwargs


class SimpleRNN(_CellLayer):
    """A fully connected RNN: h = tanh(x·W + b + h₋₁·U)."""

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed: int | None = None,
                 **kwargs: Any) -> None:
        _refuse_constraints(kwargs, "SimpleRNN")
        rnn, kwargs = _split(kwargs)
        cell = SimpleRNNCell(units, activation=activation, use_bias=use_bias,
                             kernel_initializer=kernel_initializer,
                             recurrent_initializer=recurrent_initializer,
                             bias_initializer=bias_initializer,
                             kernel_regularizer=kernel_regularizer,
                             recurrent_regularizer=recurrent_regularizer,
                             bias_regularizer=bias_regularizer, dropout=dropout,
                             recurrent_dropout=recurrent_dropout, seed=seed,
                             name="simple_rnn_cell", **_cell_kwargs(kwargs))
        super().__init__(cell, **rnn, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["seed"]  # Keras 3's SimpleRNN leaves the seed out of its config
        return config


class LSTM(_CellLayer):
    """Long short-term memory (Hochreiter & Schmidhuber): states [h, c]."""

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, kernel_regularizer: Any = None,
                 recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed: int | None = None, use_cudnn: Any = "auto", **kwargs: Any) -> None:
        _refuse_constraints(kwargs, "LSTM")
        if use_cudnn is True:
            raise ValueError("use_cudnn=True was specified, but cuDNN is not supported by "
                             "Tapescope. Pass use_cudnn='auto'.")
        rnn, kwargs = _split(kwargs)
        cell = LSTMCell(units, activation=activation, recurrent_activation=recurrent_activation,
                        use_bias=use_bias, kernel_initializer=kernel_initializer,
                        unit_forget_bias=unit_forget_bias,
                        recurrent_initializer=recurrent_initializer,
                        bias_initializer=bias_initializer,
                        kernel_regularizer=kernel_regularizer,
                        recurrent_regularizer=recurrent_regularizer,
                        bias_regularizer=bias_regularizer, dropout=dropout,
                        recurrent_dropout=recurrent_dropout, name="lstm_cell", seed=seed,
                        implementation=kwargs.pop("implementation", 2),
                        **_cell_kwargs(kwargs))
        super().__init__(cell, **rnn, **kwargs)
        self.input_spec = InputSpec(ndim=3)
        self.use_cudnn = use_cudnn

    def get_config(self) -> dict:
        return dict(super().get_config(),
                    recurrent_activation=activations.serialize(self.cell.recurrent_activation),
                    unit_forget_bias=self.cell.unit_forget_bias)


class GRU(_CellLayer):
    """Gated recurrent unit (Cho et al.), Keras 3's reset_after=True variant by default."""

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed: int | None = None,
                 reset_after: bool = True, use_cudnn: Any = "auto", **kwargs: Any) -> None:
        _refuse_constraints(kwargs, "GRU")
        if use_cudnn is True:
            raise ValueError("use_cudnn=True was specified, but cuDNN is not supported by "
                             "Tapescope. Pass use_cudnn='auto'.")
        rnn, kwargs = _split(kwargs)
        cell = GRUCell(units, activation=activation, recurrent_activation=recurrent_activation,
                       use_bias=use_bias, kernel_initializer=kernel_initializer,
                       recurrent_initializer=recurrent_initializer,
                       bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                       recurrent_regularizer=recurrent_regularizer,
                       bias_regularizer=bias_regularizer, dropout=dropout,
                       recurrent_dropout=recurrent_dropout, reset_after=reset_after,
                       name="gru_cell", seed=seed,
                       implementation=kwargs.pop("implementation", 2),
                       **_cell_kwargs(kwargs))
        super().__init__(cell, **rnn, **kwargs)
        self.input_spec = InputSpec(ndim=3)
        self.use_cudnn = use_cudnn

    def get_config(self) -> dict:
        return dict(super().get_config(),
                    recurrent_activation=activations.serialize(self.cell.recurrent_activation),
                    reset_after=self.cell.reset_after)
