"""Reading what vendors write: text encodings, date formats, amounts with a
currency, null words and near-miss stage names, each decided from the data.

Every function here is pure (values in, a decision out) so that the loader and
``auditkit inspect`` take the same decisions and say the same things.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

# -- encodings ------------------------------------------------------------------
#: Single-byte encodings tried when a file is not UTF-8, Cyrillic first.
CANDIDATES = ("cp1251", "koi8-r", "cp866", "mac-cyrillic", "iso-8859-5", "cp1250", "cp1252", "iso-8859-2")
_CYRILLIC = ("cp1251", "koi8-r", "cp866", "mac-cyrillic", "iso-8859-5")
#: The ten commonest Russian letters make up about 55 % of the letters of a Russian text.
_COMMON_RU = set("оеаинтсрвл")
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class EncodingGuess:
    """The encoding chosen, how sure (``certain`` / ``likely`` / ``unsure``) and why, in one sentence."""

    encoding: str
    confidence: str
    reason: str
    kind: str = "scored"  # bom / utf8 / ascii / utf16 / scored: which of the reasons above, for other languages
    words: int = 0  # scored: words with non-ASCII letters
    script: str = ""  # scored: Cyrillic or Latin
    runner_up: str | None = None  # scored: the next best encoding


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


def _word_score(word: str) -> float:
    """How plausible one non-ASCII word is as written text: 1 for a Cyrillic word in one script and
    a normal case pattern, about 1 for a Latin word with a few accents, 0 for mojibake."""
    cyr = sum(_is_cyrillic(c) for c in word)
    if cyr:
        if cyr != len(word):  # Cyrillic mixed with Latin letters inside one word
            return 0.0
        case_ok = word.islower() or word.isupper() or (word[0].isupper() and word[1:].islower())
        if not case_ok:
            return 0.1
        common = sum(c in _COMMON_RU for c in word.lower()) / len(word)
        return 0.6 + min(common, 0.55) / 0.55 * 0.4
    accented = sum(ord(c) > 127 for c in word)
    if not all(unicodedata.category(c).startswith("L") for c in word):
        return 0.0
    case_ok = word.islower() or word.isupper() or (word[0].isupper() and word[1:].islower())
    share = accented / len(word)
    # Czech, Polish, French, German words: accents are a minority of the letters
    return (0.9 if share <= 0.5 else 0.5 if share <= 0.7 else 0.0) * (1.0 if case_ok else 0.3)


def _plausibility(text: str) -> tuple[float, int, int]:
    """Mean word plausibility of the words with non-ASCII letters, their number and how many are Cyrillic."""
    words = [w for w in _WORD.findall(text) if any(ord(c) > 127 for c in w)][:20000]  # plenty to decide
    if not words:
        return 1.0, 0, 0
    scores = [_word_score(w) for w in words]
    cyr = sum(any(_is_cyrillic(c) for c in w) for w in words)
    bad_symbols = sum(unicodedata.category(c) in ("So", "Sk", "Sm", "Co", "Cn") and ord(c) > 127 for c in text)
    controls = sum("\x80" <= c <= "\x9f" for c in text)  # C1 control characters: never in real text
    mean = float(np.mean(scores)) - min(0.5, bad_symbols / max(len(words), 1) * 0.2)
    if controls:
        mean -= min(0.6, 0.2 + controls / max(len(words), 1))
    return mean, len(words), cyr


def detect_encoding(data: bytes, language: str = "en") -> EncodingGuess:
    """The text encoding of ``data``: a UTF-8 byte-order mark or valid UTF-8 is certain; otherwise each
    single-byte candidate is decoded and its non-ASCII words scored for plausibility (one script per
    word, a normal case pattern, common letters). A tie between a Cyrillic and a Latin reading goes to
    Cyrillic when the report language is Russian. Raises ValueError when nothing decodes."""
    if data.startswith(b"\xef\xbb\xbf"):
        return EncodingGuess("utf-8-sig", "certain", "the file starts with a UTF-8 byte-order mark", "bom")
    try:
        data.decode("utf-8")
        high = sum(b > 127 for b in data[:65536])
        return EncodingGuess("utf-8", "certain" if high else "likely", "valid UTF-8" if high else "plain ASCII, read as UTF-8", "utf8" if high else "ascii")
    except UnicodeDecodeError:
        pass
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return EncodingGuess("utf-16", "certain", "the file starts with a UTF-16 byte-order mark", "utf16")
    sample = data[: 1 << 20]
    scored: list[tuple[float, str, int, int]] = []
    for enc in CANDIDATES:
        try:
            text = sample.decode(enc)
        except UnicodeDecodeError:
            continue
        score, words, cyr = _plausibility(text)
        if enc in _CYRILLIC and language == "ru":
            score += 0.05
        if enc == "cp1251":
            score += 0.01  # by far the commonest Russian single-byte encoding of spreadsheets
        scored.append((score, enc, words, cyr))
    if not scored:
        raise ValueError("no known encoding decodes the file")
    scored.sort(key=lambda x: (-x[0], CANDIDATES.index(x[1])))
    best, enc, words, cyr = scored[0]
    runner_up = scored[1] if len(scored) > 1 else None
    margin = best - runner_up[0] if runner_up else 1.0
    if words >= 5 and margin >= 0.2:
        confidence = "certain"
    elif words >= 2 and margin >= 0.1:
        confidence = "likely"
    else:
        confidence = "unsure"
    script = "Cyrillic" if cyr else "Latin"
    alt = f"; next best {runner_up[1]}" if runner_up else ""
    reason = f"not UTF-8; {words} words with non-ASCII letters read as plausible {script} text in {enc}{alt}"
    return EncodingGuess(enc, confidence, reason, "scored", words, script, runner_up[1] if runner_up else None)


#: Every character Python's ``\s`` matches, written out: a pattern with ``\s`` (or a ``\u`` escape) makes
#: pandas match it in Python one value at a time instead of with Arrow's RE2, which has the same meaning
#: for these characters written as themselves.
SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace())


# -- null words -----------------------------------------------------------------
#: Values that mean "no value" in CRM exports; matched case-insensitively after trimming spaces.
DEFAULT_NULLS: tuple[str, ...] = (
    "-", "--", "—", "–", "n/a", "na", "#n/a", "null", "none", "(none)", "(empty)", "(blank)",
    "не закрыта", "не закрыто", "не указано", "не указан", "не указана", "нет данных", "(пусто)", "пусто", "—нет—",
)


def null_mask(text: pd.Series, words: tuple[str, ...] | list[str]) -> pd.Series:
    """Which values of ``text`` (string dtype, stripped) are one of ``words``, ignoring case. A column that
    repeats its values is matched on its distinct values, and spread back over the rows only when one is a
    null word (in most columns none is)."""
    from .vector import arrow_text, distinct

    wanted = {w.strip().casefold() for w in words}
    longest = max((len(w) for w in wanted), default=0)

    def match(t: pd.Series) -> pd.Series:
        found = pd.Series(False, index=t.index)
        column = arrow_text(t)
        if column is not None:
            short = _candidates(column, wanted).to_numpy(zero_copy_only=False)
        else:  # casefolding never shortens text, so only values as short as the longest word can be one
            short = t.str.len().le(longest).fillna(False).astype(bool).to_numpy()
        if short.any():
            found[short] = folded_in(t[short], wanted).to_numpy()
        return found

    values = distinct(text)
    if values is None:
        return match(text)
    codes, uniques = values
    hit = match(uniques).to_numpy(dtype=bool)
    if not hit.any():
        return pd.Series(False, index=text.index, name=text.name)
    return pd.Series(np.append(hit, False)[codes], index=text.index, name=text.name)  # a missing value (-1) is none


def _candidates(column: Any, wanted: set[str]) -> Any:
    """Which values of an Arrow text column could be one of ``wanted`` (case-folded words) once case-folded,
    found without folding any: an ASCII value must be one of the ASCII words in some mix of cases (each
    spelled out, for a word of up to 8 letters; a longer one is matched on its length), and other text
    (which may fold longer, as ß to ss, never shorter) no longer than the longest word. In a column of ids
    ('D000001', 'ACT0000001') none is left, in three passes."""
    import itertools

    import pyarrow as pa
    import pyarrow.compute as pc

    from .vector import ascii_only

    ascii_words = [w for w in wanted if w.isascii()]
    spelled = [w for w in ascii_words if sum(c.isalpha() for c in w) <= 8]
    cases = sorted({"".join(p) for w in spelled for p in itertools.product(*({c.lower(), c.upper()} for c in w))})
    size = pc.binary_length(column)
    # a value of none of the words' lengths is none of them: the words are looked up only when some value
    # has such a length (35M activity ids have none, and are not hashed)
    maybe = pc.is_in(size, value_set=pa.array(sorted({len(c) for c in cases}), type=size.type))
    hit = pc.is_in(column, value_set=pa.array(cases, type=column.type)) if pc.any(maybe).as_py() else maybe
    sizes = sorted({len(w) for w in ascii_words if w not in spelled})
    if sizes:
        hit = pc.or_(hit, pc.is_in(size, value_set=pa.array(sizes, type=size.type)))
    if ascii_only(column):  # no other text: nothing to fold longer
        return pc.fill_null(hit, False)
    longest = max((len(w) for w in wanted), default=0)
    other = pc.and_(pc.invert(pc.string_is_ascii(column)), pc.less_equal(pc.utf8_length(column), longest))
    return pc.fill_null(pc.or_(hit, other), False)


def folded_in(t: pd.Series, wanted: set[str]) -> pd.Series:
    """Whether each value of ``t`` (string dtype), case-folded, is in ``wanted`` (boolean, False where missing).
    ASCII values are folded by Arrow (for them casefold is lower case); only the others go through Python."""
    from .vector import arrow_text

    column = arrow_text(t)
    if column is None:
        return t.str.casefold().isin(wanted).fillna(False).astype(bool)
    import pyarrow as pa
    import pyarrow.compute as pc

    ascii_ = pc.fill_null(pc.string_is_ascii(column), True).to_numpy(zero_copy_only=False)
    hit = pc.fill_null(pc.is_in(pc.utf8_lower(column), value_set=pa.array(sorted(wanted), type=column.type)), False)
    found = hit.to_numpy(zero_copy_only=False) & ascii_
    if not ascii_.all():
        other = t[~ascii_]
        found[~ascii_] = other.str.casefold().isin(wanted).fillna(False).astype(bool).to_numpy()
    return pd.Series(found, index=t.index, name=t.name)


# -- amounts with a currency -------------------------------------------------------
#: Currency signs, codes and words as written around amounts, and their ISO code.
CURRENCY_WORDS: dict[str, str] = {
    "₽": "RUB", "руб": "RUB", "руб.": "RUB", "рублей": "RUB", "рубля": "RUB", "рубль": "RUB", "р": "RUB", "р.": "RUB",
    "rub": "RUB", "rur": "RUB", "$": "USD", "us$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR", "euro": "EUR",
    "£": "GBP", "gbp": "GBP", "₸": "KZT", "тг": "KZT", "тг.": "KZT", "kzt": "KZT", "₴": "UAH", "грн": "UAH",
    "грн.": "UAH", "uah": "UAH", "byn": "BYN", "¥": "JPY", "jpy": "JPY", "cny": "CNY", "chf": "CHF", "₹": "INR",
}
_SIGN_RE = "|".join(re.escape(w) for w in sorted(CURRENCY_WORDS, key=len, reverse=True) if not w.isalpha() or len(w) <= 2 or w.endswith("."))
_CURRENCY = re.compile(
    rf"^\s*(?P<pre>(?:{_SIGN_RE}|[A-Za-zА-Яа-я$]{{3}}\.?|[A-Za-zА-Яа-я]+\.?)?)\s*(?P<num>[-+−]?[\d\s\u00a0\u202f'.,]*\d[\d\s\u00a0\u202f'.,]*(?:[eE][-+]?\d+)?)\s*"
    rf"(?P<post>(?:{_SIGN_RE}|[A-Za-zА-Яа-я$]+\.?)?)\s*$"
)


def currency_code(word: str) -> str | None:
    """The ISO code a currency sign, code or word stands for (None when it is not one)."""
    w = word.strip().casefold()
    if not w:
        return None
    if w in CURRENCY_WORDS:
        return CURRENCY_WORDS[w]
    if re.fullmatch(r"[a-z]{3}", w):
        from babel.numbers import list_currencies

        return w.upper() if w.upper() in list_currencies() else None
    return None


def split_currency(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``text`` (string dtype) with a currency sign, code or word before or after the number removed,
    and the ISO code found per value (NA where there was none). A value whose letters are not a
    currency is left as written, so the number reader reports it."""
    has_letters = text.str.contains(rf"[^\d{SPACES}'.,+\-−eE]", regex=True).fillna(False).astype(bool)
    number = text.copy()
    code = pd.Series(pd.NA, index=text.index, dtype="string")
    if not has_letters.any():
        return number, code
    parts = text[has_letters].str.extract(_CURRENCY)
    pre = parts["pre"].fillna("").map(lambda w: currency_code(w) if w else "")
    post = parts["post"].fillna("").map(lambda w: currency_code(w) if w else "")
    ok = parts["num"].notna() & pre.notna() & post.notna() & ~((pre != "") & (post != "") & (pre != post)) & ((pre != "") | (post != ""))
    if not ok.any():  # letters, but none of them a currency ("L-001"): assigning nothing would fail on Arrow text
        return number, code
    found = pre.where(pre != "", post)
    number.loc[ok[ok].index] = parts.loc[ok, "num"].str.strip().astype("string")
    code.loc[ok[ok].index] = found[ok].astype("string")
    return number, code


