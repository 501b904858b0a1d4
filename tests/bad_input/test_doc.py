"""docs/bad-input.md lists every case of the corpus, as ``make_doc.py`` writes it from ``cases.py``."""

from __future__ import annotations

from bad_input.cases import CASES
from bad_input.make_doc import DOC, GROUPS, render


def test_every_case_is_in_a_documented_group() -> None:
    assert {c.group for c in CASES} <= set(GROUPS)


def test_the_doc_lists_every_case_and_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [c.id for c in CASES if f"| `{c.id}` |" not in text]
    assert not missing, f"docs/bad-input.md lacks {missing}; run .venv/bin/python tests/bad_input/make_doc.py"
    assert text == render(), "docs/bad-input.md is out of date; run .venv/bin/python tests/bad_input/make_doc.py"
