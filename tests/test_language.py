"""A Russian report is Russian: the demo run with ``language: ru`` (every step, and the combined report)
shows no catalog text left in English.

Every catalog entry whose English differs from its Russian is cut at its placeholders; any English
fragment of two words or more found in the visible text of a step page fails the test (client text, such
as stage names, is the client's own and may be in any language).
"""

from __future__ import annotations

import html
import re

import pytest

from auditkit.report.text import CATALOG

from helpers import DEMO_PARAMS



def visible_text(page: str) -> str:
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(page))


def english_fragments() -> dict[str, str]:
    """English fragments (two words or more) of every catalog text that has a different Russian text."""
    out = {}
    for key, entry in CATALOG.items():
        if entry.get("ru") and entry["ru"] != entry["en"]:
            for part in re.split(r"\{[^}]*\}", entry["en"]):
                part = part.strip(" ,.;:()·-")
                if len(part) >= 10 and " " in part:
                    out[part] = key
    return out


@pytest.mark.slow
def test_the_russian_demo_report_has_no_english_catalog_text(demo_run_ru):
    run = demo_run_ru
    fragments = english_fragments()
    assert len(fragments) > 100
    # the client's own column headers (shown as written in the data-quality examples) are client text
    data = DEMO_PARAMS.parent.parent / "data" / "demo"
    headers = {h.strip() for f in data.glob("*.csv") for h in f.read_text(encoding="utf-8").splitlines()[0].replace(";", ",").split(",")}
    fragments = {frag: key for frag, key in fragments.items() if frag not in headers}
    left = {}
    for page in [*sorted((run / "html").glob("0*_*.html")), run / "report.html"]:
        shown = visible_text(page.read_text(encoding="utf-8"))
        assert "Шаг" in shown and page.stat().st_size > 0
        left.update({f"{page.name}: {key}": frag for frag, key in fragments.items() if frag in shown})
    assert not left, f"English left in the Russian report: {left}"


@pytest.mark.slow
def test_counts_in_the_prose_are_written_with_the_languages_grouping(demo_run, demo_run_ru):
    """A count a step writes into a sentence is formatted as the tables format it: 'Of 5,582 deals' (en),
    'Из 5 582' (ru: a no-break space, a space in the visible text), not 'Of 5582' (step 5's stage-history gaps
    were written raw)."""
    en = visible_text((demo_run / "html" / "05_technology.html").read_text(encoding="utf-8"))
    ru = visible_text((demo_run_ru / "html" / "05_technology.html").read_text(encoding="utf-8"))
    assert re.search(r"Of \d{1,3}(,\d{3})+ deals created in the period with a stage history", en)
    assert re.search(r"Из \d{1,3}( \d{3})+ созданных в периоде сделок с историей этапов", ru)
