"""The action catalog (auditkit/catalog/actions.yaml) walked entry by entry.

Every action must have text, an expected effect and an owner role in English and Russian (the Russian in
Cyrillic, not a copy of the English), the finding kinds it answers, an effort of low/medium/high, a time
frame of 30, 60 or 90 days, and a progress KPI that is registered (or empty). Every finding kind the steps
emit (the literal ``kind=`` values in the package, plus the expanded f-string kinds) must be answered by
at least one action.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditkit.actions import EFFORTS, TIMEFRAMES, action_info, action_text, actions, actions_for, check_action
from auditkit.kpis import KPIS

PACKAGE = Path(__file__).resolve().parent.parent / "auditkit"
#: Kinds built with f-strings in the package, expanded by hand (comms.py: slow_source / slow_rep; quality.py:
#: one per loader check; a representative check stands in for them, answered by the data.quality.* pattern).
EXPANDED = {"comms.lead_response.slow_source", "comms.lead_response.slow_rep", "data.quality.unparseable_date"}
NOT_FINDING_KINDS = {"stable", "company", "rep", "team", "text"}  # sort kinds and table kinds, not finding kinds


def emitted_kinds() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        found |= set(re.findall(r'kind="([a-z_.]+)"', path.read_text(encoding="utf-8")))
    return (found - NOT_FINDING_KINDS) | EXPANDED


def test_catalog_size_and_keys_kept() -> None:
    assert len(actions()) >= 40
    for key in ("data.fix_at_source", "process.fix_stage_conversion", "comms.speed_up_lead_response",
                "people.coach_underperformer", "tech.clean_stale_deals", "comms.improve_collaboration"):
        assert check_action(key) == key


@pytest.mark.parametrize("key", sorted(actions()))
def test_every_field(key: str) -> None:
    info = action_info(key)
    for lang in ("en", "ru"):
        for text in (info.text_in(lang), info.effect_in(lang), info.owner_in(lang)):
            assert text.strip()
        assert action_text(key, lang) == info.text_in(lang)
    for text in (info.text, info.effect, info.owner):
        assert re.search("[а-яё]", text["ru"], re.I), f"{key}: Russian text is not in Russian"
        assert text["ru"] != text["en"]
    assert info.answers and all(a.count(".") >= 1 for a in info.answers)
    assert info.effort in EFFORTS
    assert info.timeframe in TIMEFRAMES
    assert info.kpi == "" or info.kpi in KPIS


def test_every_emitted_kind_is_answered() -> None:
    kinds = emitted_kinds()
    assert "process.bottleneck.conversion" in kinds and "tech.tools.overlap" in kinds  # the scan works
    unanswered = sorted(k for k in kinds if not actions_for(k))
    assert unanswered == []


def test_pattern_answers() -> None:
    keys = [a.key for a in actions_for("data.quality.duplicate_id")]
    assert "data.fix_at_source" in keys
    assert "data.fix_at_source" not in [a.key for a in actions_for("data.missing_table")]
    assert [a.key for a in actions_for("no.such.kind")] == []


def test_unknown_key_refused() -> None:
    with pytest.raises(ValueError, match="Did you mean 'process.shorten_cycle'"):
        check_action("process.shorten_cycles")
