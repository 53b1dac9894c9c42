"""Health summaries of compiled ops' float outputs, computed inside TensorFlow's graph.

tfdbg2's ``DebugNumericSummaryV2`` gives CURT_HEALTH ([id, any bad]) and CONCISE_HEALTH ([id,
size, -inf, +inf, nan]); its FULL_HEALTH adds the dtype, rank and the negative / zero /
positive counts, but not what the engine's FULL_HEALTH reports beside them — min, max, mean
and std over the finite elements (``debugger.tensor_stats.summarize``). Those are reduced in
the graph here too (float64, mean then the deviations from it, as numpy's std), so each
compiled op hands its report 16 numbers instead of its whole output, and the summary has the
engine's fields.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# tfdbg2's TensorDebugMode numbers (debug_event.proto) for DebugNumericSummaryV2
TF_MODES = {"CURT_HEALTH": 2, "CONCISE_HEALTH": 3, "FULL_HEALTH": 4}
# FULL_HEALTH's vector: [id, device, dtype, rank, size, -inf, +inf, nan, neg, zero, pos]
_SIZE, _NEG_INF, _POS_INF, _NAN, _ZERO = 4, 5, 6, 7, 9
_STATS = 11  # then: min, max, mean, std, finite count (ours)


def health_tensor(tf: Any, mode: str, t: Any) -> Any:
    """The float64 vector a float graph tensor's summary is read from (``summary``)."""
    health = tf.raw_ops.DebugNumericSummaryV2(input=t, output_dtype=tf.float64,
                                              tensor_debug_mode=TF_MODES[mode])
    if mode != "FULL_HEALTH":
        return health
    x = tf.cast(tf.reshape(t, [-1]), tf.float64)
    finite = tf.math.is_finite(x)
    count = tf.reduce_sum(tf.cast(finite, tf.float64))
    zero = tf.zeros_like(x)
    mean = tf.math.divide_no_nan(tf.reduce_sum(tf.where(finite, x, zero)), count)
    deviation = tf.where(finite, x - mean, zero)
    std = tf.sqrt(tf.math.divide_no_nan(tf.reduce_sum(tf.square(deviation)), count))
    infinity = tf.constant(np.inf, tf.float64)
    low = tf.reduce_min(tf.where(finite, x, infinity))
    high = tf.reduce_max(tf.where(finite, x, -infinity))
    return tf.concat([health, tf.stack([low, high, mean, std, count])], 0)


def summary(mode: str, shape: list, dtype: str, health: np.ndarray) -> dict:
    """An op event's summary from ``health_tensor``'s value, as ``summarize`` makes it."""
    out: dict[str, Any] = {"shape": shape, "dtype": dtype}
    if mode == "CURT_HEALTH":
        out["bad"] = bool(health[1])
        return out
    if mode == "CONCISE_HEALTH":
        size, neg_inf, pos_inf, nan = (int(x) for x in health[1:5])
    else:
        size, neg_inf, pos_inf, nan = (int(health[i]) for i in (_SIZE, _NEG_INF, _POS_INF,
                                                               _NAN))
    out.update(size=size, nan=nan, neg_inf=neg_inf, pos_inf=pos_inf,
               bad=bool(nan or neg_inf or pos_inf))
    if mode == "FULL_HEALTH":
        low, high, mean, std, count = (float(x) for x in health[_STATS:_STATS + 5])
        stats = [low, high, mean, std] if count else [None] * 4
        out.update(zip(("min", "max", "mean", "std"), stats, strict=True))
        out["zeros"] = int(health[_ZERO])
    return out
