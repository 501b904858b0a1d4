"""File readers: bytes on disk to a raw DataFrame of strings (or native types
for Parquet/Excel), with the source row number of every row in ``_row``.

``_row`` is the row a spreadsheet shows for the record (the header is row 1):
blank lines count as rows, a quoted field with a line break inside stays one
row, and LF, CRLF and CR-only line ends are all read.

CSV encoding can be named (``utf-8``, ``cp1251``, ...) or ``auto``, which asks
charset-normalizer; the delimiter can be named or ``auto`` (csv.Sniffer).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pandas as pd

from ..errors import DataError
from ..params import INTERNAL_COLUMNS, TableSource
from .vector import categorical

if TYPE_CHECKING:  # pragma: no cover
    from .detect import EncodingGuess

ROW = "_row"  # the row number in the source file (header is row 1)


@dataclass(frozen=True)
class RawTable:
    """A file as read: its rows, the encoding and delimiter used, and its SHA-256."""

    frame: pd.DataFrame
    path: Path
    format: str
    encoding: str | None
    delimiter: str | None
    sha256: str
    encoding_confidence: str | None = None  # certain / likely / unsure, when the encoding was detected
    encoding_reason: str | None = None
    encoding_guess: "EncodingGuess | None" = None  # the detection's verdict, for messages in other languages


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (hex), read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _detect_encoding(sample: bytes, path: Path, language: str = "en") -> "EncodingGuess":
    """The encoding of ``sample`` (the first MiB of ``path``) and how sure; see :func:`detect.detect_encoding`."""
    from .detect import detect_encoding

    try:
        return detect_encoding(sample, language)
    except ValueError:
        raise DataError(f"{path}: cannot tell the file's text encoding. Set data.tables.<table>.encoding (for example cp1251).") from None


def _head(path: Path, limit: int) -> bytes:
    """The file's first whole lines, up to about ``limit`` bytes (see :func:`_whole_lines`)."""
    with open(path, "rb") as fh:
        return _whole_lines(fh.read(limit + 1), limit)


def _whole_lines(data: bytes, limit: int = 1 << 16) -> bytes:
    """``data`` when it is ``limit`` bytes or fewer, else its first ``limit`` bytes cut after the last whole
    line in them (LF, CRLF or CR-only line ends): enough for a header and a sample."""
    if len(data) <= limit:
        return data
    end = max(data.rfind(b"\n", 0, limit), data.rfind(b"\r", 0, limit))
    return data[: end + 1] if end >= 0 else data[:limit]


_LEADING_BLANK = re.compile(r"(?:[ \t]*(?:\r\n|\r|\n))*")
_LINE_END = re.compile(r"\r\n|\r|\n")


def _strip_leading_blank_lines(text: str) -> tuple[str, int]:
    """``text`` without the blank lines before its header, and how many there were."""
    prefix = _LEADING_BLANK.match(text)
    blank = prefix.group(0) if prefix else ""
    return text[len(blank):], len(_LINE_END.findall(blank))


def _decode(data: bytes, path: Path, source: TableSource, table: str, language: str = "en") -> tuple[str, str, "EncodingGuess | None"]:
    """``data`` (bytes of ``path``) as text in the declared or detected encoding, that encoding, and
    the detection's verdict (None when the encoding was declared)."""
    enc = source.encoding.lower()
    guess = None
    if enc == "auto":
        guess = _detect_encoding(data[: 1 << 20], path, language)
        enc = guess.encoding
    elif enc in ("utf-8", "utf8") and data.startswith(b"\xef\xbb\xbf"):
        enc = "utf-8-sig"
    try:
        return data.decode(enc), enc, guess
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise DataError(
            f"{path}: not valid {source.encoding} text (line {line}, byte {err.start}). "
            f"Set data.tables.{table}.encoding to the file's encoding (cp1251 for most Russian exports), "
            f"or to 'auto' to detect it."
        ) from None
    except LookupError:
        raise DataError(f"{path}: unknown encoding '{source.encoding}' in data.tables.{table}.encoding; use e.g. utf-8, cp1251 or auto.") from None


_EMPTY = (
    "{path}: the file is empty; it needs a header row with the column names and one row per record. "
    "Export the {table} table again (data.tables.{table}.path)."
)
_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


_OPEN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


