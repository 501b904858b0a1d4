"""Seaborn figures with one consistent style, one module per step beside the shared base.

- :mod:`.base`: the theme (:func:`apply_theme`), the palette, :func:`bar` and :func:`line`;
- :mod:`.process`: step 3 (funnel, time in stage, cohorts, lost reasons, velocity).

Every function takes tidy data and returns a matplotlib ``Figure`` with a title
and labelled axes; the caller decides whether to show or save it. A new step's
figures go in a module of their own here (``figures/people.py`` for step 4).
"""

from .base import ACCENT, BASE, OUTCOME_COLOURS, PALETTE, apply_theme, bar, line
from .process import cohort_heatmap, funnel_chart, lost_reason_bars, stage_time_boxplot, velocity_chart

__all__ = [
    "ACCENT", "BASE", "OUTCOME_COLOURS", "PALETTE", "apply_theme", "bar", "cohort_heatmap", "funnel_chart", "line",
    "lost_reason_bars", "stage_time_boxplot", "velocity_chart",
]
