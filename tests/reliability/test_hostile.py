"""Hostile input: hypothesis-generated rule files (mutations of the shipped ones: wrong types,
deep nesting, huge numbers, unicode, anchors and aliases, alias expansion bombs, control
characters, other encodings) and actuals files (random bytes, wrong encodings, huge and tiny
numbers, formula-looking cells, very long lines, 100 MB of junk; workbooks with formula cells with
and without saved results, hidden sheets, a chosen sheet and a stale dimension). Never a
traceback, never a partial write, bounded memory; every problem `pool rules check` reports starts
with FILE:LINE: (FILE: alone only for a file with no line to point at); a workbook is read from
the sheet it should be, and a formula with no saved result is never skipped. (Any unicode and
SQL-looking text stored verbatim is checked by the model test's text fields.)"""

import copy
import io
import random
import re
import subprocess
import sys
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from support.ledger import LIBRARY, ROOT, fresh_pool
from support.reliability import runtime, snapshot

from pool.cli import main
from pool.domain.errors import InvalidInput
from pool.rules.yamlio import MAX_BYTES
from pool.services import actuals as actuals_service

pytestmark = pytest.mark.reliability

COUNTS: dict[str, int] = {"rule_files": 0, "actuals_files": 0, "junk_files": 0}
SOURCES = {
    p.name: p.read_text("utf-8") for p in sorted(LIBRARY.glob("*.yaml")) if not p.name.endswith(".cases.yaml")
}
PARSED = {name: yaml.safe_load(text) for name, text in SOURCES.items()}

nasty_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**40), 10**40),
    st.just(10**400),
    st.sampled_from(
        [
            "1e309",
            "-0",
            "0x10",
            "1_000",
            "1:30",
            "50%%",
            "101%",
            "1/0",
            "NaN",
            ".inf",
            "2024-13",
            "9999-99",
            "agreement.",
            "agreement.nope",
            "9999-12",
            ".nan",
            "99999999999999999999999999999999999/3",
            "USD-THOUSANDS",
            "a" * 61,
            "'; DROP--",
            "=cmd|' /C calc'!A0",
            "𝔘𝔫𝔦",
            "\u202e",
            "x" * 5000,
        ]
    ),
    st.text(max_size=30),
    st.floats(allow_nan=True),
)


def nested(depth: int) -> Any:
    value: Any = "deep"
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


nasty_value = st.one_of(
    nasty_scalar,
    st.lists(nasty_scalar, max_size=4),
    st.dictionaries(st.text(max_size=8), nasty_scalar, max_size=3),
    st.integers(20, 120).map(nested),
)


def paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            found += paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            found += paths(v, prefix + (i,))
    return found


def mutated(draw: Any) -> str:
    name = draw(st.sampled_from(sorted(PARSED)))
    data = copy.deepcopy(PARSED[name])
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(paths(data)))
        value = draw(nasty_value)
        if not where:
            data = value
            continue
        parent = data
        try:
            for key in where[:-1]:
                parent = parent[key]
            if draw(st.booleans()) and isinstance(parent, dict):
                parent[draw(st.text(max_size=10))] = value  # an unknown key
            else:
                parent[where[-1]] = value
        except (KeyError, IndexError, TypeError):
            pass
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def textual(draw: Any) -> str | bytes:
    """Hostile YAML written as text: alias bombs, recursive aliases, deep flow nesting,
    tags, broken syntax, control characters, huge files, random bytes and other encodings."""
    source = SOURCES[draw(st.sampled_from(sorted(SOURCES)))]
    kinds = ["bomb", "recursive", "deep", "tags", "cut", "huge", "anchors", "control", "encoding", "bytes"]
    kind = draw(st.sampled_from(kinds))
    if kind == "bomb":
        lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
        return "\n".join(lines) + "\nruleset: *a9\n"
    if kind == "recursive":
        return "ruleset: &x [*x]\n" + source
    if kind == "deep":
        depth = draw(st.integers(100, 20000))
        return "ruleset: " + "[" * depth + "]" * depth + "\n"
    if kind == "tags":
        return (
            source + "\nextra: !!python/object/apply:os.system ['echo hi']\n"
            "other: !!binary aGVsbG8=\nset: !!set {a, b}\n"
        )
    if kind == "cut":
        return source[: draw(st.integers(0, len(source)))]
    if kind == "huge":
        return source + "\n# " + "x" * 2_100_000 + "\n"
    if kind == "anchors":
        return (
            source.replace("shares:", "defaults: &d {book: fiscal, mode: split}\nshares:", 1)
            + "\n  - <<: *d\n    name: merged\n    base: nope\n"
        )
    if kind == "control":
        at = draw(st.integers(0, len(source)))
        return source[:at] + draw(st.sampled_from(["\x00", "\x1b[31m", "\x07", "\ufffe"])) + source[at:]
    if kind == "encoding":
        return source.encode(draw(st.sampled_from(["gbk", "utf-16", "big5"])), errors="replace")
    raw = draw(st.binary(max_size=300))
    return raw if draw(st.booleans()) else raw.decode("utf-8", errors="replace")


