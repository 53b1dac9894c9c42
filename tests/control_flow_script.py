"""A small traced function with a tensor ``if`` and a ``while`` loop whose body makes a NaN
on its third iteration of the second call (``sqrt`` of a negative), shared by the tests of
what the debugger shows of control flow (recordings, export, the graph dock)."""

LOOPY_SCRIPT = """\
import engine as tf


@tf.function
def shrink(x, n):
    if tf.reduce_sum(x) > 0:
        x = x * 2.0
    else:
        x = -x
    i = tf.constant(0)
    while i < n:
        x = x - 1.0
        x = tf.sqrt(x)
        i += 1
    return x


print(shrink(tf.constant([100.0, 200.0]), tf.constant(3)).numpy())
print(shrink(tf.constant([2.0, 3.0]), tf.constant(4)).numpy())
"""


def line_of(text: str) -> int:
    """The line of ``LOOPY_SCRIPT`` holding ``text``."""
    return next(i for i, line in enumerate(LOOPY_SCRIPT.splitlines(), 1) if text in line)


def traced_shrink():
    """The script's function made in this process (a fresh ``tf.function``: traced anew),
    with its loop body in one line, ``tf.sqrt(x - 1.0)``."""
    import engine as tf

    @tf.function
    def shrink(x, n):
        if tf.reduce_sum(x) > 0:
            x = x * 2.0
        else:
            x = -x
        i = tf.constant(0)
        while i < n:
            x = tf.sqrt(x - 1.0)
            i += 1
        return x

    return shrink
