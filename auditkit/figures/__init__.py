"""Seaborn figures with one consistent style, one module per step beside the shared base.

- :mod:`.base`: the theme (:func:`apply_theme`), the palette, :func:`bar` and :func:`line`, and the helpers
  that write a figure in the report's language and fit its text (``label``, ``number_ticks``,
  ``share_ticks``, ``month_ticks``, ``cell_texts``, ``finish``);
- :mod:`.process`: step 3 (funnel, time in stage, cohorts, lost reasons, velocity);
- :mod:`.people`, :mod:`.technology`, :mod:`.comms`: steps 4, 5 and 6.

Every function takes tidy data and the report's language (``lang``) and returns a matplotlib ``Figure`` with
a title and labelled axes, every word of the kit in ``lang`` and client text as written; the caller decides
whether to show or save it. A new step's figures go in a module of their own here.
"""

from .base import ACCENT, BASE, OUTCOME_COLOURS, PALETTE, apply_theme, bar, line
from .process import cohort_heatmap, funnel_chart, lost_reason_bars, stage_time_boxplot, velocity_chart

__all__ = [
    "ACCENT", "BASE", "OUTCOME_COLOURS", "PALETTE", "apply_theme", "bar", "cohort_heatmap", "funnel_chart", "line",
    "lost_reason_bars", "stage_time_boxplot", "velocity_chart",
]