def _cut_off(text: str, delimiter: str) -> tuple[int, int, int] | None:
    """(row, fields, the header's fields) when ``text`` ends in the middle of its last row: no line break after
    it, and fewer fields than the header (an export cut off mid-line; pandas would fill the rest with empty
    values). Rows count as a spreadsheet counts them, from the header's row 1."""
    if text.endswith(("\n", "\r")) or not text:
        return None
    header = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    tail = text[max(text.rfind("\n"), text.rfind("\r")) + 1:]
    if tail.count(delimiter) >= header.count(delimiter):
        return None  # the last line has a field for each column: whole (only a short last line is parsed for)
    import pyarrow as pa
    import pyarrow.csv as pcsv

    last: list[Any] = []

    def invalid(row: Any) -> str:
        last[:] = [row]
        return "skip"

    parse = pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=invalid)
    try:
        pcsv.read_csv(io.BytesIO(text.encode("utf-8")), parse_options=parse, read_options=pcsv.ReadOptions(use_threads=False))
    except pa.ArrowException:
        return None
    if not last or last[0].actual_columns >= last[0].expected_columns or not text.endswith(last[0].text):
        return None
    return int(last[0].number), int(last[0].actual_columns), int(last[0].expected_columns)


def _ragged(path: Path, table: str, delimiter: str, error: str, leading: int) -> str:
    """The message for a CSV whose rows do not split into the header's columns: the row (as a spreadsheet
    counts it) and field counts when the parser names them, and what to check."""
    quote = _OPEN_QUOTE.search(error)
    if quote:  # pandas counts the lines after the header from 1 and names the line the quote opens on
        return (
            f"{path}: row {int(quote.group(1)) + 1 + leading} opens a quoted value that never closes: the file ends "
            f"inside it. The export may be cut off (export the {table} table again), or a value holds a stray "
            f'quote (write it as two quotes, "").'
        )
    found = _FIELDS.search(error)
    what = (
        f"row {int(found.group(2)) + leading} has {found.group(3)} fields where the header has {found.group(1)}"
        if found else " ".join(error.split())
    )
    return (
        f"{path}: cannot split the rows into columns: {what}. Check data.tables.{table}.delimiter (now {delimiter!r}; "
        f"exports from Excel in Europe and Russia often use ';'), and that values holding the delimiter are in quotes."
    )


def _not_parquet(path: Path, table: str, err: Exception) -> str:
    return (
        f"{path}: cannot read as Parquet ({type(err).__name__}: {' '.join(str(err).split())}). "
        f"Export the {table} table again as Parquet, or as CSV and point data.tables.{table}.path at that file."
    )


def check_header(path: Path, header: list[str], table: str) -> None:
    """Raise DataError when the file has a column named like one auditkit adds itself (``_row``), or two
    columns whose names are the same once the spaces around them are trimmed."""
    clash = [c for c in header if str(c).strip() in INTERNAL_COLUMNS]
    if clash:
        raise DataError(
            f"{path}: the file has a column named '{clash[0]}', a name auditkit uses for the row numbers it adds. "
            f"Rename that column in a copy of the file (for example to 'row'), point data.tables.{table}.path at the copy, "
            f"and map it under data.tables.{table}.columns if you need it."
        )
    seen: dict[str, str] = {}
    for name in header:
        trimmed = str(name).strip()
        if trimmed in seen:
            how = f" (as '{seen[trimmed]}' and '{name}': the same once the spaces around them are trimmed)" if seen[trimmed] != str(name) else ""
            raise DataError(
                f"{path}: the file has two columns named '{trimmed}'{how}, so which one is meant cannot be told. Rename or "
                f"remove one of them in a copy of the file and point data.tables.{table}.path at the copy."
            )
        seen[trimmed] = str(name)


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def peek(path: Path, source: TableSource, table: str) -> tuple[list[str], bool]:
    """A file's column names and whether it has at least one data row, read cheaply
    (the first 64 KiB of a CSV, Parquet metadata, the first rows of an Excel sheet)."""
    fmt = source.file_format
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            meta = pq.read_metadata(path)
        except Exception as err:
            raise DataError(_not_parquet(path, table, err)) from None
        names = list(meta.schema.names)
        check_header(path, names, table)
        return names, meta.num_rows > 0
    if fmt == "xlsx":
        head = _read_excel(path, source, table, nrows=1)
        check_header(path, [str(c) for c in head.columns], table)
        return [str(c) for c in head.columns], len(head) > 0
    text, _, _ = _decode(_head(path, 1 << 16), path, source, table)
    delim = _sniff_delimiter(text) if source.delimiter == "auto" else source.delimiter
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise DataError(_EMPTY.format(path=path, table=table))
    header = next(csv.reader(lines[:1], delimiter=delim), [])
    check_header(path, header, table)
    return header, len(lines) > 1


