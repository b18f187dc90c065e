"""The input journal's chain, as a property: a journal written record by record verifies, and any
one change to a record's kind, ref or body — or its removal — is found at that record (or, for
the last record removed, by a checkpoint of the longer journal)."""

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pool.domain.records import COLUMNS, GENESIS, OPTIONAL, canonical, record_hash, selected
from pool.ledger.inputs import InputReport, check_chain, check_checkpoint, compare_rows

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
        compare_rows(kind, stored, report)
    assert report.problems == []
