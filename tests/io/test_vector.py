"""by_value: a transform paid per distinct value gives exactly what it gives on the whole column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auditkit.io.detect import null_mask
from auditkit.io.vector import by_value


def column(n: int, distinct: int, seed: int = 0) -> pd.Series:
    rng = np.random.default_rng(seed)
    words = np.array([f"  Rep {i} " if i % 3 else f"ИВАНОВ {i}" for i in range(distinct)], dtype=object)
    values = words[rng.integers(0, distinct, n)]
    values[rng.random(n) < 0.1] = None
    return pd.Series(values, index=np.arange(n)[::-1] * 7, dtype="string", name="owner")


TRANSFORMS = {
    "strip": lambda t: t.str.strip(),
    "fold": lambda t: t.str.casefold().str.split().str.join(" "),
    "mask": lambda t: t.str.casefold().str.strip().isin({"rep 1", "иванов 3"}).fillna(False).astype(bool),
    "length": lambda t: t.str.len(),
}


@pytest.mark.parametrize("name", TRANSFORMS)
@pytest.mark.parametrize("distinct", [1, 40, 3000])
def test_the_same_values_index_and_dtype_as_the_transform_on_every_row(name, distinct):
    s = column(5000, distinct)
    fn = TRANSFORMS[name]
    got, want = by_value(s, fn), fn(s)
    pd.testing.assert_series_equal(got, want)


def test_all_missing_small_and_object_columns_fall_back_to_the_transform():
    fn = TRANSFORMS["mask"]
    empty = pd.Series([pd.NA] * 2000, dtype="string")
    pd.testing.assert_series_equal(by_value(empty, fn), fn(empty))
    mixed = pd.Series([1, 1.0, True, "1"] * 500, dtype=object)  # 1, 1.0 and True hash alike: never merged
    as_text = lambda t: t.astype("string")  # noqa: E731
    assert by_value(mixed, as_text).tolist() == as_text(mixed).tolist() == ["1", "1.0", "True", "1"] * 500


@pytest.mark.parametrize("storage", ["pyarrow", "python"])
def test_isin_is_pandas_isin_with_missing_as_false(storage):
    from auditkit.io.vector import isin

    s = column(3000, 50).astype(pd.StringDtype(storage))
    wanted = {"  Rep 1 ", "ИВАНОВ 3", 7, None}
    got = isin(s, wanted)
    assert got.dtype == bool and got.index.equals(s.index)
    assert got.tolist() == s.isin(wanted).fillna(False).astype(bool).tolist() and 0 < got.sum() < len(s)
    assert not isin(s, set()).any()
    as_read = pd.Series(["D1", None, "D3"], dtype="str")  # pandas' default str dtype, as read back from Parquet
    assert isin(as_read, {"D3"}).tolist() == [False, False, True]
    # the values as another text column (the deals' ids), whatever its storage: the same answer as the set
    for values in (pd.Series(["  Rep 1 ", "ИВАНОВ 3", None], dtype="string[pyarrow]"), pd.Series(["  Rep 1 ", "ИВАНОВ 3"], dtype="str")):
        assert isin(s, values).tolist() == s.isin(set(values)).fillna(False).astype(bool).tolist()


def test_null_words_are_matched_ignoring_case_and_only_short_values_are_folded():
    """null_mask folds only values no longer than the longest null word (folding never shortens text):
    the result equals folding every value, on values around that length, in Russian and with characters
    whose folded form is longer (ß -> ss)."""
    words = ["n/a", "не указано", "ss"]  # the longest: 10 characters
    values = ["N/A", "Не Указано", "НЕ УКАЗАНО!", "ß", "SS", "ẞ", "n/a ", "ACT0000001", "ACT00000001", None, "", "нет"]
    s = pd.Series(values * 200, dtype="string")
    got = null_mask(s, words)
    assert got.tolist()[:12] == [True, True, False, True, True, True, False, False, False, False, False, False]
    assert got.equals(s.str.casefold().isin({w.casefold() for w in words}).fillna(False).astype(bool))


def test_null_words_in_a_column_of_distinct_values_equal_folding_every_value():
    """A column of ids (no value repeats) is matched whole: its candidates are told without folding (an
    ASCII value in any mix of the words' cases, a long ASCII word by its length, other text by being
    short), and the result equals folding every value."""
    words = ["n/a", "(EMPTY)", "not available", "не указано", "ss", "k"]
    special = ["N/a", "(Empty)", "(empty)x", "NOT AVAILABLE", "Not Availablе", "not_available", "НЕ указано", "ß", "ẞ",
               "SS", "K", "K", "(none)", "D00001", "", None]  # 'е' in 'Availablе' is Cyrillic; K is a Kelvin sign
    ids = [f"D{i:05d}" for i in range(3000)]
    s = pd.Series(special + ids, dtype="string[pyarrow]")
    got = null_mask(s, words)
    expected = s.str.casefold().isin({w.casefold() for w in words}).fillna(False).astype(bool)
    assert got.tolist() == expected.tolist()
    assert got.tolist()[:13] == [True, True, False, True, False, False, True, True, True, True, True, True, False]


@pytest.mark.parametrize("distinct", [40, 30000])  # transformed per distinct value, and whole
def test_text_already_clean_is_the_column_itself_and_other_text_is_trimmed(distinct):
    """Reading text keeps a column whose values need no trimming as it is (35M activity ids copied for
    nothing before); a column with surrounding spaces or empty values is trimmed and emptied as before."""
    from auditkit.io.load import _as_text

    clean = pd.Series([f"R{i % distinct}" for i in range(40000)], dtype="string[pyarrow]", name="owner")
    got = _as_text(clean)
    assert got.equals(clean) and got.name == "owner"
    assert np.shares_memory(np.asarray(got.array.__arrow_array__().chunk(0).buffers()[1]),
                            np.asarray(clean.array.__arrow_array__().chunk(0).buffers()[1]))
    assert by_value(clean, lambda t: t.str.strip()) is clean or distinct > 20000
    messy = clean.copy()
    messy.iloc[[0, 5, 9]] = [" R0", "", "\u00a0R9\t"]
    got = _as_text(messy)
    assert got.iloc[0] == "R0" and got.iloc[5] is pd.NA and got.iloc[9] == "R9"
    assert got.drop([0, 5, 9]).equals(clean.drop([0, 5, 9]))
    assert messy.iloc[0] == " R0"  # the input is never changed


def test_categorical_text_is_transformed_and_matched_on_its_categories():
    """A categorical text column (the activities' owners, types, deals) is written out as the text it holds,
    transformed on its categories into a categorical (values made equal share one), matched on them, and
    gives its own codes as its distinct values."""
    from auditkit.io.vector import categorical, compact, dense, distinct, isin

    s = pd.Series([" a", "b", None, " a", "B "] * 300, dtype="str")
    c = categorical(s)
    assert isinstance(c.dtype, pd.CategoricalDtype) and dense(c).equals(s)
    got = by_value(c, lambda t: t.str.strip().str.lower())
    assert isinstance(got.dtype, pd.CategoricalDtype) and sorted(got.cat.categories) == ["a", "b"]
    assert dense(got).astype(object).tolist()[:5] == ["a", "b", np.nan, "a", "b"]
    assert by_value(c, lambda t: t) is c  # nothing changed: the column itself
    assert isin(c, {"b", None}).tolist()[:5] == [False, True, True, False, False]
    assert isin(c, iter(["b"])).tolist()[:5] == [False, True, False, False, False]  # read twice: kept as a list
    codes, values = distinct(c)
    assert values.tolist() == [" a", "b", "B "] and codes[:5].tolist() == [0, 1, -1, 0, 2]
    masked = c.mask(c.eq("b"))  # 'b' no longer held by any row: compact drops its category, keeps the order
    kept = compact(masked)
    assert kept.cat.categories.tolist() == [" a", "B "] and dense(kept).equals(dense(masked))
    assert compact(kept) is kept


def test_printable_ends_is_true_only_for_text_that_trimming_leaves_as_it_is():
    """The quick look at each value's first and last byte: True for ids and other printable ASCII text, and
    never for a column with a value that has surrounding whitespace (ASCII or Unicode) or is empty; chunks,
    slices, nulls and large strings read correctly."""
    import random

    import pyarrow as pa
    import pyarrow.compute as pc

    from auditkit.io.vector import printable_ends

    def exact(column) -> bool:
        trimmed = pc.utf8_trim_whitespace(column)
        return pc.all(pc.equal(trimmed, column)).as_py() is not False and pc.any(pc.equal(column, "")).as_py() is not True

    def chunked(values, large=False, cut=0):
        kind = pa.large_string() if large else pa.string()
        array = pa.array(["pad"] * cut + values, type=kind).slice(cut)  # a slice: its offsets start inside the buffer
        half = len(values) // 2
        return pa.chunked_array([array.slice(0, half), array.slice(half)], type=kind)

    ids = ["D00001", "A-17", "x", None, "Deal 42", "~ok~"]
    assert printable_ends(chunked(ids)) and printable_ends(chunked(ids, large=True, cut=3))
    assert printable_ends(pa.chunked_array([pa.array([None, None], type=pa.string())]))
    for bad in [" D1", "D1 ", "\tD1", "D1\n", "", "\u00a0D1", "D1\u00a0", "\u3000D1", "D1\u2009", "\u202fD1", "D1\x85"]:
        assert not printable_ends(chunked([*ids, bad])), repr(bad)
        assert not exact(chunked([*ids, bad])), repr(bad)
    assert not printable_ends(chunked(["Сделка", "D1"]))  # a non-ASCII end is left to the exact check ...
    assert exact(chunked(["Сделка", "D1"]))  # ... which finds it clean
    rng = random.Random(7)
    alphabet = ["a", "Z", "7", "-", " ", "\t", "\u00a0", "\u2009", "ж", "\u3000", "é", "_"]
    for _ in range(300):
        values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4))) if rng.random() > 0.1 else None for _ in range(rng.randint(1, 8))]
        column = chunked(values, large=rng.random() < 0.5, cut=rng.randint(0, 2))
        if printable_ends(column):
            assert exact(column), values
        elif all(v is None or (v and all(" " < ch < "\x7f" for ch in (v[0], v[-1]))) for v in values):
            raise AssertionError(f"printable ASCII ends not seen: {values}")


def test_positions_are_those_pandas_finds():
    """Where each value is among others (Arrow's hash table on text) is what ``Index.get_indexer`` gives:
    -1 when absent, a missing value found where the others hold one; object columns go to pandas."""
    import random

    from auditkit.io.vector import positions

    assert positions(pd.Series(["b", None, "Сделка", "z"], dtype="string"), pd.Index(["Сделка", "b"], dtype="string")).tolist() == [1, -1, 0, -1]
    rng = random.Random(3)
    pool = ["a", "b", "Сделка", "d 1", "", None, "x"]
    for _ in range(200):
        among = pd.Index(list(dict.fromkeys(rng.sample(pool, rng.randint(0, len(pool))))), dtype="string")
        values = pd.Series([rng.choice(pool) for _ in range(rng.randint(0, 12))], dtype=rng.choice(["string", "str", object]))
        assert positions(values, among).tolist() == among.get_indexer(values).tolist()


def test_group_rows_are_each_groups_rows_in_order():
    """Each group's rows, split by one stable sort of the codes, are those a search of each group finds, in
    the rows' order; rows without a group (-1) are in none."""
    from auditkit.io.vector import group_rows

    rng = np.random.default_rng(5)
    for n, size in ((1, 0), (3, 50), (40, 2000), (2**15 + 3, 500)):
        codes = rng.integers(-1, n, size)
        got = group_rows(codes, n)
        assert len(got) == n
        for g in (0, n // 2, n - 1):
            assert got[g].tolist() == np.flatnonzero(codes == g).tolist()
        assert sum(len(r) for r in got) == int((codes >= 0).sum())


@pytest.mark.parametrize("dtype", ["string[pyarrow]", "str"])
def test_every_nth_value_of_chunked_text_is_what_iloc_gives(dtype):
    """A sample of every step-th row, taken chunk by chunk from Arrow text (a Parquet file's row groups),
    equals ``iloc[::step]``: the same values in the same order, whatever the chunk sizes and nulls."""
    import pyarrow as pa

    from auditkit.io.vector import _every

    rng = np.random.default_rng(3)
    for _ in range(200):
        sizes = rng.integers(0, 40, rng.integers(1, 7))
        chunks = [pa.array([f"v{rng.integers(0, 9)}" if rng.random() > 0.2 else None for _ in range(n)], type=pa.large_string())
                  for n in sizes]
        s = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=pa.large_string()))).astype(dtype)
        step = int(rng.integers(1, 8))
        pd.testing.assert_series_equal(_every(s, step), s.iloc[::step].reset_index(drop=True))


