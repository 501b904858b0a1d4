"""Every word of a ``language: ru`` report is Russian, for a client that is not the demo too.

The edge client (tests/edge_client.py) is run once with ``language: ru``, every step and the combined report.
Its export lacks most of what the demo has (no amounts, lost reasons, stage history, reps, targets, activities,
assessments, tools, survey or handoffs), so its pages mostly say what is "not available" and "not assessed":
that is where English and the kit's own keys were left (column headings without a catalog entry, "(none)" and
"(company)" cells, ``kpi.won_value`` and ``table.reps`` in the "not available" list with English reasons,
"Not assessed: provide reps (rep_id, name, ...)", "2, 3, 4 and 42 more").

The visible text of every step page, the run's step index and the combined report (tags, styles and scripts
removed) is checked four ways:

(a) no English fragment of the catalog (:func:`test_language.english_fragments`, as for the demo);
(b) every word written in Latin letters is the client's own: a word of its data files (headers and values), of
    its name, stages, currency or file names, the run's id, or one of :data:`ALLOWED` (the abbreviations the
    Russian text keeps: KPI, CRM, CSV, SLA; and z, the statistic);
(c) no internal key: no dotted key (``kpi.won_value``, ``table.reps``) and no snake_case word (``rep_id``,
    ``lost_reason``), whatever the client's files are called;
(d) numbers are written the Russian way: no decimal point between digits (0,5 and 1,3 с, not 0.5 and 1.3 s).
"""

from __future__ import annotations

import fcntl
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from edge_client import write_edge_client
from helpers import shared_dir
from test_language import english_fragments, visible_text

pytestmark = pytest.mark.slow

#: Latin-letter words a Russian report may use as they are.
ALLOWED = {"KPI", "CRM", "CSV", "SLA", "z"}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
DOTTED_KEY = re.compile(r"\b[a-z]+(?:\.[a-z_]+)+\b")
SNAKE = re.compile(r"\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b")


@pytest.fixture(scope="module")
def edge_ru(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the run folder, the params file) of the edge client audited in Russian: run once per session, also
    under pytest-xdist (the workers share it through a lock, as the demo runs are shared)."""
    shared = shared_dir(tmp_path_factory.getbasetemp())
    folder = shared / "edge-run-ru"
    with open(shared / "edge-run-ru.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        params = folder / "client" / "params.yaml"
        runs = sorted((folder / "outputs").glob("edge/*/report.html"))
        if not runs:
            write_edge_client(folder / "client")
            params.write_text(params.read_text(encoding="utf-8").replace("language: en", "language: ru"), encoding="utf-8")
            auditkit = str(Path(sys.executable).parent / "auditkit")
            result = subprocess.run([auditkit, "run", str(params), "--outputs", str(folder / "outputs")],
                                    capture_output=True, text=True, timeout=600)
            assert result.returncode == 0, result.stdout + result.stderr
            runs = sorted((folder / "outputs").glob("edge/*/report.html"))
        return runs[-1].parent, params


def pages(run: Path) -> dict[str, str]:
    """The visible text of every page of the run (step pages, the step index, the combined report), the run's
    id (its folder's name, shown as the run's name) taken out."""
    paths = [*sorted((run / "html").glob("*.html")), run / "report.html"]
    return {p.name: visible_text(p.read_text(encoding="utf-8")).replace(run.name, " ") for p in paths}


def client_words(params_path: Path) -> set[str]:
    """The words the client wrote: its data files' headers and values, its name, stages, currency, file names."""
    raw = yaml.safe_load(params_path.read_text(encoding="utf-8"))
    data = params_path.parent / raw["data"]["dir"]
    texts = [f.read_text(encoding="utf-8") for f in sorted(data.glob("*.csv"))]
    texts += [raw["client"]["name"], raw["currency"], *raw["pipeline"]["stages"]]
    texts += [spec["path"] for spec in raw["data"]["tables"].values()]
    return {w for text in texts for w in WORD.findall(text)}


def test_the_run_covers_every_step_and_the_not_available_parts(edge_ru):
    run, _ = edge_ru
    shown = pages(run)
    assert [n for n in shown if n.startswith("0")] == [
        "01_goals.html", "02_data.html", "03_process.html", "04_people.html", "05_technology.html", "06_communication.html", "07_plan.html",
    ]
    people = shown["04_people.html"]
    # the "not available" list names the KPI and the table in Russian, with a Russian reason
    assert "Нет данных Что Почему нет значения" in people
    assert ("Менеджеры Не оценивалось: предоставьте таблицу «Менеджеры» (столбцы: Код менеджера, Имя, Команда, "
            "Должность, Дата найма), чтобы увидеть имена, команды и стаж") in people
    assert "Сумма выигранных сделок нет данных, потому что столбец «Сумма» в таблице «Сделки» пуст во всех строках" in people
    # reps without a team and the company row, in Russian
    assert "(не указано)" in people and "(компания)" in people
    # data quality: 141 deals without an amount, their rows listed as "2, 3, ... 9 и ещё 133"
    assert "2, 3, 4, 5, 6, 7, 8, 9 и ещё 133" in shown["02_data.html"]


def test_no_english_catalog_text(edge_ru):
    run, params = edge_ru
    words = client_words(params)
    fragments = {frag: key for frag, key in english_fragments().items() if not set(WORD.findall(frag)) <= words}
    left = {f"{name}: {key}": frag for name, text in pages(run).items() for frag, key in fragments.items() if frag in text}
    assert not left, f"English left in the Russian report: {left}"


def shown_matches(run: Path, patterns: tuple[re.Pattern[str], ...], allowed: set[str] | frozenset[str] = frozenset()) -> dict[str, str]:
    """Every match of ``patterns`` in the visible text of the run's pages that is not ``allowed``: "page: match"
    -> the text around it."""
    left: dict[str, str] = {}
    for name, text in pages(run).items():
        for pattern in patterns:
            for m in pattern.finditer(text):
                if m.group() not in allowed:
                    left.setdefault(f"{name}: {m.group()}", text[max(0, m.start() - 60):m.end() + 60])
    return left


def test_every_latin_word_is_the_clients_own(edge_ru):
    run, params = edge_ru
    left = shown_matches(run, (WORD,), client_words(params) | ALLOWED)
    assert not left, f"words that are neither Russian nor the client's: {left}"


def test_no_internal_key_is_shown(edge_ru):
    run, params = edge_ru
    files = {spec["path"] for spec in yaml.safe_load(params.read_text(encoding="utf-8"))["data"]["tables"].values()}
    left = shown_matches(run, (DOTTED_KEY, SNAKE), files)
    assert not left, f"internal keys in the report: {left}"


def test_numbers_are_written_the_russian_way(edge_ru):
    run, _ = edge_ru
    left = shown_matches(run, (re.compile(r"\d\.\d"),))
    assert not left, f"numbers with a decimal point: {left}"
