"""Tensor summaries for the debug modes: what an "op" event says about each output."""

from __future__ import annotations

from typing import Any

import numpy as np


def summarize(value: Any, mode: str) -> dict | None:
    """Summary of one tensor value under a tensor debug mode (None for NO_TENSOR).

    CURT_HEALTH: any NaN/Inf. CONCISE_HEALTH: element count and NaN, -Inf, +Inf counts.
    FULL_HEALTH: adds min, max, mean, std and the zero count (over finite values).
    FULL_TENSOR: FULL_HEALTH's numbers; the value itself is stored beside the event.
    """
    if mode == "NO_TENSOR":
        return None
    array = np.asarray(value)
    out: dict[str, Any] = {"shape": list(array.shape), "dtype": array.dtype.name}
    if mode == "SHAPE":
        return out
    floating = array.dtype.kind == "f"
    if mode == "CURT_HEALTH":
        out["bad"] = bool(floating and not np.isfinite(array).all())
        return out
    n = int(array.size)
    if floating:
        nan = int(np.isnan(array).sum())
        inf = np.isinf(array)
        neg_inf = int((inf & (array < 0)).sum())
        pos_inf = int(inf.sum()) - neg_inf
    else:
        nan = neg_inf = pos_inf = 0
    out.update(size=n, nan=nan, neg_inf=neg_inf, pos_inf=pos_inf,
               bad=bool(nan or neg_inf or pos_inf))
    if mode == "CONCISE_HEALTH":
        return out
    finite = array[np.isfinite(array)] if floating else array.reshape(-1)
    if finite.size:
        f64 = finite.astype(np.float64)
        out.update(min=float(f64.min()), max=float(f64.max()), mean=float(f64.mean()),
                   std=float(f64.std()))
    else:
        out.update(min=None, max=None, mean=None, std=None)
    out["zeros"] = int((array == 0).sum())
    return out
