"""Recompute the hash chain, the balance of every entry and every stored balance (SPEC §5)."""

from collections import defaultdict
from collections.abc import Iterable
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
    account_sums: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    position_sums: dict[tuple[int, str, str], int] = field(default_factory=lambda: defaultdict(int))

    def problem(self, message: str, entry: int | None = None) -> None:
        if entry is not None and self.first_bad_entry is None:
            self.first_bad_entry = entry
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)


def check_chain(rows: Iterable[Any], report: Report) -> None:
    """Rows: one per posting, ordered by entry then posting (see entries_with_postings)."""
    current: Any = None
    postings: list[tuple[str, int]] = []
    for row in rows:
        if current is not None and row.seq != current.seq:
            _check_entry(current, postings, report)
            postings = []
        current = row
        if row.name is not None:
            postings.append((row.name, row.amount))
            report.account_sums[row.account_id] += row.amount
            book, region, share = split_account(row.name)
            report.position_sums[(row.transfer_id, share, region)] += row.amount
            report.postings += 1
    if current is not None:
        _check_entry(current, postings, report)


def _check_entry(e: Any, postings: list[tuple[str, int]], report: Report) -> None:
    expected_seq = report.entries + 1
    report.entries += 1
    if e.seq != expected_seq:
        report.problem(f"entry {e.seq}: the chain jumps from entry {expected_seq - 1} to {e.seq}; "
                       f"entry {expected_seq} is missing.", e.seq)
        report.entries = e.seq
    if e.prev_hash != report.head:
        report.problem(f"entry {e.seq}: its previous hash does not match the entry before it.", e.seq)
    recomputed = entry_hash(e.prev_hash, e.seq, e.run_id, format_month(e.through), e.transfer_id,
                            e.share, e.book, postings)
    if recomputed != e.hash:
        report.problem(f"entry {e.seq}: its hash does not match its content.", e.seq)
    if e.seq == report.watch:
        report.watched_hash = recomputed
    total = sum(a for _, a in postings)
    if total:
        report.problem(f"entry {e.seq}: its postings sum to {format_amount(total)}, not zero.", e.seq)
    report.head = e.hash


def check_balances(stored: dict[int, tuple[str, int]], report: Report) -> None:
    for account_id, (name, balance) in sorted(stored.items()):
        computed = report.account_sums.get(account_id, 0)
        if balance != computed:
            report.problem(f"account {name}: stored balance {format_amount(balance)}, but its "
                           f"postings sum to {format_amount(computed)}.")


def check_positions(stored: Iterable[Any], report: Report) -> None:
    seen = set()
    for transfer_id, share, region, amount in stored:
        key = (transfer_id, share, region)
        seen.add(key)
        computed = report.position_sums.get(key, 0)
        if amount != computed:
            report.problem(f"transfer {transfer_id} share {share} region {region}: stored position "
                           f"{format_amount(amount)}, but its postings sum to {format_amount(computed)}.")
    for key, computed in report.position_sums.items():
        if computed and key not in seen and not key[2].startswith("@"):
            report.problem(f"transfer {key[0]} share {key[1]} region {key[2]}: postings sum to "
                           f"{format_amount(computed)} but no position is stored.")


def check_checkpoint(entries: int, head: str, at: str, report: Report) -> None:
    """After check_chain with `report.watch = entries`: the ledger extends the checkpoint."""
    if entries == 0:
        return
    taken = f" taken {at}" if at else ""
    if report.entries < entries:
        report.problem(f"entry {entries}: the checkpoint{taken} records {entries} entries, but the "
                       f"ledger now has only {report.entries}; entries were removed.", entries)
    elif report.watched_hash is None:
        report.problem(f"entry {entries}: the checkpoint{taken} ends at this entry, but the "
                       "ledger no longer holds it.", entries)
    elif report.watched_hash != head:
        report.problem(f"entry {entries}: the checkpoint{taken} records its hash as {head[:16]}…, "
                       f"but the ledger's history recomputes it as {report.watched_hash[:16]}…; "
                       f"entries up to {entries} were rewritten.", entries)
