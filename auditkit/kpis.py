"""The KPI registry: one definition per KPI, read by every step.

Each :class:`KPI` has an id, labels in English and Russian, a unit (see
:mod:`auditkit.units`), the direction that is better, the population it is
computed on (see :data:`auditkit.frame.POPULATIONS`), its formula in words,
the columns it cannot do without, and the action that answers a miss.

:func:`evaluate` computes one KPI on an :class:`~auditkit.frame.AuditFrame`;
:func:`kpi_table` all of them. A KPI whose inputs are absent, empty or mostly
unparseable, or whose population is empty, has no value: it carries the
reason instead ("not available, because ..."), is shown as "–" and never
becomes a finding. Step 2's headline table, step 3, the goals check and the
later steps all read these, so a number shown in two places is the same number.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Callable, Literal

import numpy as np
import pandas as pd

from .frame import POPULATIONS, per_frame
from .io.vector import arrow_text, by_value, group_rows, isin, positions
from .report.text import na_reason
from .units import Unit

if TYPE_CHECKING:  # pragma: no cover
    from .findings import Bands, Finding
    from .frame import AuditFrame
    from .params import Goal
    from .report.format import Formatter

Better = Literal["max", "min"]
DAY = pd.Timedelta(days=1)
HOUR = pd.Timedelta(hours=1)

#: A rate, average or median on fewer rows than this is shown but never judged against a target and
#: never becomes a finding: too few to tell a real problem from chance.
MIN_JUDGED = 10

#: Severity of a missed goal, on the gap relative to the target.
GOAL_GAP_SEVERITY: "Bands" = ((0.5, "high"), (0.2, "medium"), (0.0, "low"))


class NotAvailable(Exception):
    """Raised by a KPI's formula when its population cannot support a value (``code`` names why)."""

    def __init__(self, code: str, **values: Any) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


@dataclass(frozen=True)
class KPI:
    """One KPI's single definition."""

    id: str
    label: dict[str, str]
    unit: Unit
    better: Better | None
    population: str
    formula: dict[str, str]
    requires: tuple[tuple[str, str | None], ...]
    compute: Callable[["AuditFrame"], float] = field(repr=False, compare=False)
    action: str | None = None
    #: Rows of the population needed before a value is judged (rates, averages, medians: MIN_JUDGED).
    min_n: int = 0

    def label_in(self, lang: str) -> str:
        return self.label.get(lang, self.label["en"])


@dataclass(frozen=True)
class KpiValue:
    """A KPI's value on a frame (None when not available), the population size, and why not."""

    kpi: KPI
    value: float | None
    n: int
    reason_code: str | None = None
    reason_values: dict[str, Any] = field(default_factory=dict)
    #: Rows of the population the value rests on, when fewer than ``n`` (a KPI of amounts with some missing).
    known: int | None = None

    @property
    def available(self) -> bool:
        return self.value is not None

    def note(self, lang: str = "en") -> str:
        """"" for a value over its whole population; else which part of it the value rests on."""
        if self.value is None or self.known is None:
            return ""
        pop = POPULATIONS[self.kpi.population].label
        label = pop.get(lang, pop["en"])
        return na_reason("partial_amounts", lang, known=self.known, n=self.n, missing=self.n - self.known,
                           population=label.lower() if lang == "en" else label)

    def reason(self, lang: str = "en") -> str | None:
        """None when available; else "not available, because ..." in ``lang``."""
        if self.reason_code is None:
            return None
        values = dict(self.reason_values)
        pop = values.pop("population", self.kpi.population)
        label = POPULATIONS[pop].label.get(lang, POPULATIONS[pop].label["en"]) if pop in POPULATIONS else pop
        return na_reason(self.reason_code, lang, population=label.lower() if lang == "en" else label, **values)


# -- formulas ---------------------------------------------------------------------


def _count(population: str) -> Callable[["AuditFrame"], float]:
    return lambda f: float(len(f.population(population)))


def _amounts(f: "AuditFrame", population: str, *, need_rows: bool) -> pd.Series:
    rows = f.population(population)
    if need_rows and rows.empty:
        raise NotAvailable("no_rows", population=population)
    amounts = rows["amount"].dropna()
    if len(rows) and amounts.empty:
        raise NotAvailable("no_values", population=population, column="amount")
    return amounts