def _read_excel(path: Path, source: TableSource, table: str, nrows: int | None = None) -> pd.DataFrame:
    sheet = source.sheet if source.sheet is not None else 0
    try:
        return pd.read_excel(path, sheet_name=sheet, dtype=object, engine="openpyxl", nrows=nrows)
    except ValueError as err:
        if "Worksheet" in str(err) or "sheet" in str(err).lower():
            import openpyxl

            names = openpyxl.load_workbook(path, read_only=True).sheetnames
            raise DataError(
                f"{path}: no sheet {sheet!r}. Sheets found: {names}. Set data.tables.{table}.sheet to one of them."
            ) from None
        raise DataError(f"{path}: cannot read as Excel ({err}).") from None
    except Exception as err:  # zip/format errors from openpyxl
        raise DataError(
            f"{path}: cannot read as Excel ({type(err).__name__}: {' '.join(str(err).split())}). Is it really an .xlsx file? "
            f"Save it again as .xlsx from Excel (an old .xls, or a CSV renamed to .xlsx, is not one), or export the {table} table as CSV."
        ) from None


def _arrow_csv(text: str, delimiter: str) -> pd.DataFrame | None:
    """``text`` read by Arrow's CSV reader as pandas reads it in :func:`read_raw` (every value a string, blank
    lines as rows of empty values), several times faster and without a Python object per value. None when
    pandas has to read it: a row whose fields do not match the header (pandas names the row in its error), an odd
    number of quotes (one never closes, or a value holds a quote: pandas tells them apart), a header that repeats
    a name or leaves one empty, a value that starts with a space (pandas skips those after a delimiter, but
    not inside quotes, which Arrow does not tell apart), or anything Arrow cannot parse."""
    if text.count('"') % 2:  # a quote that never closes (Arrow reads to the end of the file into it): pandas names it
        return None
    import pyarrow as pa
    import pyarrow.csv as pcsv

    data = text.encode("utf-8")
    ragged: list[int] = []

    def invalid(row: object) -> str:
        ragged.append(1)
        return "skip"

    parse = pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=invalid)
    try:
        head = pcsv.read_csv(io.BytesIO(_whole_lines(data)), parse_options=parse, read_options=pcsv.ReadOptions(use_threads=False))
        names = head.column_names
        if len(set(names)) != len(names) or not names or not all(n.strip() for n in names):
            return None  # pandas names an unnamed column 'Unnamed: 2' and a repeated one 'X.1'; Arrow does not
        convert = pcsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=False, quoted_strings_can_be_null=False)
        table = pcsv.read_csv(io.BytesIO(data), parse_options=parse, convert_options=convert)
    except (pa.ArrowException, UnicodeDecodeError):  # any Arrow error: pandas reads the file and names it
        return None
    if ragged or table.num_columns != len(names):
        return None
    del data
    import pyarrow.compute as pc

    columns = {}
    for name, column in zip(table.column_names, table.columns):
        # pandas skips the spaces after a delimiter unless the value is quoted, which Arrow does not say: a
        # file with such spaces is read by pandas
        if pc.any(pc.or_(pc.starts_with(column, " "), pc.starts_with(column, "\t"))).as_py():
            return None
        columns[name.lstrip(" \t")] = pd.Series(pd.arrays.ArrowStringArray(column))
    return pd.DataFrame(columns).astype("str")


def parquet_dictionaries(path: Path, table: str, encode: Callable[[list[str]], set[str]] | None) -> list[str]:
    """The text columns of a Parquet file that ``encode`` chooses (from the names stripped), to be read as
    dictionaries."""
    if encode is None:
        return []
    try:
        import pyarrow.parquet as pq

        schema = pq.read_schema(path)
    except Exception as err:
        raise DataError(_not_parquet(path, table, err)) from None
    return _text_columns(schema, encode)


def _text_columns(schema: Any, encode: Callable[[list[str]], set[str]]) -> list[str]:
    """The text columns of a Parquet ``schema`` that ``encode`` chooses (from the names stripped)."""
    import pyarrow as pa

    chosen = encode([str(name).strip() for name in schema.names])
    return [f.name for f in schema if str(f.name).strip() in chosen and (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))]


