"""Health summaries of compiled ops' float outputs, computed inside TensorFlow's graph.

tfdbg2's ``DebugNumericSummaryV2`` gives CURT_HEALTH ([id, any bad]) and CONCISE_HEALTH ([id,
size, -inf, +inf, nan]); its FULL_HEALTH adds the dtype, rank and the negative / zero /
positive counts, but not what the engine's FULL_HEALTH reports beside them — min, max, mean
and std over the finite elements (``debugger.tensor_stats.summarize``). Those are reduced in
the graph here too (min and max over the finite elements, their sum and sum of squares in
float64; mean and std from them), so a compiled op hands its report 15 numbers instead of
its whole output, and the summary has the engine's fields.

Where that pays: measured on this project's 2-core CPU box (one thread, 60 ops per run), the
in-graph FULL_HEALTH cost about as much CPU as numpy's summary of fed outputs for [32, 128]
tensors (4.8 vs 4.5 ms) and 2.7x as much for [256, 1024] (108 vs 39 ms; tfdbg2's own
DebugNumericSummaryV2 alone 59 ms): on a CPU the output is in host memory already and
numpy's pass is the cheaper one. On a GPU the outputs would have to be copied to the host
for it. So ``TFProbe`` reduces FULL_HEALTH in the graph when TensorFlow sees a GPU and feeds
the outputs otherwise (``TFProbe.full_health_in_graph``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

# tfdbg2's TensorDebugMode numbers (debug_event.proto) for DebugNumericSummaryV2
TF_MODES = {"CURT_HEALTH": 2, "CONCISE_HEALTH": 3, "FULL_HEALTH": 4}
# FULL_HEALTH's vector: [id, device, dtype, rank, size, -inf, +inf, nan, neg, zero, pos]
_SIZE, _NEG_INF, _POS_INF, _NAN, _ZERO = 4, 5, 6, 7, 9
_STATS = 11  # then (ours): min and max of the finite elements, their sum and sum of squares


def health_tensor(tf: Any, mode: str, t: Any) -> Any:
    """The float64 vector a float graph tensor's summary is read from (``summary``)."""
    health = tf.raw_ops.DebugNumericSummaryV2(input=t, output_dtype=tf.float64,
                                              tensor_debug_mode=TF_MODES[mode])
    if mode != "FULL_HEALTH":
        return health
    x = tf.cast(t, tf.float64)
    finite = tf.math.is_finite(x)
    infinity = tf.constant(np.inf, tf.float64)
    kept = tf.where(finite, x, tf.zeros_like(x))  # non-finite elements count as 0 in sums
    return tf.concat([health, tf.stack([
        tf.reduce_min(tf.where(finite, x, infinity)),
        tf.reduce_max(tf.where(finite, x, -infinity)),
        tf.reduce_sum(kept), tf.reduce_sum(tf.square(kept))])], 0)


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
        count = size - nan - neg_inf - pos_inf  # finite elements
        low, high, total, squares = (float(x) for x in health[_STATS:_STATS + 4])
        stats: list = [None] * 4
        if count:
            mean = total / count
            stats = [low, high, mean, math.sqrt(max(squares / count - mean * mean, 0.0))]
        out.update(zip(("min", "max", "mean", "std"), stats, strict=True))
        out["zeros"] = int(health[_ZERO])
    return out