# -- dates ----------------------------------------------------------------------
_TIME = r"(?:[ T,]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?"
_DOTTED = re.compile(rf"^(?P<a>\d{{1,2}})\.(?P<b>\d{{1,2}})\.(?P<y>\d{{4}}|\d{{2}})(?:\s*г\.?)?{_TIME}$")
_SLASHED = re.compile(rf"^(?P<a>\d{{1,2}})/(?P<b>\d{{1,2}})/(?P<y>\d{{4}}|\d{{2}}){_TIME}$")
_ISO_LIKE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}")


@dataclass(frozen=True)
class DateGuess:
    """How a column writes its dates: ``label`` for people (``dd.mm.yyyy [HH:MM]``), ``order`` of the
    slashed form (``dmy``, ``mdy``, ``ambiguous``, ``conflict`` or None) and how many values matched."""

    label: str
    order: str | None
    matched: int
    total: int


def _parts(text: pd.Series, pattern: re.Pattern[str]) -> pd.DataFrame:
    return text.str.extract(pattern)


def slash_order(parts: pd.DataFrame) -> str:
    """Whether slashed dates are day-first or month-first, from the values: ``dmy`` when a first
    number is above 12, ``mdy`` when a second one is, ``conflict`` when both happen, ``ambiguous``
    when neither does and some value reads differently either way (``03/04``), ``same`` when every
    value reads the same either way (``05/05``)."""
    a = pd.to_numeric(parts["a"], errors="coerce")
    b = pd.to_numeric(parts["b"], errors="coerce")
    day_first, month_first = bool((a > 12).any()), bool((b > 12).any())
    if day_first and month_first:
        return "conflict"
    if day_first:
        return "dmy"
    if month_first:
        return "mdy"
    return "same" if bool((a == b).all()) else "ambiguous"


