"""Peers of the province benchmark: ledger-cli, hledger and beancount timed on the same postings.

On the month-by-month settled copy, the ledger-format journal the benchmark already wrote is
balanced by `ledger -f FILE balance --flat --no-total` and `hledger -f FILE balance --flat
--no-total`, and a beancount export (through pool.services.export, as `pool ledger export
--format beancount`) is checked by `bean-check`. Each tool's party balances must equal `pool
report balances` exactly, in fen: ledger-cli's and hledger's are parsed from their output; for
beancount a second file includes the export and asserts every party balance (`balance`
directives with no tolerance), so `bean-check` itself compares them. Each peer is one process,
timed by the wall clock from start to exit (startup and parsing included). A tool that is not
installed is reported as None.
"""

import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.timing import city, timed, timed_export
from pool.domain.accounts import SOURCE
from pool.domain.money import format_amount
from pool.domain.months import parse_month
from pool.ledger import journal
from pool.services import reports

Key = tuple[str, str, str, str]  # book, region, share, commodity
LEDGER_LIKE = ("ledger", "hledger")
# `   -1234.56 CNY  Assets:Fiscal:County01:Tax`; a bare `0` is an account at zero.
_LINE = re.compile(r"\s*(?:(-?\d+(?:\.\d+)?) ([A-Z][A-Z0-9'._-]*)|0)\s\s+(\S+)")
_AMOUNT = re.compile(r"(-?)(\d+)(?:\.(\d*))?")
_VERSION = re.compile(r"\d+\.\d+\S*")


def fen(amount: str) -> int:
    """'-1234.5' -> -123450, exactly (string arithmetic); anything else, or a fraction of a fen,
    is a ValueError."""
    m = _AMOUNT.fullmatch(amount)
    decimals = (m.group(3) or "") if m else ""
    if not m or decimals[2:].strip("0"):
        raise ValueError(f"not a whole number of fen: {amount!r}")
    value = int(m.group(2)) * 100 + int((decimals + "00")[:2])
    return -value if m.group(1) else value


def command(tool: str, path: Path) -> list[str]:
    return [tool, "-f", str(path), "balance", "--flat", "--no-total"]


def parse_balances(output: str) -> dict[Key, int]:
    """Every account of a `balance --flat --no-total` report, one line each; ValueError on any
    line that is not `AMOUNT COMMODITY  ACCOUNT`."""
    sums: dict[Key, int] = {}
    for line in output.splitlines():
        m = _LINE.fullmatch(line)
        if not m:
            raise ValueError(f"unexpected balance line: {line!r}")
        if m.group(1) is None:
            continue
        book, region, share = journal.pool_account(m.group(3)).split(":")
        key = (book, region, share, m.group(2))
        sums[key] = sums.get(key, 0) + fen(m.group(1))
    return sums


def tool_balances(tool: str, path: Path) -> dict[Key, int]:
    """Balances of every account as ledger-cli or hledger report them."""
    run = subprocess.run(command(tool, path), capture_output=True, text=True, check=True)
    return parse_balances(run.stdout)


def parties(sums: dict[Key, int]) -> dict[Key, int]:
    """The party accounts that are not at zero (the tools leave accounts at zero out)."""
    return {k: v for k, v in sums.items() if k[1] != SOURCE and v != 0}


def pool_balances(rt: Any) -> dict[Key, int]:
    """`pool report balances`, keyed by the commodity each unit is exported as."""
    return {
        (r["book"], r["region"], r["share"], journal.commodity(r["unit"])): fen(r["amount"])
        for r in reports.balances(rt)
    }


def run(url: str, token: str, through: str, workdir: Path, say: Callable[[str], Any]) -> dict[str, Any]:
    """Export the beancount journal, time every peer and compare its balances with pool's."""
    ledger_file = workdir / "journal.ledger"
    bean_file = workdir / "journal.beancount"
    rt = city(url, token)
    rt.database.require_schema()
    try:
        expected = pool_balances(rt)
        export_s, _ = timed_export(rt, "beancount", bean_file)
    finally:
        rt.close()
    say(f"exported the beancount journal ({bean_file.stat().st_size / 1e6:.1f} MB) in {export_s:.2f} s")
    found = {tool: _ledger_like(tool, ledger_file, expected, say) for tool in LEDGER_LIKE}
    checked = _assertions(bean_file, expected, through)
    found["beancount"] = _beancount(checked, say)
    return {"peers": found, "export_beancount_s": export_s}


def _ledger_like(
    tool: str, path: Path, expected: dict[Key, int], say: Callable[[str], Any]
) -> dict[str, Any] | None:
    if shutil.which(tool) is None:
        return None
    seconds, done = timed(lambda: subprocess.run(command(tool, path), capture_output=True, text=True))
    agrees = False
    if done.returncode != 0:
        say(f"{tool} failed ({done.returncode}): {done.stderr.strip()[:500]}")
    else:
        try:
            agrees = parties(parse_balances(done.stdout)) == parties(expected)
        except ValueError as e:
            say(f"{tool}: {e}")
    return {"s": round(seconds, 3), "agrees": agrees, "version": _version([tool, "--version"])}


def _assertions(bean_file: Path, expected: dict[Key, int], through: str) -> Path:
    """A file that includes the export and asserts every party balance, with no tolerance (beancount
    would otherwise allow one fen), the day after the last month settled."""
    day = (journal.entry_date(parse_month(through)) + timedelta(days=1)).isoformat()
    lines = [f'include "{bean_file.name}"', ""]
    for (book, region, share, unit), amount in sorted(expected.items()):
        account = journal.account_name(f"{book}:{region}:{share}")
        lines.append(f"{day} balance {account}  {format_amount(amount)} ~ 0 {unit}")
    checked = bean_file.with_name("balances.beancount")
    checked.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return checked


def _bean_check() -> str | None:
    """bean-check on the PATH, else beside this interpreter (a virtualenv not activated)."""
    beside = Path(sys.executable).parent / "bean-check"
    return shutil.which("bean-check") or (str(beside) if beside.exists() else None)


def _beancount(checked: Path, say: Callable[[str], Any]) -> dict[str, Any] | None:
    tool = _bean_check()
    if tool is None:
        return None
    seconds, done = timed(lambda: subprocess.run([tool, str(checked)], capture_output=True, text=True))
    agrees = done.returncode == 0 and not done.stdout.strip() and not done.stderr.strip()
    if not agrees:
        say(f"bean-check ({done.returncode}): {(done.stderr or done.stdout).strip()[:500]}")
    return {"s": round(seconds, 3), "agrees": agrees, "version": _version([tool, "--version"])}


def _version(args: list[str]) -> str | None:
    done = subprocess.run(args, capture_output=True, text=True)
    m = _VERSION.search(done.stdout.splitlines()[0] if done.stdout else "")
    return m.group(0).rstrip(",") if m else None


def report_lines(f: dict[str, Any]) -> Iterator[str]:
    """The text report's lines for the peers, next to pool's balances report."""
    yield (
        f"peers      pool balances {f['balances_ms']:.1f} ms (running balances); each peer "
        "reads the whole journal"
    )
    for name, peer in f["peers"].items():
        if peer is None:
            yield f"  {name:<9} missing"
        else:
            yield (
                f"  {name:<9} {peer['s']:>10.2f} s        agrees={peer['agrees']}, version {peer['version']}"
            )
