"""Turn the engine's targets into ledger appends: deltas, balanced entries, hash chain, balances.

Writes go out in batches with Core executemany; the balances of the accounts touched and the
posted positions are updated in the same transaction.
"""

from collections import defaultdict

from pool.domain.accounts import split_account
from pool.domain.months import format_month
from pool.ledger.entries import GENESIS, deltas, drafts, entry_hash
from pool.rules.facts import Target
from pool.store.ledger_store import Ledger, PositionKey

BATCH = 20_000


class EntryWriter:
    """Appends the entries of one settlement run."""

    def __init__(self, ledger: Ledger, run_id: int, through: int) -> None:
        self.ledger = ledger
        self.run_id = run_id
        self.through = through
        self.period = format_month(through)
        self.seq, head = ledger.head()
        self.prev = head or GENESIS
        self.accounts = ledger.accounts()
        self.balance: dict[int, int] = defaultdict(int)
        self.entry_rows: list[tuple[object, ...]] = []
        self.posting_rows: list[tuple[int, int, int]] = []
        self.changed: list[tuple[PositionKey, int]] = []
        self.entries = self.postings = 0

    def post(self, targets: list[Target], posted: dict[PositionKey, int], units: dict[str, str]) -> None:
        """Post target − posted for one project's transfers. `units` maps share -> unit."""
        wanted = {(t.transfer, t.share, t.book, t.region): t.amount for t in targets}
        changes = deltas(wanted, posted)
        if not changes:
            return
        for key in changes:
            self.changed.append((key, wanted.get(key, 0)))
        for draft in drafts(changes):
            self._ensure_accounts([a for a, _ in draft.postings], units)
            self.seq += 1
            prev, self.prev = self.prev, entry_hash(self.prev, self.seq, self.run_id, self.period,
                                                    draft.transfer, draft.share, draft.book, draft.postings)
            self.entry_rows.append((self.seq, self.run_id, draft.transfer, draft.share, draft.book,
                                    self.through, prev, self.prev))
            for account, amount in draft.postings:
                account_id = self.accounts[account]
                self.posting_rows.append((self.seq, account_id, amount))
                self.balance[account_id] += amount
            self.entries += 1
            self.postings += len(draft.postings)
        if len(self.posting_rows) >= BATCH:
            self.flush()

    def _ensure_accounts(self, names: list[str], units: dict[str, str]) -> None:
        missing = [n for n in names if n not in self.accounts]
        if not missing:
            return
        rows = []
        for name in missing:
            book, region, share = split_account(name)
            rows.append({"name": name, "book": book, "region": region, "share": share,
                         "unit": units.get(share, "CNY")})
        self.ledger.add_accounts(rows)
        self.accounts = self.ledger.accounts()

    def flush(self) -> None:
        self.ledger.add_entries(self.entry_rows, self.posting_rows)
        self.entry_rows, self.posting_rows = [], []

    def finish(self) -> None:
        self.flush()
        self.ledger.add_to_balances(self.balance)
        self.ledger.set_positions(self.changed)
