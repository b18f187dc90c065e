"""Entries from target deltas, and the hash chain that makes the ledger tamper-evident.

An entry moves one share of one transfer by the difference between its cumulative targets and
what is already posted. Its postings sum to zero: each party account gets its
delta and the share's source account takes the opposite of their sum. Each entry's hash covers its
content and the previous entry's hash.
"""

import hashlib
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from pool.domain.accounts import party_account, source_account

GENESIS = "0" * 64


class EntryDraft(NamedTuple):
    """An entry before it has a place in the chain."""

    transfer: int
    share: str
    book: str
    postings: tuple[tuple[str, int], ...]  # (account, amount in minor units), sorted by account


def deltas(
    targets: Mapping[tuple[int, str, str, str], int], posted: Mapping[tuple[int, str, str, str], int]
) -> dict[tuple[int, str, str, str], int]:
    """target − posted for every (transfer, share, book, region) where they differ."""
    out = {}
    for key in targets.keys() | posted.keys():
        delta = targets.get(key, 0) - posted.get(key, 0)
        if delta:
            out[key] = delta
    return out


def drafts(changes: Mapping[tuple[int, str, str, str], int]) -> list[EntryDraft]:
    """One balanced entry per (transfer, share) with changed parties, in a stable order."""
    grouped: dict[tuple[int, str, str], list[tuple[str, int]]] = {}
    for (transfer, share, book, region), delta in changes.items():
        grouped.setdefault((transfer, share, book), []).append((party_account(book, region, share), delta))
    out = []
    for (transfer, share, book), postings in sorted(grouped.items()):
        total = sum(amount for _, amount in postings)
        if total:
            postings.append((source_account(book, share), -total))
        out.append(EntryDraft(transfer, share, book, tuple(sorted(postings))))
    return out


def entry_hash(
    prev_hash: str,
    seq: int,
    run: int,
    period: str,
    transfer: int,
    share: str,
    book: str,
    postings: Iterable[tuple[str, int]],
) -> str:
    """SHA-256 over the previous hash and the entry's content, in a canonical text form."""
    body = "\n".join(f"{account}={amount}" for account, amount in sorted(postings))
    text = f"{prev_hash}\n{seq}\n{run}\n{period}\n{transfer}\n{share}\n{book}\n{body}"
    return hashlib.sha256(text.encode()).hexdigest()


def balanced(postings: Iterable[tuple[str, int]]) -> bool:
    return sum(amount for _, amount in postings) == 0