def _assemble(parts: pd.DataFrame, order: str) -> pd.Series:
    """Timestamps from extracted day/month/year/time parts (NaT where invalid, e.g. 31.02)."""
    a = pd.to_numeric(parts["a"], errors="coerce")
    b = pd.to_numeric(parts["b"], errors="coerce")
    day, month = (b, a) if order == "mdy" else (a, b)
    year = pd.to_numeric(parts["y"], errors="coerce")
    year = year.where(year >= 100, np.where(year < 70, 2000 + year, 1900 + year))
    hour = pd.to_numeric(parts["H"], errors="coerce").fillna(0)
    ampm = parts["ampm"].fillna("").str.lower().str.replace(".", "", regex=False)
    hour = hour.where(~((ampm == "pm") & (hour < 12)), hour + 12)
    hour = hour.where(~((ampm == "am") & (hour == 12)), 0)
    minute = pd.to_numeric(parts["M"], errors="coerce").fillna(0)
    second = pd.to_numeric(parts["S"], errors="coerce").fillna(0)
    frame = pd.DataFrame({"year": year, "month": month, "day": day, "hour": hour, "minute": minute, "second": second})
    ok = frame.notna().all(axis=1)
    out = pd.Series(pd.NaT, index=parts.index, dtype="datetime64[ns]")
    if ok.any():
        out[ok] = pd.to_datetime(frame[ok].astype("int64"), errors="coerce")
    return out


