"""Reading and validating a client's params file (YAML).

``load_params(path)`` returns a validated :class:`AuditParams`; any problem
raises :class:`~auditkit.errors.ParamsError` whose message names the file, the
key and what to write instead. Relative data paths are resolved against the
params file's folder, so a params file works from any working directory.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ParamsError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

TABLES: tuple[str, ...] = (
    "deals",
    "stage_history",
    "leads",
    "activities",
    "reps",
    "targets",
    "assessments",
    "survey",
    "tools",
    "handoffs",
)



def _finite_number(v: float, what: str, unit: str) -> float:
    """``v`` when it is a finite number; raises ValueError saying what to write (YAML reads .nan, .inf and
    1e999 as numbers that no KPI can be held to)."""
    if not math.isfinite(v):
        raise ValueError(f"{what} must be a finite number, not {v}; write a number {unit}")
    return v


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Client(_Strict):
    name: str = Field(min_length=1)
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="folder-safe id: lowercase letters, digits, - and _")


class Period(_Strict):
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> "Period":
        if self.end < self.start:
            raise ValueError(f"period.end ({self.end}) is before period.start ({self.start}); swap them")
        return self

    def start_ts(self) -> "pd.Timestamp":
        """The first instant of the period."""
        import pandas as pd

        return pd.Timestamp(self.start)

    def end_ts(self) -> "pd.Timestamp":
        """The end of the period's last day (exclusive bound: the next midnight)."""
        import pandas as pd

        return pd.Timestamp(self.end) + pd.Timedelta(days=1)


class Pipeline(_Strict):
    stages: list[str] = Field(min_length=3)
    won: str
    lost: str
    funnel_mode: Literal["any", "strict"] = "any"
    conversion_targets: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _won_lost_in_stages(self) -> "Pipeline":
        dupes = sorted({s for s in self.stages if self.stages.count(s) > 1})
        if dupes:
            raise ValueError(f"pipeline.stages lists {dupes} more than once; each stage once, in order")
        for key in ("won", "lost"):
            name = getattr(self, key)
            if name not in self.stages:
                raise ValueError(
                    f"pipeline.{key} is '{name}', which is not in pipeline.stages {self.stages}; "
                    f"add the stage that means a deal is {key} to the list (last, after the open stages)"
                )
        if self.won == self.lost:
            raise ValueError("pipeline.won and pipeline.lost name the same stage; they must differ")
        for stage, target in self.conversion_targets.items():
            if stage not in self.open_stages:
                raise ValueError(
                    f"pipeline.conversion_targets names '{stage}', which is not an open stage; "
                    f"use one of {self.open_stages}"
                )
            if not 0 <= target <= 1:
                raise ValueError(f"pipeline.conversion_targets.{stage} is {target}; write a share between 0 and 1 (0.5 for 50 %)")
        return self

    @property
    def open_stages(self) -> list[str]:
        """The open stages, in pipeline order (every stage but won and lost)."""
        return [s for s in self.stages if s not in (self.won, self.lost)]


class Goal(_Strict):
    kpi: str
    target: float
    direction: Literal["min", "max"] | None = None
    note: str = ""

    @field_validator("target")
    @classmethod
    def _finite(cls, v: float) -> float:
        return _finite_number(v, "a goal's target", "in the KPI's unit (a share is 0-1: 0.25 for 25 %)")

    @field_validator("kpi")
    @classmethod
    def _known_kpi(cls, v: str) -> str:
        from .kpis import KPIS

        if v not in KPIS:
            hint = difflib.get_close_matches(v, list(KPIS), n=1)
            did = f" Did you mean '{hint[0]}'?" if hint else ""
            raise ValueError(f"unknown KPI '{v}'.{did} Known KPIs: {', '.join(KPIS)}")
        return v

    @property
    def better(self) -> Literal["min", "max"]:
        """Whether a higher ('max') or lower ('min') value is better: as set here, else the KPI registry's."""
        from .kpis import KPIS

        return self.direction or KPIS[self.kpi].better or "max"


