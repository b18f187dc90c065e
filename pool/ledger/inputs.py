"""The input journal: every record that decides money, hash-chained like the ledger.

A record holds the content of one stored row (a project's facts, a transfer, an agreement
revision, a cancellation, a period close, a published rule text) in a canonical JSON form, or of
one actuals import: the count, the ids and the SHA-256 of the actual revisions it added (before
imports were recorded whole, each actual revision had a record of its own, and keeps it). Its
hash covers that body and the previous record's hash. Verification recomputes the chain and
compares every stored row with the latest record of it, so a row edited in the database is
caught unless the journal was rewritten too — and then the heads a checkpoint recorded no longer
recompute.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pool.domain.records import (
    COLUMNS,
    KINDS,
    REVISED,
    actual_body,
    actual_row_text,
    canonical,
    record_hash,
    row_of,
    row_text,
    selected,
    split_body,
)
from pool.ledger.entries import GENESIS

__all__ = ["COLUMNS", "KINDS", "canonical", "record_hash"]

MAX_PROBLEMS = 20
# Kinds too many to hold in memory: compared as sorted streams, and replayed from their table
# (which verify has proved equal to the journal) by `--deep`.
STREAMED = ("actual",)


@dataclass
class InputReport:
    """What a check of the input journal found; `latest` keeps, per (kind, ref), every recorded
    (seq, row) in order, for the comparisons and the replay that follow."""

    records: int = 0
    head: str = GENESIS
    problems: list[str] = field(default_factory=list)
    first_bad_record: int | None = None
    watch: int | None = None
    watched_hash: str | None = None
    marks: set[int] = field(default_factory=set)  # records whose recomputed hash to keep
    marked: dict[int, str] = field(default_factory=dict)
    # (kind, ref) -> every recorded (seq, row text), in chain order
    history: dict[tuple[str, int], list[tuple[int, str]]] = field(default_factory=dict)
    # a streamed kind -> its records compared with the stored rows they came joined to
    joined: dict[str, "Joined"] = field(default_factory=dict)

    def problem(self, message: str, record: int | None = None) -> None:
        if record is not None and self.first_bad_record is None:
            self.first_bad_record = record
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)

    def latest(self, kind: str, ref: int) -> str | None:
        """The row text of the latest record of (kind, ref)."""
        found = self.history.get((kind, ref))
        return found[-1][1] if found else None


@dataclass
class Joined:
    """A streamed kind's records, each met in the chain with the stored row of its ref."""

    last: int = 0  # the last record's ref
    ordered: bool = True  # every record's ref above the one before: no row recorded twice
    met: int = 0  # records whose row is stored
    problems: list[str] = field(default_factory=list)
    strings: dict[Any, str] = field(default_factory=dict)


def check_chain(records: Iterable[Sequence[Any]], report: InputReport) -> None:
    """Records in chain order, each (seq, kind, ref, body, prev_hash, hash); a record of a
    streamed kind may be followed by its stored row's values (all None when none is stored),
    which it is then compared with (see joined_whole)."""
    for seq, kind, ref, body, prev_hash, stored, *stored_row in records:
        expected = report.records + 1
        report.records += 1
        where = f"input record {seq}"
        if seq != expected:
            report.problem(
                f"{where}: the input journal jumps from record {expected - 1} to {seq}; "
                f"record {expected} is missing.",
                seq,
            )
            report.records = seq
        if prev_hash != report.head:
            report.problem(f"{where}: its previous hash does not match the record before it.", seq)
        recomputed = record_hash(prev_hash, seq, kind, ref, body)
        if recomputed != stored:
            report.problem(f"{where}: its hash does not match its content.", seq)
        if seq == report.watch:
            report.watched_hash = recomputed
        if seq in report.marks:
            report.marked[seq] = recomputed
        report.head = stored
        if kind in STREAMED:
            if stored_row:
                joined = report.joined.get(kind) or report.joined.setdefault(kind, Joined())
                if ref > joined.last and body == actual_body(stored_row, joined.strings):
                    joined.last, joined.met = ref, joined.met + 1  # as recorded, with no reason
                else:
                    _compare_joined(joined, kind, ref, body, stored_row)
            continue  # compared here or by compare_streams, record by record, not kept
        row = split_body(body)
        if row is None:
            report.problem(f"{where}: its body is not a record.", seq)
            continue
        if kind not in COLUMNS:
            report.problem(f"{where}: {kind!r} is not a kind of input.", seq)
            continue
        history = report.history.setdefault((kind, ref), [])
        if history and kind not in REVISED:
            report.problem(f"{where}: {kind} {ref} is recorded twice.", seq)
        history.append((seq, row))


def _compare_joined(joined: "Joined", kind: str, ref: int, body: str, row: Sequence[Any]) -> None:
    if ref <= joined.last:
        joined.ordered = False
    joined.last = ref
    if row[0] is None:  # no stored column of a streamed kind is null
        joined.problems.append(f"{kind} {ref} is in the input journal but no longer stored.")
        return
    joined.met += 1
    recorded_text = split_body(body)
    if recorded_text != actual_row_text(row, joined.strings):
        found = _difference(kind, ref, row_of(kind, row), recorded_text)
        if found:
            joined.problems.append(found)


