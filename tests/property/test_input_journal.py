"""The input journal's chain, as a property: a journal written record by record verifies, and any
one change to a record's kind, ref or body — or its removal — is found at that record (or, for
the last record removed, by a checkpoint of the longer journal); and an import's record, built
from its actual revisions, changes with any one of them."""

import json
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from pool.domain.records import (
    COLUMNS,
    GENESIS,
    OPTIONAL,
    ImportDigest,
    actual_body,
    actual_row_text,
    canonical,
    record_hash,
    row_of,
    row_text,
    selected,
)
from pool.ledger.inputs import (
    STREAMED,
    InputReport,
    check_chain,
    check_checkpoint,
    compare_rows,
    compare_streams,
    joined_whole,
)

values = st.one_of(st.integers(-(10**12), 10**12), st.text(max_size=12), st.none())


@st.composite
def journals(draw: Any) -> list[tuple[Any, ...]]:
    records = []
    prev = GENESIS
    refs = draw(
        st.lists(st.sampled_from(["actual", "transfer", "project", "close"]), min_size=1, max_size=12)
    )
    for seq, kind in enumerate(refs, 1):
        row = {c: draw(values) for c in COLUMNS[kind]}
        for c in OPTIONAL.get(kind, ()):  # recorded only when set
            v = draw(values)
            if v is not None:
                row[c] = v
        body = canonical(row, draw(st.one_of(st.none(), st.text(max_size=8))))
        digest = record_hash(prev, seq, kind, seq, body)
        records.append((seq, kind, seq, body, prev, digest))
        prev = digest
    return records


@given(journals())
def test_an_honest_journal_verifies(records: list[tuple[Any, ...]]) -> None:
    report = InputReport()
    check_chain(records, report)
    assert report.problems == [] and report.records == len(records) and report.head == records[-1][5]


@given(journals(), st.data())
def test_any_changed_record_is_found_at_it(records: list[tuple[Any, ...]], data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(records) - 1))
    seq, kind, ref, body, prev, digest = records[at]
    change = data.draw(st.sampled_from(["body", "ref", "kind"]))
    if change == "body":
        forged = (seq, kind, ref, body.replace('"row":{', '"row":{"x":1,', 1), prev, digest)
    elif change == "ref":
        forged = (seq, kind, ref + 1, body, prev, digest)
    else:
        forged = (seq, "close" if kind != "close" else "actual", ref, body, prev, digest)
    report = InputReport()
    check_chain([*records[:at], forged, *records[at + 1 :]], report)
    assert report.first_bad_record == seq


@given(journals(), st.data())
def test_a_removed_record_is_found(records: list[tuple[Any, ...]], data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(records) - 1))
    report = InputReport(watch=len(records))
    check_chain(records[:at] + records[at + 1 :], report)
    check_checkpoint(len(records), records[-1][5], "", report)
    assert report.problems


@given(journals())
def test_stored_rows_equal_to_their_records_compare_clean(records: list[tuple[Any, ...]]) -> None:
    report = InputReport()
    check_chain(records, report)
    for kind in COLUMNS:
        stored = [  # a column added later (OPTIONAL) is stored as null when the record lacks it
            (ref, *(json.loads(body)["row"].get(c) for c in selected(kind)))
            for _seq, k, ref, body, _prev, _hash in records
            if k == kind
        ]
        if kind in STREAMED:
            recorded = sorted((ref, body) for _seq, k, ref, body, _prev, _hash in records if k == kind)
            compare_streams(kind, recorded, sorted(stored), report)
        else:
            compare_rows(kind, stored, report)
    assert report.problems == []


@given(
    st.tuples(
        st.integers(0, 2**62),
        st.integers(0, 10**6),
        st.text(max_size=20),
        st.integers(1, 1000),
        st.integers(-(2**62), 2**62),
        st.one_of(st.none(), st.text(max_size=30)),
        st.integers(0, 2**62),
    )
)
def test_the_fast_actual_body_is_the_canonical_one(values: tuple[Any, ...]) -> None:
    row = dict(zip(COLUMNS["actual"], values, strict=True))
    assert actual_body(values, {}) == canonical(row)


# what a stored actual's columns may hold after an insider's edit on SQLite, which keeps any type
ANY_VALUE = st.one_of(
    st.integers(-(2**62), 2**62), st.text(max_size=8), st.none(), st.floats(allow_nan=False), st.booleans()
)


@given(st.tuples(*[ANY_VALUE] * 7), st.lists(st.integers(0, 6), max_size=7))
def test_the_fast_row_text_of_a_stored_actual_is_the_canonical_one(
    values: tuple[Any, ...], typed: list[int]
) -> None:
    """Whatever the stored columns hold, verify reads the row's text as the canonical form would
    write it, so a stored value of another type cannot compare equal to its record."""
    well = [7, 24300, "tax_local", 1, 100, None, 3]
    mixed = tuple(values[i] if i in typed else well[i] for i in range(7))
    assert actual_row_text(mixed, {}) == row_text(row_of("actual", mixed))