class Thresholds(_Strict):
    stale_after_days: int = Field(default=30, gt=0)
    lead_response_sla_hours: float = Field(default=24, gt=0)
    handoff_sla_hours: float = Field(default=48, gt=0)

    @field_validator("lead_response_sla_hours", "handoff_sla_hours")
    @classmethod
    def _finite(cls, v: float) -> float:
        return _finite_number(v, "a threshold", "of hours, such as 24")


#: strptime directives a date_format may use (``%%`` is a literal percent sign).
DATE_DIRECTIVES = set("aAwdbBmyYHIpMSfzZjUWcxXGuV%")
#: A file column the loader uses itself; a file column or mapping may not take the name.
INTERNAL_COLUMNS = ("_row",)


def check_date_format(fmt: str) -> str:
    """``fmt`` when every ``%`` directive is one strptime knows; raises ValueError naming the bad one."""
    i = 0
    while i < len(fmt):
        if fmt[i] == "%":
            d = fmt[i + 1 : i + 2]
            if d == "-":  # %-d: a platform extension strptime does not read
                raise ValueError(f"date_format '{fmt}' uses '%-{fmt[i + 2:i + 3]}'; strptime reads '%{fmt[i + 2:i + 3]}' with or without a leading zero, so write that")
            if d not in DATE_DIRECTIVES:
                raise ValueError(
                    f"date_format '{fmt}' has an unknown directive '%{d}'; use e.g. '%d.%m.%Y %H:%M' "
                    f"(%d day, %m month, %Y four-digit year, %y two-digit year, %H:%M hour and minute, %p AM/PM)"
                )
            i += 2
        else:
            i += 1
    return fmt


class Join(_Strict):
    """Fill a canonical column from another table, matching rows on file columns."""

    table: str
    match: dict[str, str] = Field(min_length=1, description="this file's column -> the other table's file column")
    take: str | None = Field(default=None, description="the other table's canonical column; default: the same name")


