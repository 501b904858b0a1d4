"""``auditkit compare`` on two hand-made run folders of one client.

Run 20260101T000000Z (earlier): KPIs win_rate 0.25 and avg_won_deal 8,000, lead_response_hours not
available; findings X (high bottleneck at Proposal) and Y (medium stale deals).
Run 20260401T000000Z (later): win_rate 0.30 (+0.05), avg_won_deal 8,000 (+0), lead_response_hours 5;
findings Y (persisting) and Z (opened, low people finding); X is closed.
Maturity (5 minus high 1.5 / medium 1 / low 0.5, rounded down): pipeline 5 - 2.5 -> 2 before, 5 - 1 -> 4
after (+2); people 5 before (the step ran, no finding), 4.5 -> 4 after (-1).
The runs are passed later-first: the earlier is found from the run ids.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from auditkit.cli import main
from auditkit.compare import compare_runs
from auditkit.findings import Finding, write_findings

X = Finding(step=3, kind="process.bottleneck.conversion", subject="Proposal", title="Proposal converts 30%", severity="high", metric="m", value=0.3, unit="share")
Y = Finding(step=5, kind="tech.hygiene.stale_deals", subject="all", title="Stale deals", severity="medium", metric="m", value=0.2, unit="share")
Z = Finding(step=4, kind="people.win_rate.low", subject="Rep 7", title="Rep 7 wins 10%", severity="low", metric="m", value=0.1, unit="share")


def run(root: Path, name: str, kpis: dict[str, float], per_step: dict[str, list[Finding]]) -> Path:
    folder = root / "acme" / name
    for step, fs in per_step.items():
        write_findings(folder / "findings" / f"{step}.json", fs)
    (folder / "tables").mkdir(parents=True)
    units = {"win_rate": "share", "avg_won_deal": "money", "lead_response_hours": "hours"}
    labels = {"win_rate": "Win rate", "avg_won_deal": "Average won deal", "lead_response_hours": "Lead response"}
    pd.DataFrame({"kpi": list(kpis), "label": [labels[k] for k in kpis], "value": list(kpis.values()), "unit": [units[k] for k in kpis]}).to_csv(
        folder / "tables" / "02_headline_kpis.csv", index=False, encoding="utf-8-sig")
    return folder


def make(tmp_path: Path) -> tuple[Path, Path]:
    a = run(tmp_path, "20260101T000000Z", {"win_rate": 0.25, "avg_won_deal": 8000.0, "lead_response_hours": math.nan},
            {"03_process": [X], "04_people": [], "05_technology": [Y]})
    b = run(tmp_path, "20260401T000000Z", {"win_rate": 0.30, "avg_won_deal": 8000.0, "lead_response_hours": 5.0},
            {"03_process": [], "04_people": [Z], "05_technology": [Y]})
    return a, b


def test_compare_runs(tmp_path: Path) -> None:
    a, b = make(tmp_path)
    c = compare_runs(b, a)
    assert (c.earlier, c.later) == (a, b)
    k = c.kpis.set_index("kpi")
    assert k.loc["win_rate", "change"] == pytest.approx(0.05)
    assert k.loc["avg_won_deal", "change"] == 0.0
    assert math.isnan(k.loc["lead_response_hours", "before"]) and math.isnan(k.loc["lead_response_hours", "change"])
    assert k.loc["lead_response_hours", "after"] == 5.0
    m = c.maturity.set_index("area")
    assert (m.loc["pipeline", "before"], m.loc["pipeline", "after"], m.loc["pipeline", "change"]) == (2.0, 4.0, 2.0)
    assert (m.loc["people", "before"], m.loc["people", "after"]) == (5.0, 4.0)
    assert math.isnan(m.loc["leads", "after"])
    f = c.findings.set_index("id")["status"].to_dict()
    assert f == {Z.id: "opened", Y.id: "persisting", X.id: "closed"}
    assert list(c.findings["status"]) == ["opened", "persisting", "closed"]


def test_cli_compare(tmp_path: Path) -> None:
    a, b = make(tmp_path)
    result = CliRunner().invoke(main, ["compare", str(a), str(b)])
    assert result.exit_code == 0, result.output
    assert "| Win rate | 25.0% | 30.0% |" in result.output
    assert "| Lead response | – | 5" in result.output
    text = (b / "compare.md").read_text(encoding="utf-8")
    assert "closed" in text and "Proposal converts 30%" in text
    assert not (a / "compare.md").exists()
    ru = CliRunner().invoke(main, ["compare", str(a), str(b), "--lang", "ru"])
    assert ru.exit_code == 0 and "С прошлого аудита" in ru.output and "закрыт" in ru.output


def test_cli_compare_not_a_run(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["compare", str(tmp_path / "nope"), str(tmp_path)])
    assert result.exit_code == 2 and "no such run folder" in result.output


def test_compare_shows_money_in_the_runs_currency_and_words_in_the_language(tmp_path: Path) -> None:
    """A RUB client's comparison shows roubles (the runs' params), not the default euros; headings and
    severities are words of the report's language, maturity scores written as the language writes them."""
    import json

    a, b = make(tmp_path)
    for folder in (a, b):
        (folder / "manifest.json").write_text(json.dumps({"params": {"currency": "RUB"}}), encoding="utf-8")
    ru = CliRunner().invoke(main, ["compare", str(a), str(b), "--lang", "ru"])
    assert ru.exit_code == 0, ru.output
    assert "| Показатель | Было | Стало | Изменение |" in ru.output and "| Статус | Важность | Суть |" in ru.output
    assert "8\xa0000\xa0₽" in ru.output and "€" not in ru.output
    assert "| низкая |" in ru.output and "low" not in ru.output  # no finding ids (internal keys) either
    en = CliRunner().invoke(main, ["compare", str(a), str(b)])
    assert "RUB" in en.output or "₽" in en.output
    assert "| Measure | Before | After | Change |" in en.output