def _sum_amount(population: str) -> Callable[["AuditFrame"], float]:
    return lambda f: float(_amounts(f, population, need_rows=False).sum())


def _win_rate(f: "AuditFrame") -> float:
    closed = f.population("deals_closed")
    if closed.empty:
        raise NotAvailable("no_rows", population="deals_closed")
    return float(closed["status"].eq("won").mean())


def cycle_days(deals: pd.DataFrame) -> pd.Series:
    """Days from created_at to closed_at of each deal (NaN where either is missing)."""
    return (deals["closed_at"] - deals["created_at"]) / DAY


def _median_cycle(f: "AuditFrame") -> float:
    won = f.population("deals_won")
    if won.empty:
        raise NotAvailable("no_rows", population="deals_won")
    days = cycle_days(won).dropna()
    if days.empty:
        raise NotAvailable("no_values", population="deals_won", column="created_at")
    return float(days.median())


def _lead_conversion(f: "AuditFrame") -> float:
    leads = f.population("leads_created")
    if leads.empty:
        raise NotAvailable("no_rows", population="leads_created")
    return float(leads["deal_id"].notna().mean())


def lead_response(leads: pd.DataFrame, as_of: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """Hours from each lead's creation to its first contact, and whether it is censored (not contacted
    by ``as_of``: then the hours it has waited so far)."""
    created = leads["created_at"]
    contact = leads["first_contact_at"]
    censored = contact.isna().to_numpy()
    end = contact.where(~contact.isna(), as_of)
    hours = ((end - created) / HOUR).to_numpy(dtype=float, na_value=np.nan)
    keep = ~np.isnan(hours)
    return np.maximum(hours[keep], 0.0), censored[keep]


def _lead_response_hours(f: "AuditFrame") -> float:
    from .metrics.survival import km_quantiles

    leads = f.population("leads_created")
    if leads.empty:
        raise NotAvailable("no_rows", population="leads_created")
    hours, censored = lead_response(leads, f.as_of)
    median = km_quantiles(hours, censored, (0.5,))[0]
    if math.isnan(median):
        raise NotAvailable("half_not_reached", population="leads_created", column="first_contact_at")
    return median


def _lost_without_reason(f: "AuditFrame") -> float:
    from .metrics.reasons import NO_REASON, normalise_reasons

    lost = f.population("deals_lost")
    if lost.empty:
        raise NotAvailable("no_rows", population="deals_lost")
    return float(normalise_reasons(lost["lost_reason"]).eq(NO_REASON).mean())


def _amount_stat(population: str, how: str) -> Callable[["AuditFrame"], float]:
    def compute(f: "AuditFrame") -> float:
        amounts = _amounts(f, population, need_rows=True)
        return float(amounts.mean() if how == "mean" else amounts.median())

    return compute


# -- the registry -------------------------------------------------------------------

_DEALS_DATES = (("deals", "created_at"), ("deals", "closed_at"))

KPIS: dict[str, KPI] = {
    k.id: k
    for k in (
        KPI(
            "deals_created", {"en": "Deals created", "ru": "Создано сделок"}, "count", "max", "deals_created",
            {"en": "number of deals created in the period", "ru": "число сделок, созданных в периоде"},
            (("deals", "created_at"),), _count("deals_created"), "process.grow_pipeline",
        ),
        KPI(
            "deals_won", {"en": "Deals won", "ru": "Выиграно сделок"}, "count", "max", "deals_won",
            {"en": "number of deals won in the period", "ru": "число сделок, выигранных в периоде"},
            _DEALS_DATES, _count("deals_won"), "process.improve_win_rate",
        ),
        KPI(
            "deals_lost", {"en": "Deals lost", "ru": "Проиграно сделок"}, "count", "min", "deals_lost",
            {"en": "number of deals lost in the period", "ru": "число сделок, проигранных в периоде"},
            _DEALS_DATES, _count("deals_lost"), "process.improve_win_rate",
        ),
        KPI(
            "won_value", {"en": "Won value", "ru": "Сумма выигранных сделок"}, "money", "max", "deals_won",
            {"en": "sum of the amounts of the deals won in the period", "ru": "сумма выигранных в периоде сделок"},
            (*_DEALS_DATES, ("deals", "amount")), _sum_amount("deals_won"), "process.raise_deal_value",
        ),
        KPI(
            "lost_value", {"en": "Lost value", "ru": "Сумма проигранных сделок"}, "money", "min", "deals_lost",
            {"en": "sum of the amounts of the deals lost in the period", "ru": "сумма проигранных в периоде сделок"},
            (*_DEALS_DATES, ("deals", "amount")), _sum_amount("deals_lost"), "process.improve_win_rate",
        ),
        KPI(
            "win_rate", {"en": "Win rate (won / closed)", "ru": "Доля выигранных (выиграно / закрыто)"}, "share", "max",
            "deals_closed",
            {"en": "deals won / deals won or lost, both closed in the period",
             "ru": "выигранные / (выигранные + проигранные), закрытые в периоде"},
            _DEALS_DATES, _win_rate, "process.improve_win_rate",
        ),
        KPI(
            "avg_won_deal", {"en": "Average won deal", "ru": "Средняя выигранная сделка"}, "money", "max", "deals_won",
            {"en": "mean amount of the deals won in the period (those with an amount)",
             "ru": "среднее по суммам сделок, выигранных в периоде (у которых сумма указана)"},
            (*_DEALS_DATES, ("deals", "amount")), _amount_stat("deals_won", "mean"), "process.raise_deal_value",
        ),
        KPI(
            "median_won_deal", {"en": "Median won deal", "ru": "Медианная выигранная сделка"}, "money", "max", "deals_won",
            {"en": "median amount of the deals won in the period", "ru": "медиана сумм сделок, выигранных в периоде"},
            (*_DEALS_DATES, ("deals", "amount")), _amount_stat("deals_won", "median"), "process.raise_deal_value",
        ),
        KPI(
            "median_cycle_days", {"en": "Median sales cycle of won deals, days", "ru": "Медианный цикл выигранной сделки, дней"},
            "days", "min", "deals_won",
            {"en": "median of closed_at - created_at, in days, of the deals won in the period",
             "ru": "медиана closed_at - created_at в днях по сделкам, выигранным в периоде"},
            _DEALS_DATES, _median_cycle, "process.shorten_cycle",
        ),
        KPI(
            "open_deals", {"en": "Open deals at period end", "ru": "Открытых сделок на конец периода"}, "count", "max",
            "deals_open_at_end",
            {"en": "number of deals open at the as-of moment", "ru": "число сделок, открытых на момент среза"},
            (("deals", "created_at"),), _count("deals_open_at_end"), "process.grow_pipeline",
        ),
        KPI(
            "open_pipeline_value", {"en": "Open pipeline value", "ru": "Сумма открытой воронки"}, "money", "max",
            "deals_open_at_end",
            {"en": "sum of the amounts of the deals open at the as-of moment",
             "ru": "сумма сделок, открытых на момент среза"},
            (("deals", "created_at"), ("deals", "amount")), _sum_amount("deals_open_at_end"), "process.grow_pipeline",
        ),
        KPI(
            "leads", {"en": "Leads created", "ru": "Создано лидов"}, "count", "max", "leads_created",
            {"en": "number of leads created in the period", "ru": "число лидов, созданных в периоде"},
            (("leads", "created_at"),), _count("leads_created"), "process.grow_pipeline",
        ),
        KPI(
            "lead_to_deal_conversion", {"en": "Lead-to-deal conversion", "ru": "Конверсия лидов в сделки"}, "share", "max",
            "leads_created",
            {"en": "share of the leads created in the period whose deal_id names a deal created before the as-of moment",
             "ru": "доля лидов периода, чей deal_id указывает на сделку, созданную до момента среза"},
            (("leads", "created_at"), ("leads", "deal_id")), _lead_conversion, "process.improve_lead_conversion",
        ),
        KPI(
            "lead_response_hours", {"en": "Median lead response time, hours", "ru": "Медианное время ответа на лид, часов"},
            "hours", "min", "leads_created",
            {"en": "Kaplan-Meier median of the hours from a lead's creation to its first contact; leads not contacted "
                   "by the as-of moment count as still waiting (censored)",
             "ru": "медиана Каплана-Мейера часов от создания лида до первого контакта; лиды без контакта на момент "
                   "среза считаются ещё ожидающими (цензурированными)"},
            (("leads", "created_at"), ("leads", "first_contact_at")), _lead_response_hours, "comms.speed_up_lead_response",
        ),
        KPI(
            "lost_without_reason_share", {"en": "Lost deals without a reason", "ru": "Проигранные сделки без причины"},
            "share", "min", "deals_lost",
            {"en": "share of the deals lost in the period whose lost reason, normalised, is empty",
             "ru": "доля проигранных в периоде сделок, у которых причина проигрыша (после нормализации) пуста"},
            (*_DEALS_DATES, ("deals", "lost_reason")), _lost_without_reason, "process.enforce_lost_reasons",
        ),
    )
}


#: KPIs that add amounts up: over part of their deals they are lower bounds.
SUMS = ("won_value", "lost_value", "open_pipeline_value")

_RATES = ("win_rate", "avg_won_deal", "median_won_deal", "median_cycle_days", "lead_to_deal_conversion",
          "lead_response_hours", "lost_without_reason_share")
KPIS.update({k: dataclasses.replace(KPIS[k], min_n=MIN_JUDGED) for k in _RATES})


def kpi(kpi_id: str) -> KPI:
    """The registered KPI (KeyError naming the known ids otherwise)."""
    if kpi_id not in KPIS:
        raise KeyError(f"unknown KPI {kpi_id!r}; known: {', '.join(KPIS)}")
    return KPIS[kpi_id]


@per_frame
def evaluate(frame: "AuditFrame", kpi_id: str) -> KpiValue:
    """One KPI on the frame: its value, or None with the reason it is not available. Computed once per frame:
    the steps of a run share it, and each shows the KPIs on it (the lead response at 1M deals: 0.4 s)."""
    k = kpi(kpi_id)
    n = len(frame.population(k.population)) if frame.has(POPULATIONS[k.population].table) else 0
    for table, column in k.requires:
        av = frame.availability(table, column)
        if not av.ok:  # table and column stay keys: the reason names them in its language (report.text.na_reason)
            return KpiValue(k, None, n, av.status, {"table": table, "column": column or "", "share": float(av.unreadable_share)})
    try:
        value = float(k.compute(frame))
    except NotAvailable as na:
        return KpiValue(k, None, n, na.code, dict(na.values))
    if not math.isfinite(value):
        return KpiValue(k, None, n, "no_values", {"population": k.population, "column": ""})
    if ("deals", "amount") in k.requires:  # a total or mean over the deals that have an amount says so
        known = int(frame.population(k.population)["amount"].notna().sum())
        if known < n:
            return KpiValue(k, value, n, known=known)
    return KpiValue(k, value, n)


def kpi_table(frame: "AuditFrame", ids: list[str] | None = None, lang: str | None = None) -> pd.DataFrame:
    """KPIs on the frame, one row each: kpi, label, value (NaN when not available), unit, n (rows in the
    population), population, available, reason ("" when available), note (which part of the population a
    value rests on when not all of it; else ""). Leads KPIs only with a leads table."""
    lang = lang or frame.lang
    wanted = ids if ids is not None else [k for k in KPIS if frame.has(POPULATIONS[KPIS[k].population].table)]
    rows = []
    for kpi_id in wanted:
        v = evaluate(frame, kpi_id)
        rows.append(
            {
                "kpi": kpi_id,
                "label": v.kpi.label_in(lang),
                "value": v.value if v.value is not None else math.nan,
                "unit": v.kpi.unit,
                "n": v.n,
                "population": v.kpi.population,
                "available": v.available,
                "reason": v.reason(lang) or "",
                "note": v.note(lang),
            }
        )
    return pd.DataFrame(rows, columns=["kpi", "label", "value", "unit", "n", "population", "available", "reason", "note"])


# -- goals --------------------------------------------------------------------------


def goal_check(frame: "AuditFrame", goals: list["Goal"], lang: str | None = None) -> pd.DataFrame:
    """Each goal against its KPI: kpi, label, unit, value, target, better ('max'/'min'), met (True, False,
    or <NA> when the KPI is not available or rests on too few rows to judge), gap (value - target),
    relative_gap (|gap| / |target|), n (rows of the KPI's population), reason (why no value, or why not judged)."""
    lang = lang or frame.lang
    rows = []
    for goal in goals:
        v = evaluate(frame, goal.kpi)
        better = goal.better
        value = v.value
        met: bool | None = None
        gap = rel = math.nan
        reason = v.reason(lang) or ""
        if value is not None:
            gap = value - goal.target
            rel = abs(gap) / abs(goal.target) if goal.target else (0.0 if gap == 0 else 1.0)
            if v.n < v.kpi.min_n:
                reason = na_reason("too_few", lang, n=v.n, minimum=v.kpi.min_n)
            else:
                met = value >= goal.target if better == "max" else value <= goal.target
                if v.known is not None and v.kpi.id in SUMS and met == (better == "min"):
                    # a total over part of the deals is a lower bound: it can only show a "max" goal met and
                    # a "min" goal missed; the other verdict would rest on the deals without an amount
                    met = None
                    reason = na_reason("partial_not_judged", lang, known=v.known, n=v.n)
        rows.append(
            {
                "kpi": goal.kpi, "label": v.kpi.label_in(lang), "unit": v.kpi.unit,
                "value": value if value is not None else math.nan, "target": goal.target, "better": better,
                "met": met, "gap": gap, "relative_gap": rel, "n": v.n, "reason": reason,
            }
        )
    out = pd.DataFrame(
        rows, columns=["kpi", "label", "unit", "value", "target", "better", "met", "gap", "relative_gap", "n", "reason"]
    )
    return out.astype({"met": "boolean"})


def goal_findings(check: pd.DataFrame, fmt: "Formatter", step: int = 2) -> list["Finding"]:
    """One finding per goal whose KPI misses its target (never for a KPI that is not available, or one
    resting on fewer rows than its ``min_n``)."""
    from .findings import Finding, severity_for
    from .report.text import t

    lang = fmt.language
    out = []
    for row in check.itertuples():
        if row.met is pd.NA or row.met is None or bool(row.met):
            continue
        k = kpi(row.kpi)
        label = k.label_in(lang)
        out.append(
            Finding(
                step=step,
                kind="goal.off_target",
                subject=row.kpi,
                area="goals",
                title=t("finding.goal.title", lang, label=label, value=fmt.by_unit(row.value, row.unit), target=fmt.by_unit(row.target, row.unit)),
                severity=severity_for(float(row.relative_gap), GOAL_GAP_SEVERITY),
                metric=row.kpi,
                value=row.value,
                target=row.target,
                benchmark=t("finding.goal.benchmark", lang),
                unit=row.unit,
                detail=t(
                    "finding.goal.detail", lang, better=t("finding.goal.higher" if row.better == "max" else "finding.goal.lower", lang),
                    gap=fmt.share(row.relative_gap, 0), formula=k.formula.get(lang, k.formula["en"]),
                ),
                action=k.action,
            )
        )
    return out


def not_available_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a :func:`kpi_table` that are not available, as findings-file records (what, reason)."""
    return [
        {"what": f"kpi.{row.kpi}", "label": row.label, "reason": row.reason}
        for row in table.itertuples()
        if not row.available
    ]


# -- KPIs by group (step 4: one row per rep, team, ..., plus the company row) -----------------


def group_frame(frame: "AuditFrame", deal_ids: Any, lead_mask: pd.Series | None = None) -> "AuditFrame":
    """The frame restricted to some deals, as :meth:`AuditFrame.subset` does (their stage history follows),
    with the leads restricted to ``lead_mask`` (a boolean Series over the raw leads table) when given.

    Only the tables the KPIs read are kept (deals, stage history, leads), so building one per rep is cheap;
    for every deals KPI the result equals ``evaluate(frame.subset(deal_ids), kpi)``.
    """
    keep = set(pd.Series(list(deal_ids), dtype="string").dropna())
    raw = frame.data.tables
    tables = {"deals": raw["deals"].loc[isin(raw["deals"]["deal_id"], keep)]}
    if "stage_history" in raw:
        tables["stage_history"] = raw["stage_history"].loc[isin(raw["stage_history"]["deal_id"], keep)]
    if "leads" in raw:
        leads = raw["leads"]
        tables["leads"] = leads.loc[lead_mask.reindex(leads.index, fill_value=False)] if lead_mask is not None else leads
    return _frame_of(frame, tables)


def _frame_of(
    frame: "AuditFrame", tables: dict[str, pd.DataFrame], scoped: bool = False, matched_leads: pd.DataFrame | None = None
) -> "AuditFrame":
    """A frame of ``frame``'s client and period over ``tables`` (a group's deals, stage history and leads):
    raw rows, or rows of ``frame``'s scoped tables (``scoped``), which are not scoped again;
    ``matched_leads``: the group's leads as scoped (each keeping its deal only when the deal is the group's)."""
    from .frame import AuditFrame, GroupFrame
    from .io.load import AuditData

    data = AuditData(frame.params, tables, frame.data.issues, frame.data.sources)
    if not scoped:
        return AuditFrame(frame.params, data)
    group = GroupFrame(frame.params, data)
    group.matched_leads = matched_leads
    return group


#: The columns of a group's split tables: those the KPIs, their populations and their availability read (no
#: KPI reads the stage history, which scoping alone needs). Copying the others for each of 35 groups of a
#: 1M-deal client cost more than evaluating the KPIs.
GROUP_COLUMNS: dict[str, frozenset[str]] = {
    "deals": frozenset({"deal_id", "status", "created_at", "closed_at", "amount", "lost_reason"}),
    "leads": frozenset({"deal_id", "created_at", "first_contact_at"}),
}


#: Deals columns scoping changes (a deal closed after the as-of moment was open at it): grouping by one of
#: them splits the raw rows, and each group's frame scopes its own.
SCOPED_COLUMNS = frozenset({"status", "closed_at", "stage", "lost_reason"})


def _group_values(table: pd.DataFrame, column: str, groups: pd.Series | None) -> pd.Series:
    """Each row's group: its ``column`` as text, mapped through ``groups`` when given (on the distinct values:
    a million deals have a few dozen owners)."""
    values = table[column].astype("string")
    return by_value(values, lambda v: v.map(groups).astype("string")) if groups is not None else values


@per_frame
def deal_ids_repeat(frame: "AuditFrame") -> bool:
    """Whether a deal id is on two rows of the frame's deals as loaded (once per frame: every grouping asks);
    on Arrow text, by counting the distinct ids in Arrow's hash table."""
    ids = frame.data.tables["deals"]["deal_id"]
    column = arrow_text(ids)
    if column is None:
        return bool(ids.dropna().duplicated().any())
    import pyarrow.compute as pc

    return bool(pc.count_distinct(column, mode="only_valid").as_py() < len(column) - column.null_count)


