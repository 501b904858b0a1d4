"""Durations with right censoring: Kaplan-Meier quantiles.

A deal still in its stage, or a lead not yet contacted, at the as-of moment is
a censored observation: it has waited at least that long. Leaving it out
understates waiting times; counting it as finished too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def km_quantiles(days: np.ndarray, censored: np.ndarray, qs: Sequence[float]) -> list[float]:
    """Kaplan-Meier quantiles of durations (any unit) with right censoring.

    The q-quantile is the smallest observed time t at which the survival function S(t) <= 1 - q;
    NaN when S never gets that low (too many observations still open) or nothing finished.
    """
    from scipy import stats

    days = np.asarray(days, dtype=float)
    censored = np.asarray(censored, dtype=bool)
    if not len(days) or not (~censored).any():
        return [math.nan] * len(qs)
    res = stats.ecdf(stats.CensoredData(uncensored=days[~censored], right=days[censored]))
    times, surv = res.sf.quantiles, res.sf.probabilities
    out = []
    for q in qs:
        hit = np.flatnonzero(surv <= 1 - q + 1e-9)
        out.append(float(times[hit[0]]) if len(hit) else math.nan)
    return out
