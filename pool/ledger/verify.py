"""Recompute the hash chain, the balance of every entry and every stored balance."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pool.domain.accounts import split_account
from pool.domain.money import format_amount
from pool.domain.months import format_month
from pool.ledger.entries import GENESIS, entry_hash

MAX_PROBLEMS = 20


@dataclass
class Report:
    entries: int = 0
    postings: int = 0
    head: str = GENESIS
    problems: list[str] = field(default_factory=list)
    first_bad_entry: int | None = None
    watch: int | None = None  # an entry whose recomputed hash to keep (a checkpoint's)
    watched_hash: str | None = None
    # the sum of the postings of each (transfer, account name, year settled)
    posted: dict[tuple[int, str, int], int] = field(default_factory=lambda: defaultdict(int))

    def problem(self, message: str, entry: int | None = None) -> None:
        if entry is not None and self.first_bad_entry is None:
            self.first_bad_entry = entry
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)


def check_chain(entries: Iterable[tuple[Sequence[Any], list[tuple[str, int]]]], report: Report) -> None:
    """Entries in chain order, each (seq, run, transfer, share, book, through, prev_hash, hash)
    with its (account name, amount) postings (see entries_with_postings)."""
    posted = report.posted
    periods: dict[int, str] = {}  # a run's month as its entries' hashes write it
    for entry, postings in entries:
        transfer, through = entry[2], entry[5]
        year, total = through // 12, 0
        for name, amount in postings:
            posted[(transfer, name, year)] += amount
            total += amount
        report.postings += len(postings)
        period = periods.get(through)
        if period is None:
            period = periods[through] = format_month(through)
        _check_entry(entry, period, postings, total, report)


def _check_entry(
    entry: Sequence[Any], period: str, postings: list[tuple[str, int]], total: int, report: Report
) -> None:
    seq, run, transfer, share, book, _through, prev_hash, stored_hash = entry
    expected_seq = report.entries + 1
    report.entries += 1
    if seq != expected_seq:
        report.problem(
            f"entry {seq}: the chain jumps from entry {expected_seq - 1} to {seq}; "
            f"entry {expected_seq} is missing.",
            seq,
        )
        report.entries = seq
    if prev_hash != report.head:
        report.problem(f"entry {seq}: its previous hash does not match the entry before it.", seq)
    recomputed = entry_hash(prev_hash, seq, run, period, transfer, share, book, postings)
    if recomputed != stored_hash:
        report.problem(f"entry {seq}: its hash does not match its content.", seq)
    if seq == report.watch:
        report.watched_hash = recomputed
    if total:
        report.problem(f"entry {seq}: its postings sum to {format_amount(total)}, not zero.", seq)
    report.head = stored_hash


def check_balances(stored: dict[int, tuple[str, int]], report: Report) -> None:
    """Every account's stored balance against the sum of its postings."""
    sums: dict[str, int] = defaultdict(int)
    for (_, name, _year), amount in report.posted.items():
        sums[name] += amount
    for _, (name, balance) in sorted(stored.items()):
        computed = sums.get(name, 0)
        if balance != computed:
            report.problem(
                f"account {name}: stored balance {format_amount(balance)}, but its "
                f"postings sum to {format_amount(computed)}."
            )


def check_positions(stored: Iterable[Sequence[Any]], report: Report) -> None:
    """Every stored (transfer, share, region) position against the sum of its postings."""
    sums: dict[tuple[int, str, str], int] = defaultdict(int)
    for (transfer, name, _year), amount in report.posted.items():
        _, region, share = split_account(name)
        sums[(transfer, share, region)] += amount
    seen = set()
    for transfer_id, share, region, amount in stored:
        key = (transfer_id, share, region)
        seen.add(key)
        computed = sums.get(key, 0)
        if amount != computed:
            report.problem(
                f"transfer {transfer_id} share {share} region {region}: stored position "
                f"{format_amount(amount)}, but its postings sum to {format_amount(computed)}."
            )
    for key, computed in sums.items():
        if computed and key not in seen and not key[2].startswith("@"):
            report.problem(
                f"transfer {key[0]} share {key[1]} region {key[2]}: postings sum to "
                f"{format_amount(computed)} but no position is stored."
            )


def check_years(stored: Iterable[Sequence[Any]], report: Report) -> None:
    """Every kept yearly position (transfer, share, region, year, book) against the postings of
    that year's runs: the statements read them."""
    sums: dict[tuple[int, str, str, int], tuple[str, int]] = {}
    for (transfer, name, year), amount in report.posted.items():
        book, region, share = split_account(name)
        if not region.startswith("@"):
            sums[(transfer, share, region, year)] = (book, amount)
    for transfer, share, region, year, book, amount in stored:
        computed = sums.pop((transfer, share, region, year), (book, 0))
        if (book, amount) != computed:
            report.problem(
                f"transfer {transfer} share {share} region {region} in {year}: kept "
                f"{format_amount(amount)} ({book}), but the postings of the year sum to "
                f"{format_amount(computed[1])} ({computed[0]})."
            )
    for (transfer, share, region, year), (_book, unkept) in sorted(sums.items()):
        if unkept:
            report.problem(
                f"transfer {transfer} share {share} region {region} in {year}: the postings of the "
                f"year sum to {format_amount(unkept)}, but nothing is kept for it."
            )


def check_accounts(accounts: Iterable[Sequence[Any]], report: Report) -> None:
    """Every account's book, region and share columns against its name, which the postings'
    hashes cover: reports read the columns."""
    for name, book, region, share, _unit in accounts:
        if (book, region, share) != split_account(name):
            report.problem(
                f"account {name}: its columns say book {book}, region {region}, share {share}, "
                "which its name does not."
            )


def check_checkpoint(entries: int, head: str, at: str, report: Report) -> None:
    """After check_chain with `report.watch = entries`: the ledger extends the checkpoint."""
    if entries == 0:
        return
    taken = f" taken {at}" if at else ""
    if report.entries < entries:
        report.problem(
            f"entry {entries}: the checkpoint{taken} records {entries} entries, but the "
            f"ledger now has only {report.entries}; entries were removed.",
            entries,
        )
    elif report.watched_hash is None:
        report.problem(
            f"entry {entries}: the checkpoint{taken} ends at this entry, but the ledger no longer holds it.",
            entries,
        )
    elif report.watched_hash != head:
        report.problem(
            f"entry {entries}: the checkpoint{taken} records its hash as {head[:16]}…, "
            f"but the ledger's history recomputes it as {report.watched_hash[:16]}…; "
            f"entries up to {entries} were rewritten.",
            entries,
        )


def check_payables(
    kept: dict[tuple[str, str, str, int], int], posted: dict[tuple[str, str, str, int], int], report: Report
) -> None:
    """Every kept payable sum (payer, payee, unit, month) against the fiscal postings it sums."""
    for key in sorted(kept.keys() | posted.keys()):
        if kept.get(key, 0) != posted.get(key, 0):
            payer, payee, unit, through = key
            sums = format_amount(kept.get(key, 0)), format_amount(posted.get(key, 0))
            report.problem(
                f"payables of {payer} to {payee} in {format_month(through)} ({unit}): kept "
                f"{sums[0]}, but the postings sum to {sums[1]}."
            )