class TableSource(_Strict):
    path: str
    profile: str | None = None
    format: Literal["csv", "xlsx", "parquet"] | None = None
    delimiter: str = ","
    encoding: str = "utf-8"
    sheet: str | int | None = None
    date_format: str | dict[str, str] | None = None
    decimal: Literal[".", ","] = "."
    columns: dict[str, str | list[str]] = Field(default_factory=dict)
    aliases: dict[str, str | list[str]] = Field(default_factory=dict)
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    null_values: list[str] | dict[str, list[str]] | None = None
    constants: dict[str, str] = Field(default_factory=dict)
    join: dict[str, Join] = Field(default_factory=dict)
    stage_columns: str | None = None
    closed_at_when_open: Literal["keep", "clear"] = "keep"
    #: Status flags read besides the columns (deals): file columns tried in order for "won" and "closed".
    flags: dict[Literal["won", "closed"], list[str]] = Field(default_factory=dict)
    #: File columns holding each row's currency, tried in order (None: the usual names, e.g. Currency, Валюта).
    currency_columns: list[str] | None = None
    #: Columns made by joining others with a space before mapping, e.g. {Name: [First name, Last name]}.
    compose: dict[str, list[str]] = Field(default_factory=dict)
    #: Reps: other columns that also identify a rep where deals or activities name owners (e.g. Email).
    owner_keys: list[str] = Field(default_factory=list)

    @field_validator("delimiter")
    @classmethod
    def _one_char(cls, v: str) -> str:
        named = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ",", "pipe": "|"}
        v = named.get(v.lower(), v) if len(v) > 1 else v
        if v != "auto" and len(v) != 1:
            raise ValueError(
                f"delimiter {v!r} is {len(v)} characters long; a CSV delimiter is one character such as ';', ',', '|' or tab "
                f"(write \"\\t\" or tab), or 'auto' to detect it"
            )
        return v

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, v: str) -> str:
        import codecs

        if v.lower() == "auto":
            return "auto"
        try:
            codecs.lookup(v)
        except LookupError:
            raise ValueError(f"unknown encoding '{v}'; use utf-8, cp1251 (most Russian exports), cp1252, or auto to detect it") from None
        return v

    @field_validator("date_format")
    @classmethod
    def _directives(cls, v: str | dict[str, str] | None) -> str | dict[str, str] | None:
        if isinstance(v, str):
            check_date_format(v)
        elif isinstance(v, dict):
            for fmt in v.values():
                check_date_format(fmt)
        return v

    @field_validator("stage_columns")
    @classmethod
    def _one_group(cls, v: str | None) -> str | None:
        import re

        if v is None:
            return v
        try:
            pattern = re.compile(v)
        except re.error as err:
            raise ValueError(f"stage_columns '{v}' is not a valid regular expression ({err})") from None
        if pattern.groups != 1:
            raise ValueError(f"stage_columns '{v}' must have exactly one group ( ... ) that captures the stage name")
        return v

    @model_validator(mode="after")
    def _one_source_per_column(self) -> "TableSource":
        seen: dict[str, str] = {}
        for file_col, targets in self.columns.items():
            if file_col in INTERNAL_COLUMNS:
                raise ValueError(f"columns maps '{file_col}', a name auditkit uses for row numbers; a file column cannot be called that")
            for target in [targets] if isinstance(targets, str) else targets:
                if target in seen:
                    raise ValueError(
                        f"columns maps both '{seen[target]}' and '{file_col}' to '{target}'; one canonical column takes one file column. "
                        f"Keep the one that holds {target} and remove the other (or map it to another column)"
                    )
                seen[target] = file_col
                if target in self.constants:
                    raise ValueError(f"'{target}' is both mapped from the column '{file_col}' and set in constants; keep one")
        return self

    def targets(self, file_col: str) -> list[str]:
        """The canonical columns ``file_col`` fills (empty when it is not mapped)."""
        t = self.columns.get(file_col, [])
        return [t] if isinstance(t, str) else list(t)

    def date_format_for(self, column: str) -> str | None:
        """The strftime format declared for ``column``, or None to detect it."""
        if isinstance(self.date_format, dict):
            return self.date_format.get(column)
        return self.date_format

    @property
    def file_format(self) -> str:
        """The format: declared, or taken from the file's extension."""
        if self.format:
            return self.format
        suffix = Path(self.path).suffix.lower().lstrip(".")
        return {"xls": "xlsx", "xlsx": "xlsx", "parquet": "parquet", "pq": "parquet"}.get(suffix, "csv")


class Data(_Strict):
    dir: str = "."
    tables: dict[str, TableSource]

    @model_validator(mode="before")
    @classmethod
    def _apply_profiles(cls, raw: Any) -> Any:
        """Table entries with ``profile: <name>``: the profile's settings under the entry's own."""
        if not isinstance(raw, dict) or not isinstance(raw.get("tables"), dict):
            return raw
        from .io.profiles import apply_profile

        tables = {}
        for name, entry in raw["tables"].items():
            if isinstance(entry, dict) and entry.get("profile") is not None:
                entry = apply_profile(str(entry["profile"]), str(name), entry)
            tables[name] = entry
        return {**raw, "tables": tables}

    @field_validator("tables")
    @classmethod
    def _known_tables(cls, v: dict[str, TableSource]) -> dict[str, TableSource]:
        for name in v:
            if name not in TABLES:
                hint = difflib.get_close_matches(name, TABLES, n=1)
                did = f" Did you mean '{hint[0]}'?" if hint else ""
                raise ValueError(f"unknown table '{name}'.{did} Known tables: {', '.join(TABLES)}")
        if "deals" not in v:
            raise ValueError("the 'deals' table is required: add data.tables.deals with its path")
        from .schema import SPECS

        for name, source in v.items():
            known = SPECS[name].names
            date_cols = source.date_format if isinstance(source.date_format, dict) else {}
            null_cols = source.null_values if isinstance(source.null_values, dict) else {}
            targets: list[str] = []
            for t in [*source.columns.values(), *source.aliases.values()]:
                targets.extend([t] if isinstance(t, str) else t)
            for where, cols in (
                (f"data.tables.{name}.columns", targets),
                (f"data.tables.{name}.values", list(source.values)),
                (f"data.tables.{name}.constants", list(source.constants)),
                (f"data.tables.{name}.join", list(source.join)),
                (f"data.tables.{name}.date_format", list(date_cols)),
                (f"data.tables.{name}.null_values", list(null_cols)),
            ):
                for col in cols:
                    if col not in known:
                        hint = difflib.get_close_matches(col, known, n=1)
                        did = f" Did you mean '{hint[0]}'?" if hint else ""
                        raise ValueError(f"{where} names '{col}', which is not a column of {name}.{did} Columns of {name}: {', '.join(known)}")
            for col, join in source.join.items():
                if join.table == name or join.table not in v:
                    raise ValueError(
                        f"data.tables.{name}.join.{col} takes from table '{join.table}', which is not declared in data.tables; "
                        f"declare it, or remove the join"
                    )
                take = join.take or col
                if take not in SPECS[join.table].names:
                    raise ValueError(f"data.tables.{name}.join.{col}.take names '{take}', which is not a column of {join.table}")
                if v[join.table].join:
                    raise ValueError(f"data.tables.{name}.join.{col} takes from '{join.table}', which itself joins another table; join from a table read directly")
        return v


