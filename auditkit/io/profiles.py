"""Import profiles: what a CRM vendor's export looks like, as data files.

A profile (``auditkit/io/profiles/<name>.yaml``) maps a vendor's files, column
headers (in every language the vendor writes them), date and number formats
and status words to the canonical tables. ``profile: <name>`` in a table entry
of the params applies it; every key written in the entry wins over the
profile's (``values`` are merged per column). The profile's ``columns`` become
the entry's ``aliases``: alternative headers applied only when the file has
them, the first one present winning.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

#: Keys of a profile's table entry that are copied into the params' table entry.
_TABLE_KEYS = {
    "format", "delimiter", "encoding", "sheet", "date_format", "decimal", "values", "null_values",
    "constants", "stage_columns", "closed_at_when_open", "flags", "currency_columns", "compose", "owner_keys",
}


@dataclass(frozen=True)
class Profile:
    """One vendor's export: its name, title, the tables it covers and how each is read."""

    name: str
    title: str
    tables: dict[str, dict[str, Any]]
    signature: dict[str, list[str]] = field(default_factory=dict)  # table -> headers that identify it
    docs: str = ""


@functools.lru_cache(maxsize=None)
def profiles() -> dict[str, Profile]:
    """Every profile shipped in ``auditkit/io/profiles/``, by name."""
    out: dict[str, Profile] = {}
    folder = resources.files("auditkit.io").joinpath("profiles")
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".yaml"):
            continue
        raw = yaml.load(entry.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        out[raw["name"]] = Profile(
            raw["name"], raw["title"], raw["tables"],
            {t: list(v) for t, v in (raw.get("signature") or {}).items()}, raw.get("docs", ""),
        )
    return out


def profile(name: str) -> Profile:
    """The profile called ``name`` (case and spacing ignored; ``kommo`` is ``amocrm``); raises
    ValueError listing the known ones."""
    import difflib

    known = profiles()
    key = name.strip().lower().replace(" ", "").replace("-", "")
    key = {"kommo": "amocrm", "amo": "amocrm", "bitrix": "bitrix24", "sfdc": "salesforce"}.get(key, key)
    if key in known:
        return known[key]
    hint = difflib.get_close_matches(key, list(known), n=1)
    did = f" Did you mean '{hint[0]}'?" if hint else ""
    raise ValueError(f"unknown profile '{name}'.{did} Profiles: {', '.join(known)}")


def apply_profile(name: str, table: str, entry: dict[str, Any]) -> dict[str, Any]:
    """The params entry of ``table`` with profile ``name``'s settings under it: a key written in
    ``entry`` wins; ``values`` merge per column; the profile's ``columns`` become ``aliases``."""
    prof = profile(name)
    if table not in prof.tables:
        raise ValueError(
            f"profile '{prof.name}' ({prof.title}) has no '{table}' table; it reads: {', '.join(prof.tables)}. "
            f"Remove 'profile' from data.tables.{table} and map the file's columns yourself"
        )
    base = prof.tables[table]
    out: dict[str, Any] = {k: v for k, v in base.items() if k in _TABLE_KEYS}
    aliases = dict(base.get("columns") or {})
    for key, value in entry.items():
        if key == "values" and isinstance(value, dict):
            merged = {c: dict(m) for c, m in (out.get("values") or {}).items()}
            for col, mapping in value.items():
                merged[col] = {**merged.get(col, {}), **(mapping or {})}
            out["values"] = merged
        elif key == "aliases" and isinstance(value, dict):
            aliases = {**value, **{k: v for k, v in aliases.items() if k not in value}}  # the user's are tried first
        else:
            out[key] = value
    out["profile"] = prof.name
    out["aliases"] = aliases
    return out
