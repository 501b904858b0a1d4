"""The action registry: the recommended actions a finding can point to.

Every action key lives once, in ``catalog/actions.yaml``, with its text in
English and Russian. :class:`~auditkit.findings.Finding` refuses a key that is
not registered, so step 7 can always turn a finding into words.

Each action also carries what step 7 needs to plan it (:func:`action_info`):
the finding kinds it answers (a kind ending in ``.*`` covers every kind under
it), its expected effect (en/ru), its effort (low/medium/high), the role that
owns it (en/ru), its time frame in days (30/60/90) and the KPI that shows
progress (a KPI id, or "" when no KPI measures it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

LANGUAGES: tuple[str, ...] = ("en", "ru")
EFFORTS: tuple[str, ...] = ("low", "medium", "high")
TIMEFRAMES: tuple[int, ...] = (30, 60, 90)


@dataclass(frozen=True)
class ActionInfo:
    """One catalog action with its planning fields."""

    key: str
    text: dict[str, str]
    answers: tuple[str, ...]
    effect: dict[str, str]
    effort: str
    owner: dict[str, str]
    timeframe: int
    kpi: str = ""

    def text_in(self, lang: str) -> str:
        return self.text[lang if lang in LANGUAGES else "en"]

    def effect_in(self, lang: str) -> str:
        return self.effect[lang if lang in LANGUAGES else "en"]

    def owner_in(self, lang: str) -> str:
        return self.owner[lang if lang in LANGUAGES else "en"]

    def answers_kind(self, kind: str) -> bool:
        """True when this action answers finding ``kind`` (exactly, or by a ``prefix.*`` pattern)."""
        return any(kind == a or (a.endswith(".*") and kind.startswith(a[:-1])) for a in self.answers)


def _check_entry(key: str, entry: Any) -> None:
    def bilingual(name: str, value: Any) -> None:
        missing = [lang for lang in LANGUAGES if not (isinstance(value, dict) and value.get(lang))]
        if missing:
            raise ValueError(f"catalog/actions.yaml: action {key!r} has no {name} in {', '.join(missing)}")

    bilingual("text", entry)
    bilingual("effect", entry.get("effect"))
    bilingual("owner", entry.get("owner"))
    answers = entry.get("answers")
    if not isinstance(answers, list) or not answers or not all(isinstance(a, str) and a for a in answers):
        raise ValueError(f"catalog/actions.yaml: action {key!r} answers no finding kind")
    if entry.get("effort") not in EFFORTS:
        raise ValueError(f"catalog/actions.yaml: action {key!r} effort must be one of {EFFORTS}")
    if entry.get("timeframe") not in TIMEFRAMES:
        raise ValueError(f"catalog/actions.yaml: action {key!r} timeframe must be one of {TIMEFRAMES}")


@lru_cache(maxsize=1)
def actions() -> dict[str, dict[str, Any]]:
    """Every registered action: key -> {"en": text, "ru": text, "answers", "effect", "effort", "owner",
    "timeframe", "kpi"}; ValueError when an entry lacks a field."""
    import yaml

    text = resources.files("auditkit.catalog").joinpath("actions.yaml").read_text(encoding="utf-8")
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml when present: the same safe loader, faster
    for key, entry in data.items():
        if not isinstance(entry, dict):
            raise ValueError(f"catalog/actions.yaml: action {key!r} has no text in {', '.join(LANGUAGES)}")
        _check_entry(key, entry)
    return data


def check_action(key: str) -> str:
    """``key`` itself when it is registered; ValueError naming the closest key otherwise."""
    known = actions()
    if key not in known:
        import difflib

        hint = difflib.get_close_matches(key, list(known), n=1)
        did = f" Did you mean {hint[0]!r}?" if hint else ""
        raise ValueError(f"unknown action {key!r}.{did} Register it in auditkit/catalog/actions.yaml")
    return key


def action_text(key: str, lang: str = "en") -> str:
    """The action's text in ``lang`` (en or ru)."""
    return str(actions()[check_action(key)][lang if lang in LANGUAGES else "en"])


def action_info(key: str) -> ActionInfo:
    """The action's planning fields (text, answers, effect, effort, owner, timeframe in days, kpi)."""
    e = actions()[check_action(key)]
    return ActionInfo(
        key=key,
        text={lang: str(e[lang]) for lang in LANGUAGES},
        answers=tuple(e["answers"]),
        effect={lang: str(e["effect"][lang]) for lang in LANGUAGES},
        effort=str(e["effort"]),
        owner={lang: str(e["owner"][lang]) for lang in LANGUAGES},
        timeframe=int(e["timeframe"]),
        kpi=str(e.get("kpi") or ""),
    )


def actions_for(kind: str) -> list[ActionInfo]:
    """Every action that answers finding ``kind``, in catalog order."""
    return [info for info in (action_info(k) for k in actions()) if info.answers_kind(kind)]
