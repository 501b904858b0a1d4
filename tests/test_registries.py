"""The unit and action registries: one place for each, refused when unknown, text in en and ru."""

from __future__ import annotations

import pytest

from auditkit.actions import action_text, actions, check_action
from auditkit.report.format import Formatter
from auditkit.units import UNITS, check_unit


def test_every_unit_formats_and_an_unknown_one_is_refused():
    fmt = Formatter("en", "EUR")
    shown = {u: fmt.by_unit(1234.5 if u not in ("date", "month") else "2025-04-30", u) for u in UNITS}
    assert shown["count"] == "1,234" and shown["money"] == "€1,234" and shown["share"] == "123,450.0%"
    assert shown["change"] == "+123,450.0%" and fmt.by_unit(-0.125, "change") == "−12.5%"
    assert shown["days"] == "1,234.5" and shown["number"] == "1,234.50" and shown["month"] == "Apr 2025"
    assert shown["points"] == "1,234.5" and Formatter("ru", "RUB").by_unit(93.25, "points") == "93,2"
    # a share that is not all or none never reads as if it were (184,129 of 184,139 filled is not 100.0%)
    assert fmt.share(184_129 / 184_139) == "> 99.9%" and fmt.share(1.0) == "100.0%" and fmt.share(0.9994) == "99.9%"
    assert fmt.share(0.00004) == "< 0.1%" and fmt.share(0.0) == "0.0%" and fmt.share(0.0006) == "0.1%"
    assert Formatter("ru", "RUB").share(184_129 / 184_139) == "> 99,9\xa0%"
    with pytest.raises(ValueError, match="unknown unit 'deals'"):
        fmt.by_unit(320.1111111111111, "deals")
    with pytest.raises(ValueError):
        check_unit("currency")


def test_every_action_has_english_and_russian_text():
    assert len(actions()) >= 15
    for key in actions():
        assert action_text(key, "en") and action_text(key, "ru") != action_text(key, "en")
    assert check_action("process.shorten_cycle") == "process.shorten_cycle"
    with pytest.raises(ValueError, match="Register it"):
        check_action("kpi.win_rate")