LOCATED = re.compile(r"(?P<file>[^\n]*?):(?P<line>[0-9]+): ")


def lines_known(content: str | bytes) -> int:
    """How many lines the file has for a problem to point at, or 0 if it has nothing but blank
    lines and comments, or is refused for its size before it is read."""
    if isinstance(content, bytes):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return content.count(b"\n") + 1
    else:
        text = content
    if len(text) > MAX_BYTES:
        return 0
    written = [
        line
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "%", "---", "..."))
    ]
    return text.count("\n") + 1 if written else 0


def assert_located(output: str, path: Path, content: str | bytes) -> None:
    """Every problem `pool rules check` printed starts with FILE:LINE:, LINE in the file; FILE:
    alone only in a file with no line to point at."""
    summary = re.compile(r"\d+ of \d+ files have problems\.")
    problems = [line for line in output.splitlines() if not summary.fullmatch(line)]
    assert problems, output
    known = lines_known(content)
    for problem in problems:
        assert problem.startswith(f"{path}:"), problem
        located = LOCATED.match(problem)
        if located:
            assert located["file"] == str(path), problem
            assert 1 <= int(located["line"]) <= max(known, 1), (problem, known)
        else:
            assert not known and problem.startswith(f"{path}: "), problem


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_hostile_rule_files_are_refused_with_a_located_sentence(data: st.DataObject, tmp_path: Path) -> None:
    content = data.draw(
        st.builds(lambda: None).flatmap(
            lambda _: st.composite(lambda draw: mutated(draw) if draw(st.booleans()) else textual(draw))()
        )
    )
    COUNTS["rule_files"] += 1
    path = tmp_path / f"hostile{COUNTS['rule_files']}.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
    result = CliRunner().invoke(main, ["rules", "check", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert len(result.output) < 200_000
    if result.exit_code == 0:
        assert result.stdout.startswith(f"{path}: ok"), result.output
        if result.stderr:
            assert_located(result.stderr, path, content)  # warnings
    else:
        assert result.exit_code == 1, result.output
        assert_located(result.stderr, path, content)
    path.unlink()


def test_every_refusal_of_a_rule_file_names_file_and_line(tmp_path: Path) -> None:
    """Refusals that once came without a location: a bound that is not a ratio beside a valid
    default, a bound above 100%, a flag given a bound, an end month with no month after it."""
    base = SOURCES["shangluo-default.yaml"]
    decl = "origin_tax_share: {type: ratio, default: 40%, min: 30%, max: 50%"
    assert decl in base
    variants = {
        "nan.yaml": base.replace("max: 50%", "max: .nan"),
        "ratio_big.yaml": base.replace("min: 30%", "min: 99999999999999999999999999999999999/3"),
        "flag.yaml": base.replace(decl, "origin_tax_share: {type: flag, default: true, min: 5"),
        "until.yaml": base.replace(
            "effective_from: 2024-07\n", "effective_from: 2024-07\neffective_until: 9999-12\n"
        ),
    }
    for name, text in variants.items():
        assert text != base, name
        (tmp_path / name).write_text(text, encoding="utf-8")
    paths = [str(tmp_path / name) for name in variants]
    result = CliRunner().invoke(main, ["rules", "check", *paths])
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[-1] == "3 of 4 files have problems."
    assert result.stdout.splitlines() == [
        f"{tmp_path / 'until.yaml'}: ok (shangluo-default 2024.1, 5 shares)"
    ]
    for name, text in variants.items():
        path = tmp_path / name
        mine = [line for line in result.stderr.splitlines() if line.startswith(str(path))]
        assert bool(mine) == (name != "until.yaml"), (name, result.output)
        if mine:
            assert_located("\n".join(mine), path, text)


# -- actuals files ----------------------------------------------------------------------------

HEADER = "project,period,metric,amount,note\n"
cell = st.one_of(
    st.sampled_from(
        [
            "ZS-001",
            "DF-002",
            "NOPE",
            "",
            " ZS-001 ",
            "zs-001",
            "2024-09",
            "2024-9",
            "24-09",
            "0000-00",
            "tax_local",
            "TAX_LOCAL",
            "1e309",
            "1e-309",
            "-1",
            "0",
            "0.001",
            "99999999999999999999999999",
            "1,000.00",
            "１２３",
            "12.3.4",
            "=1+2",
            "+1",
            "@SUM(A1)",
            "-2+3",
            '=HYPERLINK("x")',
            "NaN",
            "inf",
            "0x10",
            "\u202e",
            "'; DROP TABLE actuals;--",
            "x" * 1100,
            # far-future and edge months, invisible and control characters, over-long text
            "9999-12",
            "2205-08",
            "1899-12",
            "ZS-\u200b001",
            "tax\u00ad_local",
            "备注\u2060",
            "\x1b[31m红",
            "a\x07b",
            "2024-09\u200e",
            "1\ufeff00",
            "注" * 2001,
        ]
    ),
    st.text(max_size=12),
)


# -- workbooks: formulas with or without saved results, hidden sheets ----------------------------

FORMULAS = ["=1+2", "=A2", '="2024-09"', "=D2*2", '=""', "=#REF!", "=1/0", "=SUM(D1:D9)"]
# A formula's saved result: none (as scripts write it), a number, or text (t="str").
saved_result = st.one_of(
    st.none(),
    st.sampled_from([("n", "5"), ("n", "1e309"), ("n", "-3"), ("n", "2.125"), ("e", "#DIV/0!")]),
    st.sampled_from([("str", ""), ("str", "2024-09"), ("str", "ZS-001"), ("str", "tax_local")]),
)
SHEET_NAMES = ["Sheet", "上报", "草稿", "Data 1", "x'y", "旧版"]
COLUMNS = ["project", "period", "metric", "amount", "note"]


@dataclass
class GeneratedBook:
    """A generated workbook and what reading it must give."""

    content: bytes
    sheet: str | None  # the --sheet given, if any
    read: str | None  # the sheet that must be read; None: the choice is refused
    unsaved: list[str]  # the data cells of that sheet holding formulas with no saved result
    header_ok: bool  # whether that sheet's row 1 is a proper header with no formula


@st.composite
def workbook_file(draw: Any) -> GeneratedBook:
    titles = draw(st.lists(st.sampled_from(SHEET_NAMES), min_size=1, max_size=3, unique=True))
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    results: dict[str, dict[str, tuple[str, str] | None]] = {}
    unsaved: dict[str, list[str]] = {}
    header_ok: dict[str, bool] = {}
    states = {t: draw(st.sampled_from(["visible", "visible", "hidden", "veryHidden"])) for t in titles}
    for title in titles:
        sheet = book.create_sheet(title)  # saved visible (openpyxl insists on one), then set
        header_ok[title] = draw(st.integers(0, 9)) > 0
        wrong = st.lists(st.sampled_from(["project", "period", "", "项目", "=1+2", "note", 5]), max_size=5)
        sheet.append(COLUMNS if header_ok[title] else draw(wrong))
        results[title], unsaved[title] = {}, []
        for number in range(2, 2 + draw(st.integers(0, 5))):
            row: list[Any] = [
                draw(st.sampled_from(["ZS-001", "DF-002", "ZS-001", "DF-002", "NOPE"])),
                f"2030-{number:02d}",
                "tax_local",
                draw(st.sampled_from([1, 2.5, "3", 4, 5.25, "1.234"])),
                None,
            ]
            for column in draw(st.lists(st.integers(0, 6), max_size=3, unique=True)):
                while len(row) <= column:
                    row.append(None)
                row[column] = draw(st.sampled_from(FORMULAS))
                ref = f"{'ABCDEFG'[column]}{number}"
                results[title][ref] = result = draw(saved_result)
                if result is None:
                    unsaved[title].append(ref)
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    parts = {f"xl/worksheets/sheet{i}.xml": title for i, title in enumerate(titles, start=1)}
    stale = draw(st.booleans())
    content = _rewritten(buffer.getvalue(), parts, results, states, stale)
    named = draw(st.one_of(st.none(), st.sampled_from(titles), st.just("nope")))
    visible = [t for t in titles if states[t] == "visible"]
    read = (named if named in titles else None) if named is not None else (visible[0] if visible else None)
    return GeneratedBook(
        content,
        named,
        read,
        unsaved[read] if read else [],
        header_ok[read] if read else False,
    )


def _rewritten(
    content: bytes,
    parts: dict[str, str],
    results: dict[str, dict[str, tuple[str, str] | None]],
    states: dict[str, str],
    stale: bool,
) -> bytes:
    """The workbook with its sheets' states (every one may be hidden), its formulas' saved
    results (openpyxl saves none), and perhaps a stale dimension claiming the sheet is one cell."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/workbook.xml":
                xml = data.decode("utf-8")
                for title, state in states.items():
                    xml = re.sub(
                        rf'(<sheet name="{re.escape(title)}"[^>]*state=")visible"', rf'\1{state}"', xml
                    )
                data = xml.encode("utf-8")
            if item.filename in parts:
                xml = data.decode("utf-8")
                for ref, result in results[parts[item.filename]].items():
                    if result is not None:
                        kind, value = result
                        xml = re.sub(
                            rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v\s*/></c>',
                            rf'<c r="{ref}"\1 t="{kind}"><f>\2</f><v>{value}</v></c>',
                            xml,
                        )
                if stale:
                    xml = re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1"', xml)
                data = xml.encode("utf-8")
            target.writestr(item, data)
    return out.getvalue()


@st.composite
def actuals_file(draw: Any) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(["rows", "rows", "bytes", "encoding", "long", "xlsx_bytes", "xlsx"]))
    if kind == "xlsx":
        return ".xlsx", draw(workbook_file()).content
    if kind == "rows":
        rows = draw(st.lists(st.lists(cell, min_size=3, max_size=6), max_size=8))
        text = HEADER + "".join(",".join(f'"{c}"' if "," in c else c for c in r) + "\n" for r in rows)
        return ".csv", text.encode("utf-8", errors="surrogatepass")
    if kind == "bytes":
        return ".csv", draw(st.binary(max_size=400))
    if kind == "encoding":
        text = HEADER + "ZS-001,2024-09,tax_local,100,商洛\n"
        return ".csv", text.encode(draw(st.sampled_from(["gbk", "utf-16", "utf-32", "big5"])))
    if kind == "long":
        return ".csv", (
            HEADER + "ZS-001,2024-09,tax_local," + "9" * draw(st.integers(5000, 20000)) + "\n"
        ).encode()
    return ".xlsx", b"PK\x03\x04" + draw(st.binary(max_size=200))


@pytest.fixture(scope="module")
def import_pool(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Any:
    home = tmp_path_factory.mktemp("hostile")
    pool, drop = fresh_pool("sqlite", home / "pool", sqlite_template, None)
    yield pool, home
    pool.close()
    drop()


def test_hostile_actuals_files_change_nothing(import_pool: Any) -> None:
    pool, home = import_pool
    rt = runtime(pool.url, "city-office", pool.tokens["city-office"])

    @settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(actuals_file(), st.booleans())
    def check(file: tuple[str, bytes], restate: bool) -> None:
        COUNTS["actuals_files"] += 1
        suffix, content = file
        path = home / f"hostile{COUNTS['actuals_files']}{suffix}"
        path.write_bytes(content)
        before = snapshot(pool.engine)
        try:
            actuals_service.import_file(rt, str(path), restate=restate, reason="更正" if restate else None)
        except InvalidInput as exc:
            assert str(exc).strip() and "Traceback" not in str(exc)
            assert snapshot(pool.engine) == before
        path.unlink()

    check()
    # Text that looks like a formula and extreme cells in a real workbook are refused as amounts.
    book = Workbook()
    sheet = book.active
    sheet.append(["project", "period", "metric", "amount", "note"])
    for row in (
        ["ZS-001", "2024-09", "tax_local", "=1+2", "=cmd"],
        ["ZS-001", "2024-10", "tax_local", 1e308, "@x"],
        ["ZS-001", "2024-11", "tax_local", 1e-300, "+x"],
        ["ZS-001", "2024-12", "tax_local", float("nan"), ""],
    ):
        sheet.append(row)
    book.save(home / "formulas.xlsx")
    before = snapshot(pool.engine)
    with pytest.raises(InvalidInput, match="row 2"):
        actuals_service.import_file(rt, str(home / "formulas.xlsx"))
    assert snapshot(pool.engine) == before
    COUNTS["actuals_files"] += 1
    rt.close()


def test_hostile_workbooks_are_read_from_their_sheet_and_never_skip_a_formula(import_pool: Any) -> None:
    """Whatever the sheets' states, the --sheet given and the formulas' saved results: the sheet
    read is the named one or the first visible one, and a formula with no saved result in it
    refuses the import, naming the cell."""
    pool, home = import_pool
    rt = runtime(pool.url, "city-office", pool.tokens["city-office"])
    seen = {"imported": 0, "unsaved_refused": 0, "sheet_refused": 0}

    @settings(max_examples=120, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(workbook_file(), st.booleans())
    def check(book: GeneratedBook, restate: bool) -> None:
        COUNTS["actuals_files"] += 1
        path = home / f"book{COUNTS['actuals_files']}.xlsx"
        path.write_bytes(book.content)
        before = snapshot(pool.engine)
        try:
            result = actuals_service.import_file(
                rt, str(path), restate=restate, reason="更正" if restate else None, sheet=book.sheet
            )
        except InvalidInput as exc:
            message = str(exc)
            assert message.strip() and "Traceback" not in message
            assert snapshot(pool.engine) == before
            if book.read is None:
                assert "no sheet is named" in message or "every sheet is hidden" in message, message
                seen["sheet_refused"] += 1
            elif book.unsaved and book.header_ok:
                for ref in book.unsaved:
                    assert re.search(rf"\b{ref}\b", message), (ref, message)
                assert "with no saved value" in message
                seen["unsaved_refused"] += 1
        else:
            assert book.read is not None and not book.unsaved, (book, result)
            assert result["sheet"] == book.read
            seen["imported"] += 1
        finally:
            path.unlink()

    check()
    rt.close()
    print(f"hostile workbooks: {seen}")
    assert all(seen.values()), seen


JUNK = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from benchmarks.memory import peak_rss_mb
    from pool.config import Settings
    from pool.domain.errors import InvalidInput
    from pool.services import actuals
    from pool.bootstrap import bootstrap
    rt = bootstrap(Settings({url!r}, "city-office", {token!r}))
    began = time.monotonic()
    try:
        actuals.import_file(rt, {path!r})
        outcome = "imported"
    except InvalidInput as exc:
        outcome = "refused: " + str(exc).splitlines()[0][:200]
    print(round(time.monotonic() - began, 2), int(peak_rss_mb() * 1024),
          outcome)
""")
JUNK_MB = 100


def junk(path: Path, kind: str) -> None:
    rng = random.Random(kind)
    chunk = 1 << 20
    with open(path, "wb") as f:
        if kind != "random":
            f.write(HEADER.encode())
        for _ in range(JUNK_MB):
            if kind == "random":
                f.write(rng.randbytes(chunk))
            elif kind == "one-line":
                f.write(b"9" * chunk)
            else:  # lines of printable junk, some short enough to be rows
                f.write(
                    b"".join(
                        bytes(rng.choice(b'abc,=+-0123456789"') for _ in range(60)) + b"\n" for _ in range(16)
                    )[:4096]
                    * (chunk // 4096)
                )


@pytest.mark.parametrize("kind", ["random", "one-line", "junk-lines"])
def test_100_mb_of_junk_is_refused_in_bounded_memory(kind: str, import_pool: Any, tmp_path: Path) -> None:
    pool, _home = import_pool
    path = tmp_path / "junk.csv"
    junk(path, kind)
    before = snapshot(pool.engine)
    script = JUNK.format(root=str(ROOT), url=pool.url, token=pool.tokens["city-office"], path=str(path))
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    seconds, peak_kb, outcome = proc.stdout.strip().split(" ", 2)
    COUNTS["junk_files"] += 1
    print(f"{JUNK_MB} MB of {kind}: {outcome[:100]!r} in {seconds}s, peak RSS {int(peak_kb) // 1024} MB")
    assert outcome.startswith("refused"), outcome
    assert int(peak_kb) < 250 * 1024
    assert snapshot(pool.engine) == before
    path.unlink()


def test_zz_print_counts() -> None:
    print(f"hostile inputs: {COUNTS}")
