"""Survey indices of steps 5 and 6, from the answers to the standard questionnaire
(:mod:`auditkit.questionnaire`).

- Each Likert answer (1-5) is scored, reverse-scored items as ``6 - answer``; answers outside 1-5 or not
  numbers are set aside and counted.
- A respondent's dimension score is the mean of their item scores in it; a group's score is the mean over
  its respondents, with ``respondents`` counted.
- A group with fewer than ``min_group`` respondents (:data:`MIN_GROUP`) is **hidden**: its score is empty and
  ``hidden`` is True, so no one's answers can be singled out. Free-text answers of such a group are not shown
  either.
- Answers to items not in the standard questionnaire are not scored; :func:`unknown_items` lists them.
- The departments the items name (marketing, finance, delivery, management, sales) are the kit's words,
  shown in the report's language (``lang``); a respondent's department is the client's and stays as
  written. A client department written as one of those names, in either language ("Sales", "Продажи"), is
  that department (:func:`auditkit.questionnaire.counterpart_of`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .tables import units_of  # noqa: F401  (re-exported: the notebooks read units through this module)
from .tables import with_units as _units

from ..findings import Finding, records
from ..questionnaire import COUNTERPARTS, DIMENSIONS, ITEMS_BY_ID, counterpart_label, counterpart_of

if TYPE_CHECKING:  # pragma: no cover
    from ..frame import AuditFrame
    from ..report.format import Formatter

#: Groups with fewer respondents than this are hidden.
MIN_GROUP = 5
#: A dimension scoring below this (of 5) in a shown group is a finding; so is a sales/counterpart gap above GAP.
LOW_SCORE = 3.0
GAP = 1.0
SALES = "Sales"
NO_VALUE = "(none)"
SCORE_UNITS = {"respondents": "count", "score": "score", "answers": "count"}






def scored(survey: pd.DataFrame | None) -> pd.DataFrame:
    """One row per Likert answer to a standard item: respondent_id, department, role, question_id, step,
    dimension, counterpart, answer (1-5) and score (reverse-scored where the item is). Answers that are not
    a whole number 1-5 are left out (``attrs["set_aside"]`` counts them)."""
    cols = ["respondent_id", "department", "role", "question_id", "step", "dimension", "counterpart", "answer", "score"]
    if survey is None or survey.empty:
        return _units(pd.DataFrame(columns=cols), {"answer": "score", "score": "score"}, set_aside=0)
    s = survey.assign(question_id=survey["question_id"].astype("string").str.strip())
    s = s.loc[s["question_id"].isin([i for i, it in ITEMS_BY_ID.items() if it.kind == "likert"])]
    answer = pd.to_numeric(s["answer"].astype("string").str.strip(), errors="coerce")
    ok = answer.isin([1, 2, 3, 4, 5])
    items = s["question_id"].map(ITEMS_BY_ID)
    reverse = items.map(lambda i: i.reverse).astype(bool)
    out = pd.DataFrame({
        "respondent_id": s["respondent_id"].astype("string"),
        "department": s["department"].astype("string").str.strip().fillna(NO_VALUE),
        "role": s["role"].astype("string").str.strip().fillna(NO_VALUE),
        "question_id": s["question_id"],
        "step": items.map(lambda i: i.step).astype("int64"),
        "dimension": items.map(lambda i: i.dimension).astype("string"),
        "counterpart": items.map(lambda i: i.counterpart).astype("string"),
        "answer": answer.astype(float),
        "score": np.where(reverse, 6.0 - answer.astype(float), answer.astype(float)),
    })
    return _units(out.loc[ok].reset_index(drop=True), {"answer": "score", "score": "score"}, set_aside=int((~ok).sum()))


def unknown_items(survey: pd.DataFrame | None) -> list[str]:
    """The question ids of the answers that are not items of the standard questionnaire."""
    if survey is None or survey.empty:
        return []
    ids = survey["question_id"].astype("string").str.strip().dropna().unique()
    return sorted(str(i) for i in ids if i not in ITEMS_BY_ID)


def dimension_scores(answers: pd.DataFrame, by: tuple[str, ...] = ("department",), step: int | None = None,
                     min_group: int = MIN_GROUP, lang: str = "en") -> pd.DataFrame:
    """Per group (``by``: department, role, or both) and dimension: ``respondents``, ``score`` (mean over the
    respondents of their mean item score in the dimension; empty when hidden), ``hidden`` (fewer than
    ``min_group`` respondents). Only the dimensions of ``step`` when given."""
    cols = [*by, "dimension", "label", "respondents", "score", "hidden"]
    a = answers if step is None else answers.loc[answers["step"] == step]
    if a.empty:
        return _units(pd.DataFrame(columns=cols), SCORE_UNITS, min_group=min_group)
    per_resp = a.groupby([*by, "dimension", "respondent_id"], sort=True)["score"].mean().reset_index()
    g = per_resp.groupby([*by, "dimension"], sort=True).agg(respondents=("respondent_id", "nunique"), score=("score", "mean")).reset_index()
    g["hidden"] = g["respondents"] < min_group
    g["score"] = g["score"].where(~g["hidden"])
    g["label"] = [DIMENSIONS[str(d)][lang] for d in g["dimension"]]
    return _units(g[cols], SCORE_UNITS, min_group=min_group)


def group_sizes(answers: pd.DataFrame, by: tuple[str, ...] = ("department",), min_group: int = MIN_GROUP) -> pd.DataFrame:
    """Respondents per group and whether the group is hidden."""
    if answers.empty:
        return _units(pd.DataFrame(columns=[*by, "respondents", "hidden"]), SCORE_UNITS)
    g = answers.groupby(list(by))["respondent_id"].nunique().rename("respondents").reset_index()
    g["hidden"] = g["respondents"] < min_group
    return _units(g, SCORE_UNITS, min_group=min_group)


def counterpart_heatmap(answers: pd.DataFrame, min_group: int = MIN_GROUP, lang: str = "en") -> pd.DataFrame:
    """How each department (rows, the client's names as written) rates each counterpart department (columns,
    named in ``lang``, in the questionnaire's order), mean score of the items that name the counterpart; a
    cell with fewer than ``min_group`` respondents is empty. A department does not rate itself."""
    a = answers.loc[answers["counterpart"].fillna("") != ""]
    own = a["department"].map(counterpart_of)
    a = a.loc[own.isna() | (own != a["counterpart"])]
    if a.empty:
        return pd.DataFrame()
    per_resp = a.groupby(["department", "counterpart", "respondent_id"])["score"].mean().reset_index()
    g = per_resp.groupby(["department", "counterpart"]).agg(n=("respondent_id", "nunique"), score=("score", "mean"))
    g["score"] = g["score"].where(g["n"] >= min_group)
    out = g["score"].unstack()
    out = out[[c for c in COUNTERPARTS if c in out.columns]]
    out.columns = [counterpart_label(c, lang) for c in out.columns]
    return out


def sales_gaps(answers: pd.DataFrame, min_group: int = MIN_GROUP, lang: str = "en") -> pd.DataFrame:
    """Per counterpart department: ``sales_rates_them`` (how sales rates it), ``they_rate_sales`` (how it rates
    sales), ``gap`` (the first minus the second) and the respondents behind each; empty where a side has fewer
    than ``min_group`` respondents. ``department`` is the client's department that is the counterpart, as
    written, or, when no respondent is from it, the counterpart's name in ``lang`` (such a row has no
    ``they_rate_sales`` and no ``gap``, so it is never a finding). Rows in the questionnaire's order."""
    cols = ["department", "sales_rates_them", "sales_respondents", "they_rate_sales", "their_respondents", "gap"]
    units = {"sales_rates_them": "score", "they_rate_sales": "score", "gap": "number", "sales_respondents": "count", "their_respondents": "count"}
    a = answers.loc[answers["counterpart"].fillna("") != ""]
    if a.empty:
        return _units(pd.DataFrame(columns=cols), units, min_group=min_group)
    per_resp = a.groupby(["department", "counterpart", "respondent_id"])["score"].mean().reset_index()
    g = per_resp.groupby(["department", "counterpart"]).agg(n=("respondent_id", "nunique"), score=("score", "mean"))
    heat_n = g["n"].to_dict()
    score = g["score"].to_dict()
    client_dept: dict[str, str] = {}  # counterpart -> the client's department that is it (the first, by name)
    for d in sorted(str(d) for d in answers["department"].dropna().unique()):
        cp = counterpart_of(d)
        if cp is not None:
            client_dept.setdefault(cp, d)
    sales = client_dept.get(SALES)
    rows = []
    if sales is not None:
        named = {str(c) for c in a["counterpart"].unique()}
        for cp in (c for c in COUNTERPARTS if c in named and c != SALES):  # the questionnaire's order
            dept = client_dept.get(cp)
            shown = dept if dept is not None else counterpart_label(cp, lang)
            n1, n2 = heat_n.get((sales, cp), 0), heat_n.get((dept, SALES), 0) if dept is not None else 0
            s1 = score.get((sales, cp), math.nan) if n1 >= min_group else math.nan
            s2 = score.get((dept, SALES), math.nan) if n2 >= min_group else math.nan
            rows.append({"department": shown, "sales_rates_them": s1, "sales_respondents": n1, "they_rate_sales": s2,
                         "their_respondents": n2, "gap": s1 - s2})
    out = pd.DataFrame(rows, columns=cols)
    return _units(out, units, min_group=min_group)