@per_frame
def _lead_deal_rows(frame: "AuditFrame") -> np.ndarray:
    """Each scoped lead's deal as a row of the scoped deals (-1: none), when deal ids do not repeat (once per
    frame: the groupings by rep and by team both read it)."""
    leads = frame.table("leads")
    assert leads is not None
    return positions(leads["deal_id"], pd.Index(frame.deals["deal_id"]))


def _group_frames(
    frame: "AuditFrame", column: str, groups: pd.Series | None, values: pd.Series, leads_by: bool, names: list[str]
) -> Iterator["AuditFrame"]:
    """:func:`group_frame` for each group of ``names`` in turn: the deals whose group (``values``, over the
    raw deals) is the group's, and the leads whose group is (by their own ``column``
    when ``leads_by``, else all the leads). Each table is split once, by sorting its rows' group codes,
    rather than matched against every group's deal ids: linear in the rows, whatever the number of groups.

    Scoping is row by row (a deal as it stood at the as-of moment, an entry or a lead before it), so a
    group's rows of the frame's scoped tables are its own rows scoped: they are split from those and not
    scoped again, unless the groups are by a column scoping changes. Split tables keep :data:`GROUP_COLUMNS`."""
    raw = frame.data.tables
    if deal_ids_repeat(frame) or column in SCOPED_COLUMNS:
        # a deal id shared by two rows belongs to both rows' groups; a group by stage is by the raw stage
        lead_values = _group_values(raw["leads"], column, groups) if leads_by else None
        for name in names:
            mask = lead_values.eq(name).fillna(False) if lead_values is not None else None
            yield group_frame(frame, raw["deals"].loc[values.eq(name).fillna(False), "deal_id"], mask)
        return
    deals = frame.deals
    among = pd.Index(names, dtype="string")
    codes = positions(_group_values(deals, column, groups), among)
    codes[deals["deal_id"].isna().to_numpy()] = -1  # a deal without an id joins no group (as in group_frame)
    deal_rows = group_rows(codes, len(names))
    deals = deals[[c for c in deals.columns if c in GROUP_COLUMNS["deals"]]]
    leads = frame.table("leads")
    lead_rows: list[np.ndarray] | None = None
    if leads is not None and leads_by:
        lead_rows = group_rows(positions(_group_values(leads, column, groups), among), len(names))
    if leads is not None:
        leads = leads[[c for c in leads.columns if c in GROUP_COLUMNS["leads"]]]
        # a lead keeps its deal in a group's frame when the deal is the group's: each lead's deal's group,
        # found once (ids do not repeat here), rather than the group's deal ids looked up in every group
        at = _lead_deal_rows(frame)
        deal_group = np.where(at >= 0, codes[np.maximum(at, 0)], -1)
    for i in range(len(names)):
        tables = {"deals": deals.take(deal_rows[i])}
        matched = None
        if leads is not None:
            part, of_deal = (leads.take(lead_rows[i]), deal_group[lead_rows[i]]) if lead_rows is not None else (leads, deal_group)
            tables["leads"] = part
            matched = part.assign(deal_id=part["deal_id"].where(of_deal == i))
        yield _frame_of(frame, tables, scoped=True, matched_leads=matched)


