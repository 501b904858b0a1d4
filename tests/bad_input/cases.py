"""The bad-input corpus: one :class:`Case` per fault a user can bring, built in code.

Every case writes a small client (a params file and data files) into an empty folder, names the command
a user runs on it, the exit code README.md documents for it, and what the user must see: the file, the
row or column, and what to do. ``test_corpus.py`` runs each case through the installed ``auditkit``;
``docs/bad-input.md`` is generated from this list (``python tests/bad_input/make_doc.py``) and a test
checks that it is current.

The client is the small hand-checked one of ``tests/helpers.py``: period 2025-01-01 .. 2025-03-31,
eight deals D1..D8 in ``deals.csv`` (';'-separated, header on row 1, so D1 is row 2 and a ninth deal
appended is row 10) and five leads in ``leads.csv``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from helpers import DEALS, LEADS, PARAMS

HEADER = ["Deal ID", "Created", "Closed", "Status", "Stage", "Value", "Owner", "Lost reason"]
LEAD_HEADER = ["lead_id", "created_at", "source", "owner_id", "first_contact_at", "status", "deal_id"]
#: exit codes, as README.md documents them
OK, STEP_FAILED, UNUSABLE, INSUFFICIENT = 0, 1, 2, 3


@dataclass(frozen=True)
class Case:
    """One bad input and what the user must see."""

    id: str
    group: str  # params, data file, data values, file text, shape
    fault: str  # what is wrong with the input, in a few words
    build: Callable[[Path], Path]  # writes the client under the folder; returns the params path
    code: int  # the documented exit code
    file: str  # the file the message names
    where: str  # the row, column or key it names (a substring of the output)
    todo: str  # what to do (a substring of the output, or of the issue's message for a data-quality issue)
    command: str = "validate"  # or "run" (run --steps 02,03)
    issue: str | None = None  # "table.column check": a data-quality issue whose message must carry ``todo``
    also: tuple[str, ...] = field(default=())  # further substrings of the output
    page: tuple[str, ...] = field(default=())  # substrings of step 2's HTML page (run cases)

    @property
    def shown(self) -> str:
        """What the user sees, for the doc."""
        where = f"`{self.where}`" if self.where else ""
        todo = f"; what to do: \"{self.todo}\"" if self.todo else ""
        via = f" (in the {self.issue} issue message, shown by step 2)" if self.issue and self.todo else ""
        page = "; step 2's page says " + ", ".join(f'"{p}"' for p in self.page) if self.page else ""
        return f"names `{self.file}`, {where}{todo}{via}{page}"


# -- building clients ------------------------------------------------------------


def csv_text(rows: list[tuple], header: list[str] = HEADER, sep: str = ";", quote_all: bool = False) -> str:
    """Rows as CSV text (quoted where needed, or every field with ``quote_all``; LF line ends)."""
    buf = io.StringIO()
    pd.DataFrame(rows, columns=header).to_csv(buf, sep=sep, index=False, lineterminator="\n", quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    return buf.getvalue()


def client(
    root: Path,
    deals: list[tuple] | None = None,
    *,
    deals_bytes: bytes | None = None,
    subs: tuple[tuple[str, str], ...] = (),
    params_bytes: bytes | None = None,
    extra: dict[str, bytes] | None = None,
    leads: list[tuple] | None = None,
) -> Path:
    """Write the small client under ``root``: ``deals`` rows (or the raw ``deals_bytes``), the params text
    with each (old, new) of ``subs`` replaced (old must be there), or raw ``params_bytes``, and ``extra``
    files under data/. Returns the params path."""
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "deals.csv").write_bytes(deals_bytes if deals_bytes is not None else csv_text(deals or DEALS).encode())
    (data / "leads.csv").write_bytes(csv_text(leads or LEADS, LEAD_HEADER, ",").encode())
    for name, content in (extra or {}).items():
        (data / name).write_bytes(content)
    text = PARAMS
    for old, new in subs:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = root / "params.yaml"
    path.write_bytes(params_bytes if params_bytes is not None else text.encode())
    return path


def with_deal(*row: str) -> Callable[[Path], Path]:
    """The small client with one more deal (row 10 of deals.csv)."""
    return lambda root: client(root, [*DEALS, row])


def replaced(*subs: tuple[str, str]) -> Callable[[Path], Path]:
    """The small client with its params text edited."""
    return lambda root: client(root, subs=subs)


def raw_deals(data: bytes, *subs: tuple[str, str]) -> Callable[[Path], Path]:
    """The small client whose deals.csv holds exactly ``data``."""
    return lambda root: client(root, deals_bytes=data, subs=subs)


def deals_with(rows: list[tuple], *subs: tuple[str, str]) -> Callable[[Path], Path]:
    """The small client with these deals instead of its own."""
    return lambda root: client(root, rows, subs=subs)


def _deep_flow(root: Path) -> Path:
    return client(root, params_bytes=(PARAMS + "extra: " + "[" * 5000 + "]" * 5000 + "\n").encode())


def _deep_block(root: Path) -> Path:
    nested = "".join("  " * i + "-\n" for i in range(200))
    return client(root, params_bytes=(PARAMS + "notes:\n" + nested).encode())


def _cp1251_params(root: Path) -> Path:
    return client(root, params_bytes=PARAMS.replace("Small Client", "Ромашка").encode("cp1251"))


def _bom_params(root: Path) -> Path:
    return client(root, params_bytes=b"\xef\xbb\xbf" + PARAMS.encode())


def _duplicate_key(root: Path) -> Path:
    return client(root, params_bytes=PARAMS.replace("currency: EUR\n", "currency: EUR\ncurrency: USD\n").encode())


def _list_params(root: Path) -> Path:
    return client(root, params_bytes=b"- client\n- period\n")


def _empty_params(root: Path) -> Path:
    return client(root, params_bytes=b"")


def _no_params(root: Path) -> Path:
    client(root)
    (root / "params.yaml").unlink()
    return root / "params.yaml"


def _missing_file(root: Path) -> Path:
    path = client(root)
    (root / "data" / "deals.csv").unlink()
    return path


def _drop_column(column: str) -> Callable[[Path], Path]:
    def build(root: Path) -> Path:
        header = [c for c in HEADER if c != column]
        rows = [tuple(v for c, v in zip(HEADER, row) if c != column) for row in DEALS]
        return client(root, deals_bytes=csv_text(rows, header).encode())
    return build


def _excel_reps(content: bytes, sheet: str = "") -> Callable[[Path], Path]:
    entry = "    reps: {path: reps.xlsx" + (f", sheet: {sheet}" if sheet else "") + "}\n"
    return lambda root: client(root, extra={"reps.xlsx": content}, subs=(("    leads: {path: leads.csv}\n", "    leads: {path: leads.csv}\n" + entry),))


def _real_xlsx(root: Path) -> bytes:
    buf = io.BytesIO()
    pd.DataFrame({"rep_id": ["R1", "R2"], "name": ["Ann", "Bob"]}).to_excel(buf, sheet_name="reps", index=False)
    return buf.getvalue()


def _missing_sheet(root: Path) -> Path:
    return _excel_reps(_real_xlsx(root), "people")(root)


def _broken_parquet(root: Path) -> Path:
    entry = "    activities: {path: activities.parquet}\n"
    return client(root, extra={"activities.parquet": b"PAR1 this is not a parquet file"},
                  subs=(("    leads: {path: leads.csv}\n", "    leads: {path: leads.csv}\n" + entry),))


def _orphan_lead(root: Path) -> Path:
    return client(root, leads=[*LEADS, ("L6", "2025-03-06 10:00", "Web", "R1", "2025-03-06 12:00", "converted", "D99")])


def _stage_history(n: int, stages: tuple[str, ...] = ("New", "Qualified", "Proposal")) -> Callable[[Path], Path]:
    """Deal D5 moving back and forth ``n`` times between stages, minute by minute, within the period."""
    def build(root: Path) -> Path:
        start = pd.Timestamp("2025-03-01 11:00")
        rows = [("D5", stages[i % len(stages)], str(start + pd.Timedelta(minutes=i))) for i in range(n)]
        text = csv_text(rows, ["deal_id", "stage", "entered_at"], ",")
        entry = "    stage_history: {path: stage_history.csv}\n"
        return client(root, extra={"stage_history.csv": text.encode()},
                      subs=(("    leads: {path: leads.csv}\n", "    leads: {path: leads.csv}\n" + entry),))
    return build


LONG_STAGE = "Qualified by the regional committee after a second technical review " * 3  # 200+ characters
LONG_STAGE = LONG_STAGE[:200]


def _long_stage(root: Path) -> Path:
    rows = [tuple(LONG_STAGE if v == "Qualified" else v for v in row) for row in DEALS]
    return client(root, rows, subs=(("[New, Qualified, Proposal, Won, Lost]", f"[New, '{LONG_STAGE}', Proposal, Won, Lost]"),))


def _all_open(root: Path) -> Path:
    rows = [(d, c, "", "Open", "Proposal" if s in ("Won", "Lost") else s, v, o, "") for d, c, _, _, s, v, o, _ in DEALS]
    return client(root, rows)


def _no_won(root: Path) -> Path:
    rows = [(d, c, cl, "Lost" if st == "Won" else st, "Lost" if s == "Won" else s, v, o, r) for d, c, cl, st, s, v, o, r in DEALS]
    return client(root, rows)


def _one_rep(root: Path) -> Path:
    return client(root, [(*row[:6], "R1", row[7]) for row in DEALS], leads=[(*row[:3], "R1", *row[4:]) for row in LEADS])


HOSTILE = "=HYPERLINK(\"http://x\")"
BIDI = "Ann\u202eevil\u202c\u200b"


def _hostile_text(root: Path) -> Path:
    rows = [*DEALS, ("D9", "2025-02-02 10:00", "2025-02-20 10:00", "Lost", "New", "-100", BIDI, HOSTILE),
            ("D10", "2025-02-03 10:00", "2025-02-21 10:00", "Lost", "New", "-100", "R1", "\r=1+1")]
    return client(root, deals_bytes=csv_text(rows, quote_all=True).encode())  # the bare CR inside quotes


def _cp1251_deals(encoding: str) -> Callable[[Path], Path]:
    def build(root: Path) -> Path:
        rows = [(*row[:6], row[6], "Дорого" if row[7] else "") for row in DEALS]
        sub = ("      delimiter: \";\"\n", f"      delimiter: \";\"\n      encoding: {encoding}\n")
        return client(root, deals_bytes=csv_text(rows).encode("cp1251"), subs=(sub,) if encoding != "utf-8" else ())
    return build


LF = csv_text(DEALS)
BAD_VALUE_ROW = ("D9", "2025-02-01 10:00", "", "Open", "New", "abc", "R1", "")


# -- the corpus ---------------------------------------------------------------------

P = "params.yaml"
D = "deals.csv"
CASES: list[Case] = [
    # the params file
    Case("params_missing", "params", "the params file does not exist", _no_params, UNUSABLE, P, "no such params file", "Pass the path of a client's YAML file"),
    Case("params_yaml_syntax", "params", "a YAML syntax error (an unclosed '[')", lambda r: client(r, params_bytes=(PARAMS + "broken: [\n").encode()),
         UNUSABLE, P, "not valid YAML at line", "Check the indentation and quoting"),
    Case("params_goal_nan", "params", "a goal target of .nan", replaced(("target: 0.5}", "target: .nan}")), UNUSABLE, P, "'goals.0.target'", "must be a finite number"),
    Case("params_goal_inf", "params", "a goal target of .inf", replaced(("target: 0.5}", "target: .inf}")), UNUSABLE, P, "'goals.0.target'", "write a number in the KPI's unit"),
    Case("params_goal_nan_run", "params", "a goal target of .nan, on run (refused before anything is created)", replaced(("target: 0.5}", "target: .nan}")),
         UNUSABLE, P, "'goals.0.target'", "must be a finite number", command="run"),
    Case("params_goal_minus_inf", "params", "a goal target of -.inf", replaced(("target: 14}", "target: -.inf}")), UNUSABLE, P, "'goals.1.target'", "must be a finite number"),
    Case("params_goal_1e999", "params", "a goal target of 1e999 (read as infinity)", replaced(("target: 14}", "target: 1e999}")), UNUSABLE, P, "'goals.1.target'", "must be a finite number"),
    Case("params_goal_text", "params", "a goal target written as text ('high')", replaced(("target: 0.5}", "target: high}")), UNUSABLE, P, "'goals.0.target'", "write a number such as 0.25"),
    Case("params_threshold_inf", "params", "a threshold of .inf hours", replaced(("goals:", "thresholds: {lead_response_sla_hours: .inf}\ngoals:")),
         UNUSABLE, P, "'thresholds.lead_response_sla_hours'", "must be a finite number"),
    Case("params_conversion_target_nan", "params", "a conversion target of .nan", replaced(("  lost: Lost\n", "  lost: Lost\n  conversion_targets: {New: .nan}\n")),
         UNUSABLE, P, "conversion_targets.New", "write a share between 0 and 1"),
    Case("params_deep_flow_list", "params", "a list nested 5,000 levels deep ('[[[[...')", _deep_flow, UNUSABLE, P, "line 22", "remove it"),
    Case("params_deep_flow_list_run", "params", "a list nested 5,000 levels deep, on run", _deep_flow, UNUSABLE, P, "line 22", "remove it", command="run"),
    Case("params_deep_block_list", "params", "block lists nested 200 levels deep", _deep_block, UNUSABLE, P, "nested more than 50 levels deep at line", "remove it"),
    Case("params_cp1251", "params", "the params file saved in cp1251", _cp1251_params, UNUSABLE, P, "not UTF-8 text (line 1)", "Save it as UTF-8", also=("cp1251",)),
    Case("params_utf8_bom", "params", "the params file starts with a UTF-8 byte-order mark (fine)", _bom_params, OK, P, "params valid for Small Client", ""),
    Case("params_duplicate_key", "params", "a key written twice (currency)", _duplicate_key, UNUSABLE, P, "line 3, column 1 and line 4, column 1", "Merge them into one entry", also=("'currency'",)),
    Case("params_unknown_key", "params", "a misspelt top-level key (curency)", replaced(("currency:", "curency:")), UNUSABLE, P, "unknown key 'curency' in (top level)", "Did you mean 'currency'?"),
    Case("params_unknown_nested_key", "params", "a misspelt key inside pipeline (stage)", replaced(("  stages:", "  stage:")), UNUSABLE, P, "unknown key 'stage' in pipeline", "Did you mean 'stages'?"),
    Case("params_unknown_table", "params", "an unknown table name (deal)", replaced(("    deals:\n", "    deal:\n")), UNUSABLE, P, "unknown table 'deal'", "Did you mean 'deals'?"),
    Case("params_wrong_type_date", "params", "period.start is not a date ('soon')", replaced(("start: 2025-01-01", "start: soon")), UNUSABLE, P, "'period.start'", "write the date as YYYY-MM-DD"),
    Case("params_wrong_type_stages", "params", "pipeline.stages is one word, not a list", replaced(("[New, Qualified, Proposal, Won, Lost]", "New")), UNUSABLE, P, "'pipeline.stages'", "write a list, in brackets"),
    Case("params_period_reversed", "params", "period.end before period.start", replaced(("end: 2025-03-31", "end: 2024-03-31")), UNUSABLE, P, "'period'", "swap them"),
    Case("params_won_not_a_stage", "params", "pipeline.won is not in pipeline.stages", replaced(("  won: Won", "  won: Closed Won")), UNUSABLE, P, "'pipeline'", "add the stage that means a deal is won"),
    Case("params_unknown_kpi", "params", "a goal for an unknown KPI (winrate)", replaced(("kpi: win_rate", "kpi: winrate")), UNUSABLE, P, "'goals.0.kpi'", "Did you mean 'win_rate'?"),
    Case("params_currency_word", "params", "currency written as 'rub'", replaced(("currency: EUR", "currency: rub")), UNUSABLE, P, "'currency'", "Did you mean 'RUB'?"),
    Case("params_bad_timezone", "params", "a misspelt time zone", replaced(("language: en", "language: en\ntimezone: Europe/Moskow")), UNUSABLE, P, "'timezone'", "Did you mean 'Europe/Moscow'?"),
    Case("params_bad_slug", "params", "a client slug with spaces and capitals", replaced(("slug: small", "slug: Small Client")), UNUSABLE, P, "'client.slug'", "write a folder-safe id: lowercase letters, digits"),
    Case("params_not_a_mapping", "params", "the params file is a list, not a mapping", _list_params, UNUSABLE, P, "must be a YAML mapping", "(client:, period:, ...)"),
    Case("params_empty", "params", "an empty params file", _empty_params, UNUSABLE, P, "'client' is required but missing", "add it (see docs/params.md)"),
    Case("params_bad_date_format", "params", "a date_format with an unknown directive (%Q)", replaced(("      delimiter: \";\"\n", "      delimiter: \";\"\n      date_format: '%d.%m.%Q'\n")),
         UNUSABLE, P, "'data.tables.deals.date_format'", "unknown directive '%Q'"),
    Case("params_long_delimiter", "params", "a delimiter of two characters", replaced(("delimiter: \";\"", "delimiter: \";;\"")), UNUSABLE, P, "'data.tables.deals.delimiter'", "a CSV delimiter is one character"),
    Case("params_unknown_encoding", "params", "an unknown encoding name", replaced(("      delimiter: \";\"\n", "      delimiter: \";\"\n      encoding: windows-1251x\n")),
         UNUSABLE, P, "'data.tables.deals.encoding'", "use utf-8, cp1251"),
    Case("params_column_typo", "params", "columns maps to a misspelt canonical column (amout)", replaced(("Value: amount", "Value: amout")), UNUSABLE, P, "data.tables.deals.columns names 'amout'", "Did you mean 'amount'?"),
    Case("params_two_columns_one_target", "params", "two file columns mapped to one canonical column", replaced(("Owner: owner_id", "Owner: owner_id, Source: owner_id")),
         UNUSABLE, P, "'data.tables.deals'", "Keep the one that holds owner_id"),
    # data files that cannot be used
    Case("data_missing_file", "data file", "the deals file does not exist", _missing_file, UNUSABLE, D, "data.tables.deals.path", "Fix the path"),
    Case("data_missing_column", "data file", "a required column (Owner) is not in the file", _drop_column("Owner"), UNUSABLE, D, "'owner_id'", "Map the file's column names", also=("Columns found: Deal ID, Created",)),
    Case("data_missing_column_run", "data file", "a required column is not in the file, on run (refused before anything is created)", _drop_column("Owner"),
         UNUSABLE, D, "'owner_id'", "Map the file's column names", command="run"),
    Case("data_mapped_column_absent", "data file", "params map a column the file does not have", _drop_column("Stage"), UNUSABLE, D, "params map 'Stage' to it", "Map the file's column names"),
    Case("data_empty_file", "data file", "the deals file is empty (0 bytes)", raw_deals(b""), UNUSABLE, D, "the file is empty", "Export the deals table again"),
    Case("data_header_only", "data file", "the deals file has only its header", raw_deals(LF.splitlines(True)[0].encode()), UNUSABLE, D, "no data rows", "Export the deals of the audit period"),
    Case("data_header_only_run", "data file", "the deals file has only its header, on run", raw_deals(LF.splitlines(True)[0].encode()), UNUSABLE, D, "no data rows",
         "Export the deals of the audit period", command="run"),
    Case("data_blank_rows_only", "data file", "the deals file has a header and blank lines", raw_deals((LF.splitlines(True)[0] + "\n\n;;;;;;;\n").encode()),
         UNUSABLE, D, "no data rows", "Export the deals of the audit period"),
    Case("data_wrong_delimiter", "data file", "the file is ','-separated but params say ';'", raw_deals(csv_text(DEALS, sep=",").encode()), UNUSABLE, D,
         "the header reads as one column ('Deal ID,Created,Closed", "Set data.tables.deals.delimiter to ','"),
    Case("data_tab_separated", "data file", "the file is tab-separated but params say ';'", raw_deals(csv_text(DEALS, sep="\t").encode()), UNUSABLE, D,
         "looks tab-separated", "Set data.tables.deals.delimiter to tab"),
    Case("data_ragged_rows", "data file", "a row with more fields than the header", raw_deals((LF + "D9;2025-02-01;;Open;New;1;R1;;x;y;z\n").encode()),
         UNUSABLE, D, "row 10 has 11 fields where the header has 8", "Check data.tables.deals.delimiter"),
    Case("data_cut_off", "data file", "the export is cut off in the middle of its last row", raw_deals((LF + "D9;2025-02-01;;Op").encode()),
         UNUSABLE, D, "the file ends in the middle of row 10: it has 4 of the header's 8 fields", "export the deals table again"),
    Case("data_open_quote", "data file", "a quoted value that never closes (the file ends inside it)", raw_deals((LF + 'D9;2025-02-01;;Open;New;1;R1;"too\nexpensive').encode()),
         UNUSABLE, D, "row 10 opens a quoted value that never closes", 'write it as two quotes'),
    Case("data_wrong_encoding", "data file", "a cp1251 file read as UTF-8", _cp1251_deals("utf-8"), UNUSABLE, D, "not valid utf-8 text (line 4", "Set data.tables.deals.encoding"),
    Case("data_broken_excel", "data file", "an .xlsx file that is not a workbook", _excel_reps(b"not a zip file at all"), UNUSABLE, "reps.xlsx", "cannot read as Excel", "Is it really an .xlsx file?"),
    Case("data_missing_sheet", "data file", "an Excel sheet name that is not in the workbook", _missing_sheet, UNUSABLE, "reps.xlsx", "no sheet 'people'", "Set data.tables.reps.sheet"),
    Case("data_broken_parquet", "data file", "a .parquet file that is not Parquet", _broken_parquet, UNUSABLE, "activities.parquet", "cannot read as Parquet", "Export the activities table again as Parquet"),
    Case("data_row_column", "data file", "the file has a column named _row", raw_deals(LF.replace("Lost reason", "_row", 1).encode()), UNUSABLE, D, "column named '_row'", "Rename that column in a copy"),
    # values the loader sets aside, each reported with its rows
    Case("value_unparseable_date", "data values", "a date that is not a date", with_deal("D9", "someday", "", "Open", "New", "100", "R1", ""), OK, D,
         "deals.created_at unparseable_date: 1 (rows 10)", "Set data.tables.deals.date_format.created_at", issue="deals.created_at unparseable_date"),
    Case("value_date_out_of_range", "data values", "a placeholder date 9999-12-31", with_deal("D9", "2025-02-01", "9999-12-31", "Lost", "Lost", "100", "R1", ""), OK, D,
         "deals.closed_at unparseable_date: 1 (rows 10)", "Fix the out-of-range dates", issue="deals.closed_at unparseable_date"),
    Case("value_date_year_0001", "data values", "a date in year 1", with_deal("D9", "0001-01-01", "", "Open", "New", "100", "R1", ""), OK, D,
         "deals.created_at unparseable_date: 1 (rows 10)", "Fix the out-of-range dates", issue="deals.created_at unparseable_date"),
    Case("value_ambiguous_date", "data values", "dd/mm or mm/dd cannot be told apart in any row", deals_with([(*r[:1], "03/04/2025", *r[2:]) for r in DEALS]), INSUFFICIENT, D,
         "deals.created_at ambiguous_date: 8 (rows 2, 3", "date_format", issue="deals.created_at ambiguous_date", also=("03_process         insufficient data",)),
    Case("value_unparseable_number", "data values", "an amount that is not a number (abc)", with_deal(*BAD_VALUE_ROW), OK, D,
         "deals.amount unparseable_number: 1 (rows 10)", "Fix them in the deals file", issue="deals.amount unparseable_number"),
    Case("value_mixed_decimal_marks", "data values", "an amount written 1500,5 in a file that writes 99.5",
         deals_with([*DEALS, ("D9", "2025-02-01", "", "Open", "New", "1500,5", "R1", ""), ("D10", "2025-02-01", "", "Open", "New", "99.5", "R1", "")]), OK, D,
         "deals.amount decimal_mismatch: 1 (rows 10)", "fix these values at the source", issue="deals.amount decimal_mismatch"),
    Case("value_other_decimal_mark", "data values", "every amount written with ',' while params say '.'", deals_with([(*r[:5], r[5] + ",5", *r[6:]) for r in DEALS]), OK, D,
         "deals.amount decimal_mismatch: 8 (rows 2, 3", "Set data.tables.deals.decimal to ','", issue="deals.amount decimal_mismatch"),
    Case("value_ambiguous_number", "data values", "amounts like 1,234 that read either way", deals_with([(*r[:5], r[5][:1] + "," + r[5][1:].rjust(3, "0"), *r[6:]) for r in DEALS]), OK, D,
         "deals.amount ambiguous_number: 8", "set data.tables.deals.decimal to ','", issue="deals.amount ambiguous_number"),
    Case("value_inf", "data values", "an amount of inf", with_deal("D9", "2025-02-01", "", "Open", "New", "inf", "R1", ""), OK, D,
         "deals.amount absurd_number: 1 (rows 10)", "Fix them at the source in the deals file", issue="deals.amount absurd_number"),
    Case("value_1e308", "data values", "an amount of 1e308", with_deal("D9", "2025-02-01", "", "Open", "New", "1e308", "R1", ""), OK, D,
         "deals.amount absurd_number: 1 (rows 10)", "Fix them at the source in the deals file", issue="deals.amount absurd_number"),
    Case("value_negative_amount", "data values", "a negative amount", with_deal("D9", "2025-02-01", "", "Open", "New", "-5", "R1", ""), OK, D,
         "deals.amount negative_amount: 1 (rows 10)", "set aside (empty) so it does not reduce revenue figures", issue="deals.amount negative_amount"),
    Case("value_currency_mismatch", "data values", "an amount in dollars in a EUR audit", with_deal("D9", "2025-02-01", "", "Open", "New", "$1,200", "R1", ""), OK, D,
         "deals.amount currency_mismatch: 1 (rows 10)", "set currency: USD", issue="deals.amount currency_mismatch"),
    Case("value_duplicate_id", "data values", "two deals with the same id and different values", with_deal("D1", "2025-01-06 10:00", "", "Open", "New", "5", "R1", ""), OK, D,
         "deals.deal_id duplicate_id: 1 (rows 10)", "Check the export for merged or re-imported records", issue="deals.deal_id duplicate_id"),
    Case("value_duplicate_row", "data values", "a deal repeated exactly", with_deal(*DEALS[0]), OK, D,
         "deals.deal_id duplicate_row: 1 (rows 10)", "the repeats were dropped", issue="deals.deal_id duplicate_row"),
    Case("value_missing_id", "data values", "a deal without an id", with_deal("", "2025-02-01", "", "Open", "New", "5", "R1", ""), OK, D,
         "deals.deal_id missing_value: 1 (rows 10)", "left out of metrics that need deal_id", issue="deals.deal_id missing_value"),
    Case("value_unknown_status", "data values", "a status label the params do not map", with_deal("D9", "2025-02-01", "", "Gewonnen", "New", "5", "R1", ""), OK, D,
         "deals.status unknown_value: 1 (rows 10)", "Map them in data.tables.deals.values.status", issue="deals.status unknown_value"),
    Case("value_unknown_stage", "data values", "a stage written another way ('proposal ')", with_deal("D9", "2025-02-01", "", "Open", "propsal", "5", "R1", ""), OK, D,
         "deals.stage unknown_stage: 1 (rows 10)", "'propsal' is probably 'Proposal'", issue="deals.stage unknown_stage"),
    Case("value_closed_before_created", "data values", "a deal closed before it was created", with_deal("D9", "2025-02-10", "2025-02-01", "Lost", "Lost", "5", "R1", ""), OK, D,
         "deals.closed_at closed_before_created: 1 (rows 10)", "closed_at was set aside", issue="deals.closed_at closed_before_created"),
    Case("value_won_without_date", "data values", "a won deal with no close date", with_deal("D9", "2025-02-10", "", "Won", "Won", "5", "R1", ""), OK, D,
         "deals.closed_at closed_without_date: 1 (rows 10)", "left out of period counts and cycle times", issue="deals.closed_at closed_without_date"),
    Case("value_orphan_reference", "data values", "a lead pointing at a deal that does not exist", _orphan_lead, OK, "leads.csv",
         "leads.deal_id unknown_reference: 1 (rows 7)", "cannot be joined to deals", issue="leads.deal_id unknown_reference"),
    Case("value_null_words", "data values", "'n/a' and '—' in the close date (read as empty, no issue)",
         deals_with([(*r[:2], "n/a" if not r[2] else r[2], *r[3:]) for r in DEALS[:6]] + [(*r[:2], "—", *r[3:]) for r in DEALS[6:7]] + DEALS[7:]), OK, D, "deals                  8 rows", "",
         also=("No data-quality issues.",)),
    # the text of the file: line ends, blank lines, quoting, encodings
    Case("text_blank_lines", "file text", "blank lines between rows (counted as rows)", raw_deals((LF.replace("\nD3;", "\n\n\nD3;") + "D9;2025-02-01;;Open;New;abc;R1;\n").encode()), OK, D,
         "deals.amount unparseable_number: 1 (rows 12)", "Fix them in the deals file", issue="deals.amount unparseable_number", also=("deals.* empty_row: 2 (rows 4, 5)",)),
    Case("text_leading_blank_lines", "file text", "blank lines above the header", raw_deals(("\n\n" + LF + "D9;2025-02-01;;Open;New;abc;R1;\n").encode()), OK, D,
         "deals.amount unparseable_number: 1 (rows 12)", "Fix them in the deals file", issue="deals.amount unparseable_number"),
    Case("text_quoted_newline", "file text", "a lost reason with a line break inside quotes", raw_deals((LF.replace("Price", "\"Too\nexpensive\"") + "D9;2025-02-01;;Open;New;abc;R1;\n").encode()),
         OK, D, "deals.amount unparseable_number: 1 (rows 10)", "Fix them in the deals file", issue="deals.amount unparseable_number"),
    Case("text_cr_only", "file text", "old Mac line ends (CR only)", raw_deals((LF + "D9;2025-02-01;;Open;New;abc;R1;\n").replace("\n", "\r").encode()), OK, D,
         "deals.amount unparseable_number: 1 (rows 10)", "Fix them in the deals file", issue="deals.amount unparseable_number"),
    Case("text_crlf", "file text", "Windows line ends (CRLF)", raw_deals((LF + "D9;2025-02-01;;Open;New;abc;R1;\n").replace("\n", "\r\n").encode()), OK, D,
         "deals.amount unparseable_number: 1 (rows 10)", "Fix them in the deals file", issue="deals.amount unparseable_number"),
    Case("text_utf8_bom", "file text", "the deals file starts with a UTF-8 byte-order mark", raw_deals(b"\xef\xbb\xbf" + LF.encode()), OK, D, "deals                  8 rows", "",
         also=("No data-quality issues.",)),
    Case("text_cp1251_declared", "file text", "a cp1251 file with encoding: cp1251", _cp1251_deals("cp1251"), OK, D, "deals                  8 rows", ""),
    Case("text_cp1251_auto", "file text", "a cp1251 file with encoding: auto", _cp1251_deals("auto"), OK, D, "deals                  8 rows", ""),
    Case("text_delimiter_auto", "file text", "delimiter: auto on a ';' file", replaced(("delimiter: \";\"", "delimiter: auto")), OK, D, "deals                  8 rows", ""),
    Case("text_ansi_escape", "file text", "a terminal escape sequence in a stage name (not echoed raw)", with_deal("D9", "2025-02-01", "", "Open", "\x1b[31mNew\x1b[0m", "5", "R1", ""), OK, D,
         "deals.stage unknown_stage: 1 (rows 10)", "Add the stage to pipeline.stages", issue="deals.stage unknown_stage"),
    # the shape of the client's data
    Case("shape_long_stage_name", "shape", "a 200-character stage name", _long_stage, OK, "report.html", "03_process         ok", "", command="run"),
    Case("shape_long_unknown_stage", "shape", "a 200-character stage name not in the pipeline", with_deal("D9", "2025-02-01", "", "Open", LONG_STAGE, "5", "R1", ""), OK, D,
         "deals.stage unknown_stage: 1 (rows 10)", "Add the stage to pipeline.stages", issue="deals.stage unknown_stage"),
    Case("shape_10000_stage_changes", "shape", "a deal with 10,000 stage changes", _stage_history(10_000), OK, "report.html", "03_process         ok", "", command="run", page=("10,000",)),
    Case("shape_all_open", "shape", "every deal is still open", _all_open, OK, "report.html", "03_process         ok", "", command="run", page=("not available",)),
    Case("shape_no_won", "shape", "no deal was won", _no_won, OK, "report.html", "03_process         ok", "", command="run"),
    Case("shape_one_rep", "shape", "one salesperson owns every deal", _one_rep, OK, D, "reps                   1 rows", ""),
    Case("shape_period_without_data", "shape", "the audit period holds no deal", replaced(("period: {start: 2025-01-01, end: 2025-03-31}", "period: {start: 2030-01-01, end: 2030-03-31}")),
         UNUSABLE, D, "no deal in the file was created or closed in the audit period (2030-01-01 to 2030-03-31)", "Set period in the params file"),
    Case("shape_period_without_data_run", "shape", "the audit period holds no deal, on run", replaced(("period: {start: 2025-01-01, end: 2025-03-31}", "period: {start: 2020-01-01, end: 2020-03-31}")),
         UNUSABLE, D, "its deals run from 2024-12-20 to 2025-04-05", "Set period in the params file", command="run"),
    Case("shape_hostile_text", "shape", "formulas, bidi overrides and zero-width characters in client cells", _hostile_text, OK, "report.html", "02_data            ok", "", command="run", page=("Ann⟦U+202E⟧evil⟦U+202C⟧⟦U+200B⟧",)),
]
