"""Kaplan-Meier quantiles: by hand on a small sample, and equal to scipy's estimator on many."""

from __future__ import annotations

import math

import numpy as np
import pytest

from auditkit.metrics.survival import km_quantiles, km_survival


def test_a_small_sample_by_hand():
    # durations 1, 2, 2 (one of them still open), 3, 5 (open)
    days = np.array([2.0, 1.0, 2.0, 3.0, 5.0])
    censored = np.array([False, False, True, False, True])
    times, surv = km_survival(days, censored)
    # at 1: 5 at risk, 1 ends -> 4/5; at 2: 4 at risk, 1 ends -> 4/5 * 3/4 = 3/5; at 3: 2 at risk, 1 ends -> 3/10
    assert times.tolist() == [1.0, 2.0, 3.0, 5.0]
    assert surv == pytest.approx([0.8, 0.6, 0.3, 0.3])
    assert km_quantiles(days, censored, (0.2, 0.5, 0.7, 0.9)) == [1.0, 3.0, 3.0, pytest.approx(math.nan, nan_ok=True)]
    assert all(math.isnan(v) for v in km_quantiles(days, np.ones(5, dtype=bool), (0.5,)))  # nothing ended
    assert math.isnan(km_quantiles(np.array([]), np.array([], dtype=bool), (0.5,))[0])


@pytest.mark.parametrize("seed", range(20))
def test_equal_to_scipys_kaplan_meier(seed):
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    days = rng.integers(0, 40, n).astype(float) if seed % 2 else rng.exponential(10, n).round(2)  # ties, or few
    censored = rng.random(n) < rng.uniform(0, 0.8)
    if censored.all():
        censored[0] = False
    res = stats.ecdf(stats.CensoredData(uncensored=days[~censored], right=days[censored]))
    times, surv = km_survival(days, censored)
    assert times.tolist() == res.sf.quantiles.tolist()
    # the same products (scipy takes 1 - the share ended when nothing is censored: equal to the last bit or two)
    assert surv == pytest.approx(res.sf.probabilities, rel=1e-12, abs=1e-15)
    qs = (0.1, 0.25, 0.5, 0.75, 0.9)
    expected = []
    for q in qs:
        hit = np.flatnonzero(res.sf.probabilities <= 1 - q + 1e-9)
        expected.append(float(res.sf.quantiles[hit[0]]) if len(hit) else math.nan)
    assert km_quantiles(days, censored, qs) == pytest.approx(expected, nan_ok=True)


@pytest.mark.parametrize("seed", range(10))
def test_the_general_path_agrees_with_the_fast_one(seed):
    # non-negative durations are sorted as bit patterns with the event in the lowest bit; negative ones
    # (shifted here) take the general path: the same survival at the same (shifted) times, in any input order
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    days = rng.integers(0, 30 if seed % 2 else 4000, n) / 4  # quarters: shifted by 100 and back exactly
    censored = rng.random(n) < 0.4
    times, surv = km_survival(days, censored)
    shifted_times, shifted_surv = km_survival(days - 100.0, censored)
    assert (shifted_times + 100.0).tolist() == times.tolist()
    assert shifted_surv.tolist() == surv.tolist()
    order = np.argsort(days, kind="stable")
    sorted_times, sorted_surv = km_survival(days[order], censored[order])
    assert sorted_times.tolist() == times.tolist() and sorted_surv.tolist() == surv.tolist()
