"""Step 5, adoption and tools, from the tool inventory: seats against active users, cost per active user,
tools not integrated with the CRM and categories with more than one tool.

A value the inventory does not have (no seats, no cost) stays empty, never 0.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..findings import Finding, records

if TYPE_CHECKING:  # pragma: no cover
    from ..frame import AuditFrame
    from ..report.format import Formatter

#: A tool whose active users are fewer than this share of its seats is under-used (with at least MIN_SEATS).
UNDERUSED_SHARE = 0.5
MIN_SEATS = 5

TOOL_UNITS = {"seats": "count", "active_users": "count", "unused_seats": "count", "utilisation": "share",
              "monthly_cost": "money", "cost_per_active_user": "money", "unused_cost": "money"}


def tool_usage(frame: "AuditFrame") -> pd.DataFrame:
    """Per tool: category, seats, active_users, ``utilisation`` (active / seats), ``unused_seats``,
    monthly_cost, ``cost_per_active_user`` (monthly cost / active users; NaN with no active user or no cost),
    ``unused_cost`` (cost x unused share), ``integrated`` (True/False/<NA>), ``overlap`` (another tool has the
    same category). Lowest utilisation first. Empty without a tools table."""
    t = frame.table("tools")
    cols = ["tool", "category", "seats", "active_users", "utilisation", "unused_seats", "monthly_cost",
            "cost_per_active_user", "unused_cost", "integrated", "overlap"]
    if t is None or t.empty:
        return pd.DataFrame(columns=cols)
    seats, users, cost = (t[c].to_numpy(dtype=float, na_value=np.nan) for c in ("seats", "active_users", "monthly_cost"))
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(seats > 0, users / seats, np.nan)
        per_user = np.where(users > 0, cost / users, np.nan)
    category = t["category"].astype("string").str.strip()
    key = category.str.lower()
    overlap = key.notna() & key.duplicated(keep=False)
    out = pd.DataFrame({
        "tool": t["tool"].astype("string").to_numpy(), "category": category.to_numpy(), "seats": seats, "active_users": users,
        "utilisation": util, "unused_seats": np.maximum(seats - users, 0), "monthly_cost": cost,
        "cost_per_active_user": per_user, "unused_cost": cost * np.clip(1 - util, 0, 1),
        "integrated": t["integrated_with_crm"].astype("boolean").to_numpy(), "overlap": overlap.to_numpy(dtype=bool),
    })
    out = out.sort_values("utilisation", na_position="last", kind="stable").reset_index(drop=True)
    out.attrs["units"] = dict(TOOL_UNITS)
    return out


def overlapping(usage: pd.DataFrame) -> pd.DataFrame:
    """Categories served by more than one tool: ``category``, ``tools`` (their names), ``monthly_cost`` (sum)."""
    o = usage.loc[usage["overlap"]] if len(usage) else usage
    if o.empty:
        out = pd.DataFrame(columns=["category", "tools", "monthly_cost"])
    else:
        g = o.groupby(o["category"].str.lower(), sort=True)
        out = pd.DataFrame({"category": g["category"].first(), "tools": g["tool"].agg(lambda s: ", ".join(sorted(s))),
                            "monthly_cost": g["monthly_cost"].sum(min_count=1)}).reset_index(drop=True)
    out.attrs["units"] = {"monthly_cost": "money"}
    return out


def tool_findings(usage: pd.DataFrame, fmt: "Formatter") -> list[Finding]:
    """``tech.tools.underused`` per tool with at least ``MIN_SEATS`` seats used by fewer than
    ``UNDERUSED_SHARE`` of them; one ``tech.tools.not_integrated`` listing the tools not integrated with the
    CRM; ``tech.tools.overlap`` per category served by more than one tool."""
    lang = fmt.language
    out: list[Finding] = []
    if usage.empty:
        return out
    for _, r in usage.iterrows():
        if not (r["seats"] >= MIN_SEATS) or not (r["utilisation"] < UNDERUSED_SHARE):
            continue
        cost = "" if math.isnan(r["unused_cost"]) else fmt.money(r["unused_cost"])
        out.append(Finding(
            step=5, kind="tech.tools.underused", subject=str(r["tool"]), area="technology",
            title=(f"{r['tool']} is paid for {int(r['seats'])} seats but used by {int(r['active_users'])}"
                   if lang != "ru" else f"{r['tool']}: оплачено {int(r['seats'])} мест, используют {int(r['active_users'])}"),
            severity="high" if r["utilisation"] < 0.25 else "medium", metric="seat_utilisation", value=r["utilisation"],
            unit="share", target=UNDERUSED_SHARE, action="tech.cut_unused_seats",
            detail=(f"unused seats cost about {cost} a month" if lang != "ru" else f"неиспользуемые места стоят около {cost} в месяц") if cost else "",
            evidence=records(usage.loc[usage["tool"] == r["tool"]]),
        ))
    lone = usage.loc[usage["integrated"].eq(False).fillna(False)]
    if len(lone):
        names = ", ".join(lone["tool"])
        out.append(Finding(
            step=5, kind="tech.tools.not_integrated", subject="tools", area="technology",
            title=(f"{len(lone)} tools are not integrated with the CRM: {names}" if lang != "ru"
                   else f"Инструменты без интеграции с CRM ({len(lone)}): {names}"),
            severity="low", metric="tools_not_integrated", value=len(lone), unit="count", action="tech.integrate_tool",
            evidence=records(lone),
        ))
    for _, r in overlapping(usage).iterrows():
        out.append(Finding(
            step=5, kind="tech.tools.overlap", subject=str(r["category"]).lower(), area="technology",
            title=(f"Several tools do the same job ({r['category']}): {r['tools']}" if lang != "ru"
                   else f"Несколько инструментов для одной задачи ({r['category']}): {r['tools']}"),
            severity="low", metric="monthly_cost", value=r["monthly_cost"], unit="money", action="tech.consolidate_tools",
            evidence=records(usage.loc[usage["category"].str.lower() == str(r["category"]).lower()]),
        ))
    return out