@dataclass
class ParsedDates:
    """Dates read from text: the values (NaT where not read), which values were in a
    day/month-ambiguous slashed form, and the detected format."""

    value: pd.Series
    ambiguous: pd.Series
    guess: DateGuess


def file_slash_order(columns: list[pd.Series]) -> str | None:
    """The day/month order the slashed dates of a file's date columns agree on (``dmy`` or ``mdy``),
    or None when no column decides or two columns decide differently."""
    decided = set()
    for text in columns:
        # only values with a slash can match: found on the column as it is, then only those written out
        text = text[text.str.contains("/", regex=False).fillna(False).astype(bool)].dropna().astype("string")
        parts = _parts(text.str.strip(), _SLASHED)
        parts = parts[parts["a"].notna()]
        if len(parts):
            order = slash_order(parts)
            if order in ("dmy", "mdy"):
                decided.add(order)
            elif order == "conflict":
                return None
    return decided.pop() if len(decided) == 1 else None


def parse_local_dates(text: pd.Series, hint: str | None = None) -> ParsedDates:
    """Read ``dd.mm.yyyy`` / ``d.m.yy`` (with or without a time) and ``dd/mm/yyyy`` or ``mm/dd/yyyy``
    (the order decided from the whole column) values of ``text``; everything else is NaT.
    A slashed column whose values fit both orders takes ``hint`` (the order the file's other date
    columns decide, see :func:`file_slash_order`); without one it is left unread and marked ``ambiguous``."""
    value = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    ambiguous = pd.Series(False, index=text.index)
    dotted = _parts(text, _DOTTED)
    has_dot = dotted["a"].notna()
    if has_dot.any():
        value[has_dot] = _assemble(dotted[has_dot], "dmy")
    slashed = _parts(text, _SLASHED)
    has_slash = slashed["a"].notna()
    order = None
    if has_slash.any():
        order = slash_order(slashed[has_slash])
        if order == "ambiguous" and hint in ("dmy", "mdy"):
            order = f"{hint}-file"
            value[has_slash] = _assemble(slashed[has_slash], hint)
        elif order in ("dmy", "mdy", "same"):
            value[has_slash] = _assemble(slashed[has_slash], "dmy" if order == "same" else order)
        elif order == "ambiguous":
            ambiguous = has_slash
    timed = (dotted["H"].notna() & has_dot) | (slashed["H"].notna() & has_slash)
    iso = text.str.match(_ISO_LIKE).fillna(False).astype(bool)
    labels = []
    if iso.any():
        labels.append("yyyy-mm-dd")
    if has_dot.any():
        labels.append("dd.mm.yyyy")
    if has_slash.any():
        labels.append({
            "dmy": "dd/mm/yyyy", "mdy": "mm/dd/yyyy", "same": "dd/mm/yyyy",
            "dmy-file": "dd/mm/yyyy (as the file's other date columns)", "mdy-file": "mm/dd/yyyy (as the file's other date columns)",
        }.get(order or "", "dd/mm or mm/dd (ambiguous)"))
    label = " or ".join(labels) or "unknown"
    if timed.any():
        label += " HH:MM" if timed.all() or not (has_dot | has_slash).any() else " [HH:MM]"
    total = int(text.notna().sum())
    guess = DateGuess(label, order, int((has_dot | has_slash | iso).sum()), total)
    return ParsedDates(value, ambiguous, guess)