class AuditParams(_Strict):
    client: Client
    period: Period
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$", description="ISO 4217 code such as EUR, USD, RUB")
    language: Literal["en", "ru"] = "en"
    timezone: str = Field(default="UTC", description="IANA time zone the data's timestamps are read in, e.g. Europe/Moscow")
    pipeline: Pipeline
    goals: list[Goal] = Field(default_factory=list)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    data: Data

    # set by load_params, not by the YAML
    source_path: Path | None = Field(default=None, exclude=True)

    @field_validator("currency", mode="before")
    @classmethod
    def _iso_currency(cls, v: Any) -> Any:
        if not isinstance(v, str):
            return v
        from babel.numbers import list_currencies

        known = list_currencies()
        if v in known:
            return v
        up = v.strip().upper()
        symbols = {"₽": "RUB", "РУБ": "RUB", "РУБ.": "RUB", "RUR": "RUB", "$": "USD", "€": "EUR", "£": "GBP"}
        hint = up if up in known else symbols.get(up) or next(iter(difflib.get_close_matches(up, sorted(known), n=1)), None)
        did = f" Did you mean '{hint}'?" if hint else ""
        raise ValueError(f"currency '{v}' is not an ISO 4217 currency code.{did} Write the three capital letters, such as EUR, USD or RUB")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            names = sorted(available_timezones())
            same = [n for n in names if n.lower() == v.strip().lower()]
            hint = same or difflib.get_close_matches(v, names, n=1, cutoff=0.6)
            did = f" Did you mean '{hint[0]}'?" if hint else ""
            raise ValueError(
                f"timezone '{v}' is not an IANA time zone name.{did} "
                f"Write the zone the CRM's timestamps are in, such as Europe/Moscow, Europe/Berlin, America/New_York or UTC"
            ) from None
        return v

    @property
    def data_dir(self) -> Path:
        """The folder data paths are relative to (resolved against the params file)."""
        base = self.source_path.parent if self.source_path else Path.cwd()
        return (base / self.data.dir).resolve()

    def table_path(self, table: str) -> Path:
        """Absolute path of a table's file."""
        return (self.data_dir / self.data.tables[table].path).resolve()

    def target(self, kpi: str) -> Goal | None:
        """The goal set for ``kpi``, if any."""
        return next((g for g in self.goals if g.kpi == kpi), None)


