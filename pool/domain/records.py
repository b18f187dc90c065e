"""The records of the input journal: which columns of which table each kind holds, the
canonical text of a record's body and its hash. Shared by the store, which appends records, and
the ledger package, which verifies them."""

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

GENESIS = "0" * 64

# kind -> the columns of its table that a record holds (the row's id is the record's ref).
# Timestamps are left out: they decide no money, and the drivers return them in different forms.
COLUMNS: dict[str, tuple[str, ...]] = {
    "ruleset": (
        "ruleset",
        "version",
        "title",
        "effective_from",
        "effective_until",
        "text",
        "sha256",
        "published_by",
    ),
    "project": (
        "code",
        "name",
        "investor",
        "lead_investor",
        "lead_name",
        "chain",
        "kind",
        "planned_investment",
        "capital_source",
        "origin",
        "stage",
        "signed",
        "construction_start",
        "operation_start",
        "full_capacity",
        "registered_by",
    ),
    "transfer": (
        "project_id",
        "listing_id",
        "claim_id",
        "from_region",
        "to_region",
        "effective",
        "ruleset_version_id",
        "agreement",
        "approved_by",
    ),
    "agreement": ("transfer_id", "revision", "agreement", "reason", "actor_id"),
    "cancel": ("transfer_id", "reason", "actor_id"),
    "actual": ("project_id", "period", "metric", "revision", "amount", "note", "import_id"),
    "close": ("through", "actor_id"),
    # an actuals import: the actual revisions it added, as a whole (ImportDigest), not a table's row
    "import": ("sha256", "revisions", "first", "last"),
}
# Columns added after records of their kind were first written: a record holds one only when it
# is set, so a record written before the column existed still reads as the row it recorded.
OPTIONAL: dict[str, tuple[str, ...]] = {"project": ("planned_fixed_assets",)}
KINDS = tuple(COLUMNS)


def selected(kind: str) -> tuple[str, ...]:
    """The columns read for a record of `kind`: COLUMNS, then its OPTIONAL ones."""
    return COLUMNS[kind] + OPTIONAL.get(kind, ())


# Kinds whose rows are computed from other stored rows rather than read from a table of their own.
COMPUTED = ("import",)

# Kinds whose rows change in place, each change recorded anew; the others are written once.
REVISED = ("project",)


def canonical(row: Mapping[str, Any], reason: str | None = None) -> str:
    """The body of a record: the row's columns (and why it was recorded, if said) as JSON."""
    return json.dumps(
        {"row": dict(row), "reason": reason}, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )


_ACTUAL_ROW = '{"amount":%d,"import_id":%d,"metric":%s,"note":%s,"period":%d,"project_id":%d,"revision":%d}'


def actual_body(values: Sequence[Any], strings: dict[Any, str]) -> str:
    """`canonical` of an actual revision recorded with no reason, written out directly: verify
    compares every record of one (as imports wrote them before they were recorded whole) with its
    stored revision, so this is on its hot path. `strings` caches the JSON form of metric
    names and notes, which repeat. Equal to `canonical` (a property test holds it to that)."""
    return '{"reason":null,"row":' + actual_row_text(values, strings) + "}"


def actual_row_text(values: Sequence[Any], strings: dict[Any, str]) -> str:
    """`row_text` of an actual revision's values in `selected("actual")` order, written out
    directly (verify compares every stored revision with its record); values of another type
    than the columns' (an insider's edit) take `row_text`'s way."""
    project_id, period, metric, revision, amount, note, import_id = values
    if not (
        type(project_id) is int
        and type(period) is int
        and type(revision) is int
        and type(amount) is int
        and type(import_id) is int
        and type(metric) is str
        and (note is None or type(note) is str)
    ):
        return row_text(row_of("actual", values))
    m = strings.get(metric)
    if m is None:
        m = strings[metric] = json.dumps(metric, ensure_ascii=False)
    n = strings.get(note)
    if n is None:
        n = strings[note] = json.dumps(note, ensure_ascii=False)
    return _ACTUAL_ROW % (amount, import_id, m, n, period, project_id, revision)


class ImportDigest:
    """The record of one actuals import, built from its actual revisions, (id, *selected("actual"))
    in id order: how many, the first and last id, and the SHA-256 of their canonical rows, one
    line each (the id, a tab, `actual_row_text`). One record stands for every revision the import
    added, so changing, adding or removing any of them changes the record."""

    def __init__(self) -> None:
        self.hash = hashlib.sha256()
        self.revisions = 0
        self.first: int | None = None
        self.last: int | None = None

    def add(self, rows: Sequence[Sequence[Any]], strings: dict[Any, str]) -> None:
        if not rows:
            return
        text = "".join([f"{r[0]!r}\t{actual_row_text(r[1:], strings)}\n" for r in rows])
        self.hash.update(text.encode())
        self.revisions += len(rows)
        if self.first is None:
            self.first = rows[0][0]
        self.last = rows[-1][0]

    def values(self) -> tuple[str, int, int | None, int | None]:
        """The record's columns, in `selected("import")` order."""
        return self.hash.hexdigest(), self.revisions, self.first, self.last


def row_text(row: Mapping[str, Any]) -> str:
    """The canonical text of a row alone: what `canonical` writes after `"row":`."""
    return json.dumps(dict(row), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def split_body(body: str) -> str | None:
    """The row's text inside a record's body, without parsing it (keys are sorted, so the body
    is {"reason":…,"row":…}; a quote inside a JSON string is escaped, so the first `,"row":` is
    the key's); None if the body is not of that shape."""
    at = body.find(',"row":')
    if not body.startswith('{"reason":') or at < 0 or not body.endswith("}"):
        return None
    return body[at + 7 : -1]


def row_of(kind: str, values: Sequence[Any]) -> dict[str, Any]:
    """The recorded columns of `kind` from values in `selected(kind)` order (an optional column
    only when it is set)."""
    row = dict(zip(selected(kind), values, strict=True))
    for column in OPTIONAL.get(kind, ()):
        if row[column] is None:
            del row[column]
    return row


def record_hash(prev_hash: str, seq: int, kind: str, ref: int, body: str) -> str:
    text = f"{prev_hash}\n{seq}\n{kind}\n{ref}\n{body}"
    return hashlib.sha256(text.encode()).hexdigest()