def free_text(survey: pd.DataFrame | None, step: int, min_group: int = MIN_GROUP, lang: str = "en") -> pd.DataFrame:
    """The free-text answers of ``step``'s open question, per department, only for departments with at least
    ``min_group`` respondents in the whole survey (the others are left out entirely): ``department``,
    ``question_id``, ``question`` (the question as asked, in ``lang``), ``answer``."""
    cols = ["department", "question_id", "question", "answer"]
    if survey is None or survey.empty:
        return pd.DataFrame(columns=cols)
    sizes = survey.groupby(survey["department"].astype("string").str.strip())["respondent_id"].nunique()
    shown = set(sizes.index[sizes >= min_group])
    ids = [i for i, it in ITEMS_BY_ID.items() if it.kind == "text" and it.step == step]
    s = survey.assign(department=survey["department"].astype("string").str.strip())
    s = s.loc[s["question_id"].astype("string").str.strip().isin(ids) & s["department"].isin(shown) & s["answer"].notna()]
    s = s.assign(question=[getattr(ITEMS_BY_ID[str(q).strip()], "ru" if lang == "ru" else "en") for q in s["question_id"]])
    return s[cols].sort_values(["department", "question_id"], kind="stable").reset_index(drop=True)


def survey_findings(scores: pd.DataFrame, gaps: pd.DataFrame | None, step: int, fmt: "Formatter") -> list[Finding]:
    """``survey.low_dimension``: a dimension scoring below ``LOW_SCORE`` in a department shown (not hidden);
    on step 6 also ``survey.sales_gap``: sales rates a department more than ``GAP`` points apart from how that
    department rates sales."""
    lang = fmt.language
    action = "tech.improve_crm_adoption" if step == 5 else "comms.improve_collaboration"
    out: list[Finding] = []
    low = scores.loc[~scores["hidden"] & (scores["score"] < LOW_SCORE)] if len(scores) else scores
    for _, r in low.iterrows():
        subject = f"{r['department']}/{r['dimension']}"
        out.append(Finding(
            step=step, kind="survey.low_dimension", subject=subject, area="technology" if step == 5 else "communication",
            title=(f"{r['department']} rates '{r['label']}' {fmt.number(r['score'], 2)} of 5" if lang != "ru"
                   else f"{r['department']}: «{r['label']}» — {fmt.number(r['score'], 2)} из 5"),
            severity="medium" if r["score"] < 2.5 else "low", metric="survey_score", value=r["score"], unit="score",
            target=LOW_SCORE, detail=f"{int(r['respondents'])} respondents" if lang != "ru" else f"респондентов: {int(r['respondents'])}", action=action,
            evidence=records(scores.loc[(scores["department"] == r["department"]) & (scores["dimension"] == r["dimension"])]),
        ))
    if gaps is not None and step == 6:
        for _, r in gaps.loc[gaps["gap"].abs() > GAP].iterrows():
            out.append(Finding(
                step=6, kind="survey.sales_gap", subject=str(r["department"]), area="communication",
                title=(f"Sales rates {r['department']} {fmt.number(r['sales_rates_them'], 2)}, {r['department']} rates sales {fmt.number(r['they_rate_sales'], 2)}"
                       if lang != "ru" else f"Продажи оценивают {r['department']} на {fmt.number(r['sales_rates_them'], 2)}, {r['department']} оценивает продажи на {fmt.number(r['they_rate_sales'], 2)}"),
                severity="low", metric="survey_gap", value=r["gap"], unit="number", target=GAP, action="comms.improve_collaboration",
                evidence=records(gaps.loc[gaps["department"] == r["department"]]),
            ))
    return out


def survey_of(frame: "AuditFrame") -> pd.DataFrame | None:
    """The survey table of the frame (None when the client has none)."""
    return frame.table("survey")