def joined_whole(kind: str, stored: int, report: InputReport) -> bool:
    """After check_chain with joined records: whether that comparison of `kind` was whole (its
    records came in ref order, so none is a second record of a row, and as many met a stored row
    as are stored: every stored row has its record), adding what it found; if not, compare_streams
    names what differs."""
    joined = report.joined.get(kind, Joined())
    if not joined.ordered or joined.met != stored:
        return False
    for problem in joined.problems:
        report.problem(problem)
    return True


def compare_rows(kind: str, rows: Iterable[Sequence[Any]], report: InputReport) -> None:
    """Every stored row of `kind`, (id, *selected(kind)), against its latest record; then every
    recorded row that is no longer stored."""
    seen = set()
    for values in rows:
        ref, row = values[0], row_of(kind, values[1:])
        seen.add(ref)
        recorded_text = report.latest(kind, ref)
        if recorded_text is None:
            report.problem(f"{kind} {ref} is stored but not in the input journal.")
            continue
        _compare(kind, ref, row, recorded_text, report)
    for (recorded_kind, ref), _history in report.history.items():
        if recorded_kind == kind and ref not in seen:
            report.problem(f"{kind} {ref} is in the input journal but no longer stored.")


def compare_streams(
    kind: str, recorded: Iterable[Sequence[Any]], stored: Iterable[Sequence[Any]], report: InputReport
) -> None:
    """For a kind written once per row and too many to hold (actual revisions): its records,
    (ref, body) in ref order, against its stored rows, (id, *selected(kind)) in id order, merged
    as two sorted streams."""
    records = iter(recorded)
    rows = iter(stored)
    record = next(records, None)
    row = next(rows, None)
    previous: Any = None
    strings: dict[Any, str] = {}  # the JSON form of repeated texts (metric names, notes)
    while record is not None or row is not None:
        if record is not None and record[0] == previous:
            report.problem(f"{kind} {previous} is recorded twice.")
            record = next(records, None)
            continue
        if row is None or (record is not None and record[0] < row[0]):
            assert record is not None
            report.problem(f"{kind} {record[0]} is in the input journal but no longer stored.")
            previous, record = record[0], next(records, None)
            continue
        if record is None or row[0] < record[0]:
            report.problem(f"{kind} {row[0]} is stored but not in the input journal.")
            row = next(rows, None)
            continue
        recorded_text = split_body(record[1])
        if kind != "actual" or recorded_text != actual_row_text(row[1:], strings):
            _compare(kind, row[0], row_of(kind, row[1:]), recorded_text, report)
        previous, record, row = record[0], next(records, None), next(rows, None)


def _compare(
    kind: str, ref: int, row: dict[str, Any], recorded_text: str | None, report: InputReport
) -> None:
    """One stored row against the text of its record, naming the first column that differs."""
    found = _difference(kind, ref, row, recorded_text)
    if found:
        report.problem(found)


def _difference(kind: str, ref: int, row: dict[str, Any], recorded_text: str | None) -> str | None:
    if recorded_text is not None and recorded_text == row_text(row):
        return None
    try:
        recorded = json.loads(recorded_text or "")
    except ValueError:
        recorded = {}
    if not isinstance(recorded, dict):
        recorded = {}
    if kind == "import":
        return (
            f"import {ref}: its actual revisions are no longer those the input journal records: "
            f"{_revisions(row)} stored, {_revisions(recorded)} recorded; one of them was changed, "
            "added or removed."
        )
    for column in selected(kind):
        stored, written = row.get(column), recorded.get(column)
        if stored != written or type(stored) is not type(written):  # 100.0 is not the 100 recorded
            return (
                f"{kind} {ref}: its {column} is {_shown(stored)}, but the input journal "
                f"records {_shown(written)}."
            )
    return None


def _revisions(row: dict[str, Any]) -> str:
    """An import's revisions as a record of it gives them: how many, their ids and their hash."""
    sha256 = row.get("sha256")
    return (
        f"{_shown(row.get('revisions'))} with ids {_shown(row.get('first'))} to {_shown(row.get('last'))} "
        f"and SHA-256 {sha256[:16] if isinstance(sha256, str) else _shown(sha256)}"
    )


def check_runs(runs: Iterable[Sequence[Any]], report: InputReport) -> None:
    """After check_chain with `report.marks` holding the runs' records: every settlement run's
    recorded journal head, (run, records, head), is the chain's recomputed hash there."""
    for run, records, head in runs:
        if records is None:
            continue
        if records and report.marked.get(records) != head or (not records and head != GENESIS):
            report.problem(
                f"settlement run {run}: it records the input journal's head at record {records} as "
                f"{str(head)[:16]}…, which the journal no longer recomputes.",
                records or None,
            )


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…'"


def check_checkpoint(records: int, head: str | None, at: str, report: InputReport) -> None:
    """After check_chain with `report.watch = records`: the journal extends the checkpoint."""
    if not records or head is None:
        return
    taken = f" taken {at}" if at else ""
    if report.records < records:
        report.problem(
            f"input record {records}: the checkpoint{taken} records {records} inputs, but the "
            f"journal now has only {report.records}; records were removed.",
            records,
        )
    elif report.watched_hash is None:
        report.problem(f"input record {records}: the checkpoint{taken} ends at it, but it is gone.", records)
    elif report.watched_hash != head:
        report.problem(
            f"input record {records}: the checkpoint{taken} records its hash as {head[:16]}…, but "
            f"the journal recomputes it as {report.watched_hash[:16]}…; inputs up to {records} "
            "were rewritten.",
            records,
        )