def _loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model that validates the mapping at ``loc`` (None when not a model)."""
    current: type[BaseModel] = AuditParams
    i = 0
    while i < len(loc):
        field = current.model_fields.get(str(loc[i]))
        if field is None:
            return None
        ann: Any = field.annotation
        if get_origin(ann) in (list, dict):
            ann = get_args(ann)[-1]
            i += 1  # the next part is a list index or a dict key
        else:
            ann = next((a for a in (ann, *get_args(ann)) if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if ann is None or not (isinstance(ann, type) and issubclass(ann, BaseModel)):
            return None
        current = ann
        i += 1
    return current


#: What to write instead, by pydantic's error type (the type's own message says only what is wrong).
_TYPE_HINTS = {
    "float_parsing": "write a number such as 0.25 or 14, without units or quotes",
    "float_type": "write a number such as 0.25 or 14, without units or quotes",
    "int_parsing": "write a whole number such as 30",
    "int_from_float": "write a whole number such as 30",
    "date_parsing": "write the date as YYYY-MM-DD, such as 2025-01-31",
    "date_from_datetime_parsing": "write the date as YYYY-MM-DD, such as 2025-01-31",
    "date_type": "write the date as YYYY-MM-DD, such as 2025-01-31",
    "list_type": "write a list, in brackets ([New, Won, Lost]) or one '- item' per line",
    "dict_type": "write a mapping of keys, one 'key: value' per line (see docs/params.md)",
    "model_type": "write a mapping of keys, one 'key: value' per line (see docs/params.md)",
    "string_type": "write text (put quotes around it if it looks like a number or a date)",
}


def _hint(kind: str, loc: tuple[Any, ...]) -> str:
    """'; write ...' for an error of pydantic type ``kind`` at ``loc`` (empty when there is nothing to add)."""
    if kind == "string_pattern_mismatch" and loc:
        model = _model_at(loc[:-1])
        field = model.model_fields.get(str(loc[-1])) if model else None
        return f"; write a {field.description}" if field is not None and field.description else ""
    return f"; {_TYPE_HINTS[kind]}" if kind in _TYPE_HINTS else ""


def _format_errors(path: Path, err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        loc = tuple(e["loc"])
        where = _loc(loc)
        if e["type"] == "extra_forbidden":
            key = str(loc[-1])
            model = _model_at(loc[:-1])
            allowed = [k for k in (model.model_fields if model else {}) if k != "source_path"]
            hint = difflib.get_close_matches(key, allowed, n=1)
            did = f" Did you mean '{hint[0]}'?" if hint else ""
            parent = _loc(loc[:-1])
            lines.append(f"unknown key '{key}' in {parent}.{did} Allowed keys there: {', '.join(allowed)}.")
        elif e["type"] == "missing":
            lines.append(f"'{where}' is required but missing: add it (see docs/params.md).")
        else:
            msg = e["msg"].removeprefix("Value error, ")
            got = e.get("input")
            shown = "" if isinstance(got, (dict, list)) or got is None else f" (got {got!r})"
            lines.append(f"'{where}': {msg}{shown}{_hint(e['type'], loc)}.")
    head = f"{path}: the params file does not validate ({len(lines)} problem{'s' if len(lines) != 1 else ''}):"
    return head + "\n" + "\n".join(f"  - {line}" for line in lines)


def parse_params(raw: dict[str, Any], path: Path | str = "<params>") -> AuditParams:
    """Validate an already-parsed mapping; raises ParamsError with located messages."""
    path = Path(path)
    if not isinstance(raw, dict):
        raise ParamsError(f"{path}: the params file must be a YAML mapping of keys (client:, period:, ...), not {type(raw).__name__}.")
    try:
        params = AuditParams.model_validate(raw)
    except ValidationError as err:
        raise ParamsError(_format_errors(path, err)) from None
    return params.model_copy(update={"source_path": path.resolve()})


class _DuplicateKey(Exception):
    pass


class _BadValue(Exception):
    """A value the YAML holds that cannot be read (a date that does not exist)."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """yaml's safe loader, but a key written twice in one mapping is an error, not a silent overwrite."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, str] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key; yaml reports it itself
                continue
            if first is not None:
                raise _DuplicateKey(
                    f"the key '{key}' is written twice in one mapping ({first} and {_at(key_node)}); "
                    f"YAML keeps only the last one, so one of them would be ignored. Merge them into one entry."
                )
            seen[key] = _at(key_node)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:  # type: ignore[override]
        """A date as YAML reads it; a date that does not exist (2025-06-31, month 13) is an error that says
        where, not a Python traceback."""
        try:
            return super().construct_yaml_timestamp(node)  # type: ignore[no-untyped-call]
        except ValueError as err:
            raise _BadValue(
                f"'{node.value}' at {_at(node)} is not a real date ({err}). Write an existing day as YYYY-MM-DD, "
                f"for example the month's last day."
            ) from None