@pytest.mark.parametrize("seed", range(8))
def test_null_words_found_on_arrow_text_are_those_python_finds(seed):
    """Null words are found on Arrow text by length and spelling before anything is case-folded: on random
    columns of ids, null words in any case, Russian text and 'ß' (folded longer), the rows found are the rows
    whose case-folded value is a null word."""
    from auditkit.io.vector import ascii_only

    words = ("n/a", "NULL", "-", "нет данных", "strasse", "unknown_value_long")
    rng = np.random.default_rng(seed)
    pool = ["D000123", "n/A", "N/A", "null", "Null", "-", "--", "abc", "nulx", "+",  # decoys as long as a word
            "НЕТ ДАННЫХ", "нет", "STRAßE", "straße", "Unknown_Value_LONG", "unknown_value_lonG", "ok", None]
    pool = pool[:10] + [None] if seed % 2 else pool  # every other column all ASCII
    values = [pool[i] for i in rng.integers(0, len(pool), 300)]
    s = pd.Series(values, dtype="string[pyarrow]")
    wanted = {w.casefold() for w in words}
    expected = [v is not None and v.casefold() in wanted for v in values]
    assert null_mask(s, words).tolist() == expected
    assert ascii_only(s.array.__arrow_array__()) == all(v is None or v.isascii() for v in values)


def test_lex_order_is_lexsort_whether_or_not_the_rows_are_in_order():
    """Stage entries are ordered by deal, time and stage with np.lexsort, skipped when an export lists them
    in that order already: the order is lexsort's (stable) on random keys, sorted or not, with ties."""
    from auditkit.io.vector import lex_order

    rng = np.random.default_rng(0)
    for trial in range(2000):
        n = int(rng.integers(0, 30))
        keys = tuple(rng.integers(0, 3, n) for _ in range(int(rng.integers(1, 4))))
        if trial % 2:
            order = np.lexsort(keys)
            keys = tuple(k[order] for k in keys)
        assert lex_order(keys).tolist() == np.lexsort(keys).tolist()

