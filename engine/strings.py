"""``tf.strings``: string tensors (dtype ``tf.string``, values as ``bytes``)."""

from engine.ops.string_ops import (  # noqa: F401
    as_string,
    format,
    join,
    length,
    lower,
    split,
    to_number,
    upper,
)
from engine.ops.unicode_ops import bytes_split, unicode_decode, unicode_split  # noqa: F401
