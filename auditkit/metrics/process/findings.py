"""Step 3's findings, from the outputs of the other modules.

No finding rests on a value that is not available, on the current-stage
estimate, or on a month the data covers only in part. A goal set in the params
is checked once, in step 2's goals check, so step 3 repeats none (the share of
lost deals without a reason is a step-3 finding only when no goal is set on it).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...findings import Bands, Finding, records, severity_for
from ...kpis import MIN_JUDGED
from ...report.format import Formatter
from ...report.text import t, word
from ..reasons import NO_REASON
from .bottlenecks import bottlenecks as _bottlenecks
from .funnel import funnel as _funnel
from .lost import lost_analysis
from .segments import MIN_SEGMENT_DEALS, SEGMENT_MIN_DIFFERENCE, most_different_segment, segment_funnel
from .stage_time import stage_durations, stage_time_summary
from .velocity import LEVER_UNITS, velocity, velocity_levers

if TYPE_CHECKING:  # pragma: no cover
    from ...frame import AuditFrame

STEP = 3

#: Share of lost deals without a reason tolerated when the params set no goal for it.
LOST_REASON_MISSING_MAX = 0.05
#: A lever whose effect on velocity is smaller than this (relative) does not become a finding.
VELOCITY_LEVER_MIN_CHANGE = 0.10

#: The action each velocity lever points to.
LEVER_ACTIONS: dict[str, str] = {
    "open_deals": "process.grow_pipeline",
    "win_rate": "process.improve_win_rate",
    "avg_won": "process.raise_deal_value",
    "median_cycle_days": "process.shorten_cycle",
}
# Severity bands (see auditkit.findings.severity_for).
#: On the relative shortfall ``1 - conversion / reference`` of a conversion bottleneck.
CONVERSION_SEVERITY: Bands = ((0.6, "critical"), (0.45, "high"), (0.3, "medium"), (0.0, "low"))
#: On ``median_days / peer_median_days`` of a time bottleneck.
TIME_SEVERITY: Bands = ((5.0, "critical"), (3.5, "high"), (2.5, "medium"), (0.0, "low"))
#: On the share of lost deals with no reason.
MISSING_REASON_SEVERITY: Bands = ((0.5, "critical"), (0.3, "high"), (0.15, "medium"), (0.0, "low"))
#: On the absolute difference between a segment's win rate and the rest's.
SEGMENT_SEVERITY: Bands = ((0.25, "high"), (0.15, "medium"), (0.0, "low"))
#: On the relative loss of velocity the lever that moved most caused (a gain is ``info``).
LEVER_SEVERITY: Bands = ((0.5, "high"), (0.25, "medium"), (0.0, "low"))


def _finite(x: Any) -> bool:
    try:
        return x is not None and x is not pd.NA and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _estimate_finding(f: pd.DataFrame, lang: str) -> list[Finding]:
    if not f.attrs.get("estimate"):
        return []
    return [
        Finding(
            step=STEP,
            kind="process.funnel_estimate",
            title=t("f3.estimate.title", lang),
            severity="info",
            metric="funnel_source",
            value=None,
            benchmark=t("f3.estimate.benchmark", lang),
            detail=t("f3.estimate.detail", lang),
            action="process.record_stage_history",
            evidence=records(f[["stage", "entered", "in_progress", "lost"]]),
        )
    ]


def _bottleneck_findings(b: pd.DataFrame, fmt: Formatter) -> list[Finding]:
    lang = fmt.language
    if not b.attrs.get("judged", True) or b.empty:
        return []
    cols = [c for c in ("stage", "entered", "in_progress", "left", "conversion", "peer_conversion", "target_conversion",
                        "median_days", "peer_median_days", "lost", "stuck", "revenue_at_risk", "rank") if c in b]
    money = _finite(b.attrs.get("avg_won"))
    if not money:
        cols = [c for c in cols if c not in ("revenue_at_risk", "rank")]
    evidence = records(b[cols])
    top = b.attrs.get("top_stage")
    out = []
    for _, r in b.loc[b["is_bottleneck"]].iterrows():
        stage = str(r["stage"])
        risk = ""
        if money and _finite(r["revenue_at_risk"]):
            risk = t("f3.risk", lang, money=fmt.money(r["revenue_at_risk"]), rank=int(r["rank"]))
            if stage == top:
                risk += t("f3.risk.top", lang)
        if r["is_conversion_bottleneck"] and _finite(r["conversion"]):
            has_target = _finite(r["target_conversion"])
            ref = float(r["target_conversion"] if has_target else r["peer_conversion"])
            shortfall = 1 - float(r["conversion"]) / ref if ref else 1.0
            bench = t("f3.conversion.bench_target" if has_target else "f3.conversion.bench_peers", lang, reference=fmt.share(ref))
            out.append(
                Finding(
                    step=STEP,
                    kind="process.bottleneck.conversion",
                    subject=stage,
                    title=t("f3.conversion.title", lang, stage=stage, conversion=fmt.share(r["conversion"]), reference=fmt.share(ref)),
                    severity=severity_for(shortfall, CONVERSION_SEVERITY),
                    metric="stage_conversion",
                    value=float(r["conversion"]),
                    target=ref,
                    benchmark=bench,
                    unit="share",
                    detail=t(
                        "f3.conversion.detail", lang, left=fmt.number(r["left"]), entered=fmt.number(r["entered"]), stage=stage,
                        in_progress=fmt.number(r["in_progress"]), lost=fmt.number(r["lost"]), risk=risk,
                    ),
                    action="process.fix_stage_conversion",
                    evidence=evidence,
                )
            )
        if r["is_time_bottleneck"] and _finite(r["median_days"]):
            out.append(
                Finding(
                    step=STEP,
                    kind="process.bottleneck.time",
                    subject=stage,
                    title=t("f3.time.title", lang, stage=stage, days=fmt.days(r["median_days"]), peers=fmt.days(r["peer_median_days"])),
                    severity=severity_for(float(r["time_ratio"]), TIME_SEVERITY),
                    metric="stage_median_days",
                    value=float(r["median_days"]),
                    target=float(r["peer_median_days"]),
                    benchmark=t("f3.time.benchmark", lang),
                    unit="days",
                    detail=t("f3.time.detail", lang, ratio=fmt.number(r["time_ratio"], 1), stuck=fmt.number(r["stuck"]), risk=risk),
                    action="process.unblock_stalled_stage",
                    evidence=evidence,
                )
            )
    return out


def _lost_findings(frame: "AuditFrame", lost: dict[str, pd.DataFrame], fmt: Formatter) -> list[Finding]:
    lang = fmt.language
    by_reason = lost["by_reason"]
    if not by_reason.attrs.get("available", True):
        return []
    out = []
    s = lost["summary"].iloc[0]
    share = s["no_reason_share"]
    has_goal = frame.params.target("lost_without_reason_share") is not None
    money = frame.availability("deals", "amount").ok
    # a share of a handful of deals is chance, not a finding; no count at all (closed_at not in the export) is not enough
    enough = _finite(s["lost_deals"]) and int(s["lost_deals"]) >= MIN_JUDGED
    if not has_goal and enough and _finite(share) and float(share) > LOST_REASON_MISSING_MAX:
        worth = t("f3.missing.worth", lang, money=fmt.money(s["no_reason_value"])) if money and _finite(s["no_reason_value"]) else ""
        out.append(
            Finding(
                step=STEP,
                kind="process.lost_reason_missing",
                title=t("f3.missing.title", lang, share=fmt.share(share)),
                severity=severity_for(float(share), MISSING_REASON_SEVERITY),
                metric="lost_without_reason_share",
                value=float(share),
                target=LOST_REASON_MISSING_MAX,
                benchmark=t("f3.missing.benchmark", lang, limit=fmt.share(LOST_REASON_MISSING_MAX)),
                unit="share",
                detail=t("f3.missing.detail", lang, deals=fmt.number(s["no_reason_deals"]), lost=fmt.number(s["lost_deals"]), worth=worth),
                action="process.enforce_lost_reasons",
                evidence=records(by_reason),
            )
        )
    known = by_reason.loc[by_reason["reason"] != NO_REASON]
    if len(known):
        top = known.iloc[0]
        worth = t("f3.top.worth", lang, money=fmt.money(top["value"])) if money and _finite(top["value"]) else ""
        out.append(
            Finding(
                step=STEP,
                kind="process.lost_reason.top",
                subject=str(top["reason"]),
                title=t("f3.top.title", lang, reason=word(str(top["reason"]), lang, "reason"), share=fmt.share(top["share"])),
                severity="info",
                metric="lost_reason_share",
                value=float(top["share"]),
                benchmark=t("f3.top.benchmark", lang),
                unit="share",
                detail=t("f3.top.detail", lang, deals=fmt.number(top["deals"]), worth=worth),
                action="process.address_top_loss_reason",
                evidence=records(by_reason),
            )
        )
    return out


def _segment_findings(seg_df: pd.DataFrame, min_deals: int, fmt: Formatter) -> list[Finding]:
    lang = fmt.language
    best = most_different_segment(seg_df, min_deals)
    if best is None or abs(best["difference"]) < SEGMENT_MIN_DIFFERENCE:
        return []
    by, value, diff = best["by"], best["value"], best["difference"]
    seg = seg_df.loc[seg_df["by"] == by].drop_duplicates("value")[["value", "deals", "closed", "won", "lost", "win_rate"]]
    better = t("f3.segment.higher" if diff > 0 else "f3.segment.lower", lang)
    points = ("+" if diff > 0 else "−") + fmt.number(abs(diff) * 100, 1)
    return [
        Finding(
            step=STEP,
            kind="process.segment.win_rate",
            subject=f"{by}={value}",
            title=t(
                "f3.segment.title", lang, by=fmt.column_label(by), value=word(value, lang), rate=fmt.share(best["win_rate"]),
                better=better, rest=fmt.share(best["rest_win_rate"]),
            ),
            severity=severity_for(abs(diff), SEGMENT_SEVERITY),
            metric="segment_win_rate",
            value=best["win_rate"],
            target=best["rest_win_rate"],
            benchmark=t("f3.segment.benchmark", lang, by=fmt.column_label(by)),
            unit="share",
            detail=t("f3.segment.detail", lang, closed=fmt.number(best["closed"]), points=points),
            action="process.review_segment",
            evidence=records(seg),
        )
    ]


def _lever_findings(levers: pd.DataFrame, fmt: Formatter, amounts_ok: bool) -> list[Finding]:
    lang = fmt.language
    if levers.empty:
        return []
    moved = levers.loc[levers["moved_most"].astype(bool) & levers["available"].astype(bool)]
    if moved.empty:
        return []
    r = moved.iloc[0]
    lever = str(r["lever"])
    effect = float(r["velocity_effect"])
    if lever == "avg_won" and not amounts_ok:
        return []
    if not np.isfinite(effect) or abs(effect) < VELOCITY_LEVER_MIN_CHANGE:
        return []
    unit = LEVER_UNITS[lever]
    worse = effect < 0
    first, last = levers.attrs.get("first_half"), levers.attrs.get("second_half")
    halves = ""
    if first and last:
        halves = t("f3.lever.halves", lang, a=fmt.month(first[0]), b=fmt.month(first[1]), c=fmt.month(last[0]), d=fmt.month(last[1]))
    formula = t("f3.lever.formula" if amounts_ok else "f3.lever.no_money", lang)
    return [
        Finding(
            step=STEP,
            kind="process.velocity.lever",
            subject=lever,
            title=t(
                "f3.lever.title", lang, lever=t(f"lever.text.{lever}", lang), first=fmt.by_unit(r["first_half"], unit),
                second=fmt.by_unit(r["second_half"], unit), change=fmt.change(r["change"]),
                verb=t("f3.lever.costing" if worse else "f3.lever.adding", lang), effect=fmt.share(abs(effect)),
            ),
            severity=severity_for(abs(effect), LEVER_SEVERITY) if worse else "info",
            metric=f"velocity_lever.{lever}",
            value=float(r["second_half"]),
            target=float(r["first_half"]),
            benchmark=t("f3.lever.benchmark", lang),
            unit=unit,
            detail=t("f3.lever.detail", lang, formula=formula, halves=halves),
            action=LEVER_ACTIONS[lever],
            evidence=records(levers[["lever", "unit", "first_half", "second_half", "change", "velocity_effect"]]),
        )
    ]


def process_findings(
    frame: "AuditFrame",
    *,
    funnel_df: pd.DataFrame | None = None,
    bottlenecks_df: pd.DataFrame | None = None,
    lost: dict[str, pd.DataFrame] | None = None,
    segments_df: pd.DataFrame | None = None,
    levers_df: pd.DataFrame | None = None,
    min_segment_deals: int = MIN_SEGMENT_DEALS,
) -> list[Finding]:
    """The step-3 findings. Pass the tables the notebook already computed; any left out is computed here.

    Kinds (the id is a hash of step, kind and subject): ``process.funnel_estimate``,
    ``process.bottleneck.conversion`` and ``process.bottleneck.time`` (subject: the stage),
    ``process.lost_reason_missing`` (only when the params set no goal on ``lost_without_reason_share``),
    ``process.lost_reason.top`` (subject: the reason), ``process.segment.win_rate`` (subject:
    "column=value"), ``process.velocity.lever`` (subject: the lever). Titles, details and benchmarks are in
    the report's language (the text catalog), with numbers formatted for it and the params' currency.
    """
    fmt = Formatter(frame.lang, frame.params.currency)
    if funnel_df is None:
        funnel_df = _funnel(frame)
    if bottlenecks_df is None:
        durations = stage_durations(frame)
        bottlenecks_df = _bottlenecks(frame, funnel_df, stage_time_summary(durations), durations)
    if lost is None:
        lost = lost_analysis(frame)
    if segments_df is None:
        segments_df = segment_funnel(frame)
    if levers_df is None:
        levers_df = velocity_levers(velocity(frame))
    out: list[Finding] = []
    out += _estimate_finding(funnel_df, frame.lang)
    out += _bottleneck_findings(bottlenecks_df, fmt)
    out += _lost_findings(frame, lost, fmt)
    out += _segment_findings(segments_df, min_segment_deals, fmt)
    out += _lever_findings(levers_df, fmt, frame.availability("deals", "amount").ok)
    return out