_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", _UniqueKeyLoader.construct_yaml_timestamp)


def _at(node: yaml.Node) -> str:
    """'line 4' (or 'line 4, column 12') of a YAML node, as an editor counts."""
    return f"line {node.start_mark.line + 1}, column {node.start_mark.column + 1}"


#: How deeply lists and mappings may nest in a params file (a real one nests about 6 deep); deeper
#: nesting is a pasted or generated mistake, and would exhaust Python's recursion limit in the YAML reader.
MAX_YAML_DEPTH = 50


def _check_depth(path: Path, text: str) -> None:
    """Raise ParamsError, at the line where it happens, when lists or mappings nest more than
    MAX_YAML_DEPTH deep. Scans tokens (the scanner is not recursive), before anything is built."""
    depth = 0
    starts = (yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken, yaml.BlockSequenceStartToken,
              yaml.BlockMappingStartToken)
    ends = (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken, yaml.BlockEndToken)
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, starts):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise ParamsError(
                        f"{path}: lists or mappings are nested more than {MAX_YAML_DEPTH} levels deep at {_at(token)}; "
                        f"a params file nests a few levels (see docs/params.md). Look for a run of '[' or '{{' or a "
                        f"pasted block on that line and remove it."
                    )
            elif isinstance(token, ends):
                depth -= 1
    except yaml.YAMLError:
        return  # the loader reports syntax errors with their line


def _params_text(path: Path) -> str:
    """The params file as text: UTF-8 with or without a byte-order mark; anything else is a ParamsError
    that says which encoding it looks like and how to save it."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        looks = ""
        try:
            from .io.detect import detect_encoding

            guess = detect_encoding(data, "ru")
            looks = f" It looks like {guess.encoding} ({guess.confidence})."
        except Exception:  # pragma: no cover - detection is only a hint here
            pass
        raise ParamsError(
            f"{path}: the params file is not UTF-8 text (line {line}).{looks} Save it as UTF-8 "
            f"(in Notepad: Save as, Encoding UTF-8; in VS Code: 'Save with Encoding', UTF-8) and run again."
        ) from None


def load_params(path: Path | str, *, check_files: bool = True) -> AuditParams:
    """Read and validate a params file; with ``check_files`` every data file must exist."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(
            f"{path}: no such params file. Pass the path of a client's YAML file, "
            f"for example params/demo.yaml (copy it to start a new client)."
        )
    text = _params_text(path)
    _check_depth(path, text)
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)  # a safe loader that refuses repeated keys
    except (_DuplicateKey, _BadValue) as err:
        raise ParamsError(f"{path}: {err}") from None
    except RecursionError:  # pragma: no cover - _check_depth stops this first
        raise ParamsError(f"{path}: the YAML nests too deeply to read; a params file nests a few levels (see docs/params.md).") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ParamsError(
            f"{path}: not valid YAML{where}: {problem}. Check the indentation and quoting on that line "
            f"(values containing ':' or '#' need quotes)."
        ) from None
    params = parse_params(raw if raw is not None else {}, path)
    if check_files:
        missing = [(t, params.table_path(t)) for t in params.data.tables if not params.table_path(t).is_file()]
        if missing:
            listing = "\n".join(f"  - data.tables.{t}.path -> {p}" for t, p in missing)
            raise ParamsError(
                f"{path}: {len(missing)} data file{'s' if len(missing) > 1 else ''} not found:\n{listing}\n"
                f"Fix the path (relative to data.dir '{params.data.dir}', itself relative to the params file), "
                f"or remove the table from data.tables if the client has no such data."
                + (" For the demo client, run `auditkit demo` first." if params.client.slug == "demo" else "")
            )
    return params