def release_memory() -> None:
    """Give the memory Arrow has freed back to the system: its allocator keeps freed pages for reuse, and
    after decoding a large file (Parquet's pages, CSV blocks) they are a gigabyte or more of the process's
    resident memory that pandas, which allocates elsewhere, never reuses."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    _trim_heap()


def _trim_heap() -> None:
    """Give the C heap's free pages back to the system (glibc's ``malloc_trim``; nothing elsewhere). NumPy's
    large arrays come from that heap once some have been freed, and a thread's heap (an arena) keeps its
    free pages for itself: after the 1M-deal activities are read in parts, 1 GB of the process is such pages."""
    global _MALLOC_TRIM
    if _MALLOC_TRIM is None:
        import ctypes
        import ctypes.util

        try:
            _MALLOC_TRIM = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
        except (OSError, AttributeError):  # not glibc: its allocator keeps to itself
            _MALLOC_TRIM = False
    if _MALLOC_TRIM:
        _MALLOC_TRIM(0)


_MALLOC_TRIM: Any = None


def parquet_frame(path: Path, table: str, dictionaries: list[str], groups: tuple[Any, list[int]] | None = None) -> pd.DataFrame:
    """A Parquet file's rows as pandas reads them: every row, or with ``groups`` (an open
    ``pyarrow.parquet.ParquetFile`` and some of its row groups) those. ``dictionaries`` are the text columns
    read as Parquet stores them (dictionaries, made one per column: pandas' categories), not written out per
    row. Each Arrow column is let go once converted, so a 35M-row table is not held twice."""
    try:
        import pyarrow.parquet as pq

        if groups is None:
            arrow = pq.read_table(path, read_dictionary=dictionaries or None)
        else:
            arrow = groups[0].read_row_groups(groups[1])
        if dictionaries:
            arrow = arrow.unify_dictionaries()
    except Exception as err:
        raise DataError(_not_parquet(path, table, err)) from None
    frame = arrow.to_pandas(self_destruct=True, split_blocks=True)
    del arrow
    release_memory()
    # an index pandas stored with the rows: a named one is a column of the export (a frame written with
    # set_index("activity_id")); an unnamed one is the writer's row labels, which may repeat (exports
    # joined with pd.concat) and are not data
    named = [n for n in frame.index.names if n is not None and str(n) not in frame.columns]
    if named:
        frame = frame.reset_index(level=named)
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0 or frame.index.step != 1:
        frame = frame.reset_index(drop=True)
    return frame


def read_raw(
    path: Path, source: TableSource, table: str, language: str = "en", encode: Callable[[list[str]], set[str]] | None = None
) -> RawTable:
    """Read one file as declared in params; text columns stay strings, nothing is parsed yet.
    ``language`` (the report's) is a hint for ``encoding: auto``. ``encode`` gives, from the file's column
    names, those to read as categoricals (the same values: see :data:`auditkit.io.load.ENCODED`)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found (data.tables.{table}.path). Fix the path or remove the table.")
    fmt = source.file_format
    encoding = delimiter = None
    guess = None
    sha256: str | None = None
    if fmt == "csv":
        data = path.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()  # hash the bytes already in memory
        text, encoding, guess = _decode(data, path, source, table, language)
        del data
        # Row numbers are the ones a spreadsheet shows: blank lines are rows (reported as
        # empty_row later, not skipped here), a quoted field with a line break inside is one
        # row, and blank lines above the header move the header down.
        text, leading = _strip_leading_blank_lines(text)
        delimiter = _sniff_delimiter(text[:65536]) if source.delimiter == "auto" else source.delimiter
        arrow = _arrow_csv(text, delimiter)
        cut = _cut_off(text, delimiter) if arrow is None else None
        if cut is not None:
            raise DataError(
                f"{path}: the file ends in the middle of row {cut[0] + leading}: it has {cut[1]} of the header's "
                f"{cut[2]} fields. The export looks cut off; export the {table} table again."
            )
        try:
            frame = arrow if arrow is not None else pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                dtype=str,
                keep_default_na=False,
                skipinitialspace=True,
                skip_blank_lines=False,
                engine="c",
            )
        except pd.errors.ParserError as err:
            raise DataError(_ragged(path, table, delimiter, str(err), leading)) from None
        except pd.errors.EmptyDataError:
            raise DataError(_EMPTY.format(path=path, table=table)) from None
        offset = 2 + leading
    elif fmt == "xlsx":
        frame = _read_excel(path, source, table)
        offset = 2
    else:
        frame = parquet_frame(path, table, parquet_dictionaries(path, table, encode))
        offset = 1
    frame.columns = [str(c).strip() for c in frame.columns]
    check_header(path, list(frame.columns), table)
    if encode is not None and fmt != "parquet":
        for name in encode(list(frame.columns)):
            column = frame[name]
            if isinstance(column, pd.Series) and isinstance(column.dtype, pd.StringDtype):  # not a repeated Excel name
                frame[name] = categorical(column)
    frame.insert(0, ROW, range(offset, offset + len(frame)))
    return RawTable(
        frame, path, fmt, encoding, delimiter, sha256 or file_sha256(path),
        guess.confidence if guess else None, guess.reason if guess else None, guess,
    )
