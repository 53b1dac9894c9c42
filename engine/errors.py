"""TensorFlow's exception types (``tf.errors``), raised with TensorFlow's messages."""

from __future__ import annotations


class OpError(Exception):
    """Base of the errors an op raises; carries the op's name like TensorFlow's."""

    def __init__(self, node_def: object = None, op: object = None, message: str = "",
                 *args: object) -> None:
        # TensorFlow's signature is (node_def, op, message); accept a lone message too.
        if not message and isinstance(node_def, str) and op is None:
            message, node_def = node_def, None
        super().__init__(message)
        self.message = message
        self.node_def = node_def
        self.op = op

    def __str__(self) -> str:
        # An eager op's message ends "[Op:AddV2] name: " in TensorFlow (the op's name, empty
        # unless the caller gave one): the same shape here.
        if (self.message.endswith("]") and "[Op:" in self.message
                and not getattr(self, "function_call", False)):
            return self.message + " name: "
        return self.message


class InvalidArgumentError(OpError):
    """An op received an argument it cannot take (shapes, values)."""


class NotFoundError(OpError):
    """A file or resource is missing."""


class UnimplementedError(OpError):
    """The operation is not implemented."""


class FailedPreconditionError(OpError):
    """The system is not in a state where the operation can run."""


class OutOfRangeError(OpError):
    """Iteration went past the end (e.g. of a dataset)."""


class ResourceExhaustedError(OpError):
    """A resource (memory) ran out."""


class InternalError(OpError):
    """An invariant of the engine broke; a bug in Tapescope."""


class DataLossError(OpError):
    """Data was lost or corrupted (also: padding to a shape smaller than an element)."""
