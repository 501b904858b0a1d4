"""The action registry: the recommended actions a finding can point to.

Every action key lives once, in ``catalog/actions.yaml``, with its text in
English and Russian. :class:`~auditkit.findings.Finding` refuses a key that is
not registered, so step 7 can always turn a finding into words.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

LANGUAGES: tuple[str, ...] = ("en", "ru")


@lru_cache(maxsize=1)
def actions() -> dict[str, dict[str, str]]:
    """Every registered action: key -> {"en": text, "ru": text}."""
    import yaml

    text = resources.files("auditkit.catalog").joinpath("actions.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    for key, entry in data.items():
        missing = [lang for lang in LANGUAGES if not (isinstance(entry, dict) and entry.get(lang))]
        if missing:
            raise ValueError(f"catalog/actions.yaml: action {key!r} has no text in {', '.join(missing)}")
    return data


def check_action(key: str) -> str:
    """``key`` itself when it is registered; ValueError naming the closest key otherwise."""
    known = actions()
    if key not in known:
        import difflib

        hint = difflib.get_close_matches(key, list(known), n=1)
        did = f" Did you mean {hint[0]!r}?" if hint else ""
        raise ValueError(f"unknown action {key!r}.{did} Register it in auditkit/catalog/actions.yaml")
    return key


def action_text(key: str, lang: str = "en") -> str:
    """The action's text in ``lang`` (en or ru)."""
    return actions()[check_action(key)][lang if lang in LANGUAGES else "en"]