def _joined(records: list[tuple[Any, ...]], stored: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The records as verify reads them: each actual record followed by its stored row's values,
    all None when none is stored."""
    by_ref = {row[0]: row[1:] for row in stored}
    nothing = (None,) * len(COLUMNS["actual"])
    return [(*r, *by_ref.get(r[2], nothing)) if r[1] == "actual" else r for r in records]


@given(journals(), st.data())
def test_actuals_compared_where_the_chain_meets_them_find_what_the_merge_finds(
    records: list[tuple[Any, ...]], data: st.DataObject
) -> None:
    """Verify compares each actual record with the stored row it comes joined to; when that is not
    whole (a row recorded twice, a stored row with no record), the merge of the two sorted streams
    names what differs. Either way an honest journal is clean and any change is found."""
    actual = [(ref, body) for _seq, k, ref, body, _prev, _hash in records if k == "actual"]
    stored = [(ref, *(json.loads(body)["row"][c] for c in COLUMNS["actual"])) for ref, body in actual]
    assume(all(row[1] is not None for row in stored))  # a stored revision always has its project
    how = data.draw(st.sampled_from(["none", "amount", "gone", "extra"]) if stored else st.just("none"))
    if how != "none":
        at = data.draw(st.integers(0, len(stored) - 1))
        if how == "amount":
            row = list(stored[at])
            row[5] = (row[5] or 0) + 1 if isinstance(row[5], int) else 1
            stored[at] = tuple(row)
        elif how == "gone":
            del stored[at]
        else:
            stored.append((10**9, *stored[at][1:]))
    joined = InputReport()
    check_chain(_joined(records, stored), joined)
    if not joined_whole("actual", len(stored), joined):
        compare_streams("actual", actual, stored, joined)
    merged = InputReport()
    check_chain(records, merged)
    compare_streams("actual", actual, stored, merged)
    assert joined.problems == merged.problems
    assert bool(joined.problems) == (how != "none")


# an import's actual revisions as they are stored: (id, *selected("actual")), in id order
ACTUAL_VALUES = st.tuples(
    st.integers(1, 10**6),
    st.integers(20000, 30000),
    st.sampled_from(["tax_local", "fdi", "指标"]),
    st.integers(1, 9),
    st.integers(-(2**62), 2**62),
    st.one_of(st.none(), st.text(max_size=8)),
    st.integers(1, 10**6),
)
revision_lists = st.lists(ACTUAL_VALUES, min_size=1, max_size=20).map(
    lambda rows: [(i, *row) for i, row in enumerate(rows, 1)]
)


def _digest(rows: list[tuple[Any, ...]], cuts: tuple[int, ...] | list[int] = ()) -> tuple[Any, ...]:
    """The import's record, its revisions given in batches cut at `cuts`."""
    digest = ImportDigest()
    strings: dict[Any, str] = {}
    bounds = [0, *sorted(c % (len(rows) + 1) for c in cuts), len(rows)]
    for start, end in zip(bounds, bounds[1:], strict=False):
        digest.add(rows[start:end], strings)
    return digest.values()


@given(revision_lists, st.lists(st.integers(0, 20), max_size=4))
def test_an_import_record_does_not_depend_on_how_its_revisions_are_read(
    rows: list[tuple[Any, ...]], cuts: list[int]
) -> None:
    sha256, count, first, last = _digest(rows, cuts)
    assert (sha256, count, first, last) == _digest(rows)
    assert (count, first, last) == (len(rows), rows[0][0], rows[-1][0])


@given(revision_lists, st.data())
def test_any_change_to_an_imports_revisions_changes_its_record(
    rows: list[tuple[Any, ...]], data: st.DataObject
) -> None:
    """Changing any column of any revision (to a value of any type), removing one or adding one
    gives another record, so verify finds it."""
    at = data.draw(st.integers(0, len(rows) - 1))
    change = data.draw(st.sampled_from(["column", "removed", "added"]))
    changed = list(rows)
    if change == "column":
        column = data.draw(st.integers(0, 7))
        value = data.draw(ANY_VALUE)
        assume(value != rows[at][column] or type(value) is not type(rows[at][column]))
        revision = list(rows[at])
        revision[column] = value
        changed[at] = tuple(revision)
    elif change == "removed":
        del changed[at]
    else:
        changed.insert(at, (rows[at][0], *data.draw(ACTUAL_VALUES)))
    assert _digest(changed) != _digest(rows)