def guess_dates(text: pd.Series, hint: str | None = None) -> DateGuess | None:
    """The date format a column of text values seems to use, or None when fewer than half of its
    non-empty values look like dates."""
    text = text.dropna().astype("string").str.strip()
    text = text[text.ne("")]
    if text.empty:
        return None
    guess = parse_local_dates(text, hint).guess
    return guess if guess.matched * 2 >= len(text) else None


# -- near-miss values -----------------------------------------------------------------
def _norm(value: str) -> str:
    """A value folded for comparison: case, ё/е, spaces, quotes and dashes ignored."""
    v = unicodedata.normalize("NFKC", str(value)).casefold().replace("ё", "е")
    v = re.sub(r"[\s\u00a0_]+", " ", v)
    v = re.sub(r"[\"'«»“”„]", "", v)
    return re.sub(r"\s*[-–—]\s*", "-", v).strip()


def suggest(values: list[str], known: list[str]) -> dict[str, str]:
    """For each of ``values`` not in ``known``, the known value it most likely means: the same
    after folding case, spaces, quotes and ё/е, else the closest spelling (difflib, 0.8)."""
    import difflib

    folded = {_norm(k): k for k in known}
    out: dict[str, str] = {}
    for v in values:
        if v in known:
            continue
        hit = folded.get(_norm(v))
        if hit is None:
            close = difflib.get_close_matches(_norm(v), list(folded), n=1, cutoff=0.8)
            hit = folded[close[0]] if close else None
        if hit is not None:
            out[v] = hit
    return out


def yaml_value(v: str) -> str:
    """``v`` as a YAML scalar: double-quoted (escaped) when plain writing would change it."""
    import json

    plain = re.fullmatch(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^:#{}\[\],]*", v) and v == v.strip()
    lowered = v.lower() in ("yes", "no", "true", "false", "on", "off", "null", "y", "n", "~")
    return v if plain and not lowered and not re.fullmatch(r"[\d.+-eE]+", v) else json.dumps(v, ensure_ascii=False)


def values_snippet(table: str, column: str, mapping: dict[str, str]) -> str:
    """A params snippet that maps ``mapping``'s file values to canonical ones, ready to paste."""
    pairs = ", ".join(f"{yaml_value(k)}: {yaml_value(v)}" for k, v in mapping.items())
    return f"data:\n  tables:\n    {table}:\n      values:\n        {column}: {{{pairs}}}"
