"""Lost reasons as typed in a CRM, normalised to one short list.

"price ", "PRICE" and "Too expensive" are one reason, "Price"; empty, "n/a",
"none" and "unknown" are no reason at all. Every step that counts lost reasons
(step 2's KPI, step 3's lost-deal analysis) uses :func:`normalise_reasons`.
"""

from __future__ import annotations

import re

import pandas as pd

NO_REASON = "(no reason)"
#: Cleaned reason text (lower case, punctuation removed, single spaces) -> the reason it means.
REASON_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(
        ["price", "pricing", "too expensive", "expensive", "price too high", "high price", "too pricey",
         "too costly", "cost", "цена", "дорого", "высокая цена"],
        "Price",
    ),
    **dict.fromkeys(
        ["competitor", "competition", "went with competitor", "went with a competitor", "chose competitor",
         "chose a competitor", "lost to competitor", "lost to a competitor", "chose another vendor",
         "конкурент", "ушли к конкуренту", "выбрали конкурента"],
        "Competitor",
    ),
    **dict.fromkeys(
        ["no budget", "budget", "lack of budget", "budget cut", "budget cuts", "no funds", "no money",
         "нет бюджета"],
        "No budget",
    ),
    **dict.fromkeys(
        ["no decision", "no decision made", "indecision", "undecided", "status quo", "do nothing",
         "decided to do nothing", "нет решения"],
        "No decision",
    ),
    **dict.fromkeys(
        ["timing", "bad timing", "wrong timing", "not now", "not the right time", "postponed", "too early",
         "не время", "сроки"],
        "Timing",
    ),
    **dict.fromkeys(
        ["no response", "no reply", "went dark", "ghosted", "unresponsive", "нет ответа"],
        "No response",
    ),
    **dict.fromkeys(["n a", "na", "none", "null", "nan", "no reason", "unknown"], NO_REASON),
}

_PUNCT = re.compile(r"[^\w\s]|_")
_SPACES = re.compile(r"\s+")


def normalise_reason(text: object) -> str:
    """A lost reason in canonical form: "Price", "Competitor", ..., or the cleaned, capitalised text.

    Case, surrounding and repeated spaces and punctuation are ignored; known variants map through
    :data:`REASON_SYNONYMS`; empty or missing text is "(no reason)".
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):  # type: ignore[arg-type]
        return NO_REASON
    cleaned = _SPACES.sub(" ", _PUNCT.sub(" ", str(text).lower())).strip()
    if not cleaned:
        return NO_REASON
    return REASON_SYNONYMS.get(cleaned, cleaned[:1].upper() + cleaned[1:])


def normalise_reasons(series: pd.Series) -> pd.Series:
    """normalise_reason over a column, computed once per distinct text."""
    raw = series.astype("string").fillna("")
    mapping = {v: normalise_reason(v) for v in raw.unique()}
    return raw.map(mapping).astype("str")


