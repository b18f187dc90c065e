"""The actuals reader's fast path gives exactly what the careful path gives, or steps aside."""

import csv
import io
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pool.files.actuals import _careful, read_actuals_rows
from pool.files.tables import is_total

PERIODS = st.one_of(
    st.sampled_from(
        [
            "2024-01",
            "2024-12",
            "1899-12",
            "1900-01",
            "2024-13",
            "2024-00",
            "2024-3",
            " 2024-03",
            "9999-12",
            "三月",
            "",
        ]
    ),
    st.from_regex(r"[0-9]{4}-[0-9]{2}", fullmatch=True),
)
AMOUNTS = st.one_of(
    st.sampled_from(
        [
            "0",
            "00",
            "007",
            "1.5",
            "1.50",
            "1.234",
            "-1",
            "1e5",
            "1,000",
            " 12 ",
            "１２",
            "9999999999999.99",
            "10000000000000",
            "",
        ]
    ),
    st.from_regex(r"-?[0-9]{1,15}(\.[0-9]{0,3})?", fullmatch=True),
)
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r\n"), max_size=8
)


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.tuples(TEXT, PERIODS, TEXT, AMOUNTS, TEXT), min_size=1, max_size=8))
def test_fast_path_agrees_with_the_careful_path(tmp_path_factory: object, rows: list) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["project", "period", "metric", "amount", "note"])
    writer.writerows(rows)
    path = Path(tmp_path_factory.mktemp("csv")) / "a.csv"  # type: ignore[attr-defined]
    path.write_text(buf.getvalue(), encoding="utf-8")
    got = {r[0]: r for r in read_actuals_rows(path)}
    for number, values in enumerate(rows, start=2):
        if all(str(v).strip() == "" for v in values) or is_total(list(values)) is not None:
            assert number not in got
            continue
        assert got[number] == _careful(number, list(values), 5, {})