#: Label of the company row of :func:`kpi_table_by`.
COMPANY = "(company)"


def kpi_table_by(
    frame: "AuditFrame", column: str, kpi_ids: list[str], groups: pd.Series | None = None
) -> pd.DataFrame:
    """KPIs per group of deals, each KPI evaluated by its own registered definition on the group's frame.

    ``column`` is a deals column (e.g. ``owner_id``); ``groups`` optionally maps each deal's value of it to
    a group (e.g. owner -> team; a Series indexed by the value). Leads follow by the same column when the
    leads table has it (a lead's ``owner_id``); otherwise leads KPIs are left out of the group rows (NaN, with
    the reason). One row per group value (sorted), then the company row (group = :data:`COMPANY`), which
    is ``evaluate(frame, kpi)``. Columns: ``group``, then per KPI ``<id>`` (value, NaN when not available)
    and ``<id>__n`` (population size); ``attrs["reasons"]`` maps (group, kpi) -> the "not available" reason
    and ``attrs["units"]`` each KPI's unit.
    """
    values = _group_values(frame.data.tables["deals"], column, groups)
    leads = frame.data.tables.get("leads")
    leads_by = leads is not None and column in leads.columns and frame.availability("leads", column).ok
    rows: list[dict[str, Any]] = []
    reasons: dict[tuple[str, str], str] = {}
    names = sorted(str(v) for v in values.dropna().unique())
    subs = _group_frames(frame, column, groups, values, leads_by, names)
    for name in [*names, COMPANY]:
        sub = frame if name == COMPANY else next(subs)
        row: dict[str, Any] = {"group": name}
        for kpi_id in kpi_ids:
            k = kpi(kpi_id)
            if name != COMPANY and POPULATIONS[k.population].table == "leads" and not leads_by:
                v = KpiValue(k, None, 0, "not_in_export", {"table": "leads", "column": column})
            else:
                v = evaluate(sub, kpi_id)
            row[kpi_id] = v.value if v.value is not None else math.nan
            row[f"{kpi_id}__n"] = v.n
            if not v.available:
                reasons[(name, kpi_id)] = v.reason(frame.lang) or ""
        rows.append(row)
    cols = ["group", *[c for kpi_id in kpi_ids for c in (kpi_id, f"{kpi_id}__n")]]
    out = pd.DataFrame(rows, columns=cols).astype({"group": "str"})
    out.attrs["reasons"] = reasons
    out.attrs["units"] = {kpi_id: kpi(kpi_id).unit for kpi_id in kpi_ids} | {f"{i}__n": "count" for i in kpi_ids}
    return out
