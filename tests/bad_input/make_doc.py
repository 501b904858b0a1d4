"""Write docs/bad-input.md from the corpus (``cases.py``): ``.venv/bin/python tests/bad_input/make_doc.py``.

``test_doc.py`` checks that the committed page is what this writes, so the page and the corpus cannot drift.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

from bad_input.cases import CASES  # noqa: E402

DOC = HERE.parent.parent / "docs" / "bad-input.md"
EXIT = {0: "0 ok", 1: "1 a step failed", 2: "2 cannot be used", 3: "3 insufficient data"}
GROUPS = {
    "params": "The params file",
    "data file": "Data files that cannot be used",
    "data values": "Values the loader sets aside (each reported with its rows)",
    "file text": "The text of a file: line ends, blank lines, quoting, encodings",
    "shape": "The shape of the client's data",
}

INTRO = """\
# Bad input: what the user sees

Every fault below is a case of the bad-input corpus (`tests/bad_input/cases.py`). The test
(`tests/bad_input/test_corpus.py`) writes each case's params and data files into an empty folder and runs
the installed `auditkit` on it as a user does: `auditkit validate params.yaml`, or for the cases marked
*run*, `auditkit run params.yaml --steps 02,03`. For every case it checks that:

- no traceback is printed, and no terminal escape sequence reaches the terminal;
- the exit code is the documented one (README.md): 0 ok, 2 the params or a data file cannot be used
  (nothing ran, no run folder is created), 3 the data is insufficient for at least one step;
- the output names the file, the row, column or key, and what to do. For a data-quality issue, `validate`
  names the table, column, check and rows (`[warning] deals.amount negative_amount: 1 (rows 10)`) and
  the issue's message, shown in step 2's report, says what was done and what to do;
- every input file is byte-for-byte unchanged afterwards.

The client is the small hand-checked one of `tests/helpers.py`: `deals.csv` (';'-separated, header on
row 1, deals D1..D8 on rows 2-9, a ninth deal on row 10) and `leads.csv`, period 2025-01-01 to 2025-03-31.
This page is generated from the corpus (`.venv/bin/python tests/bad_input/make_doc.py`); a test fails
when it is out of date.
"""


def render() -> str:
    """The page's Markdown."""
    lines = [INTRO]
    for group, title in GROUPS.items():
        cases = [c for c in CASES if c.group == group]
        lines += [f"## {title}", "", "| case | fault | command | exit | what the user sees |", "|---|---|---|---|---|"]
        for c in cases:
            fault = c.fault.replace("|", "\\|")
            shown = c.shown.replace("|", "\\|").replace("\n", " ")
            lines.append(f"| `{c.id}` | {fault} | {c.command} | {EXIT[c.code]} | {shown} |")
        lines.append("")
    lines.append(f"{len(CASES)} cases.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
    print(f"{DOC}: {len(CASES)} cases")
