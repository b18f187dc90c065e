"""Turn the engine's targets into ledger appends: deltas, balanced entries, hash chain, balances.

Entries, postings and the new posted positions go out in batches through the driver (multi-row
INSERTs on SQLite, COPY on PostgreSQL); the balances of the accounts touched are updated at the
end, all in the same transaction.
"""

from collections import defaultdict

from pool.domain.accounts import FISCAL, split_account
from pool.domain.errors import InvalidInput
from pool.domain.money import LEDGER_MAX, format_amount
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
        self.new_accounts: dict[str, str] = {}  # name -> unit, created at the next flush
        self.balance: dict[str, int] = defaultdict(int)  # account name -> change
        self.entry_rows: list[tuple[object, ...]] = []
        self.posting_rows: list[tuple[int, str, int]] = []
        self.changed: list[tuple[PositionKey, int]] = []
        self.yearly: list[tuple[int, str, str, int, str, int]] = []  # posted within the run's year
        self.payable: dict[tuple[str, str, str], int] = defaultdict(int)  # (payer, payee, unit) -> change
        self.entries = self.postings = 0

    def post(
        self,
        targets: list[Target],
        posted: dict[PositionKey, int],
        units: dict[tuple[str, str], str],
        hosts: dict[int, str],
    ) -> None:
        """Post target − posted for one project's transfers. `units` maps (book, share) -> unit,
        `hosts` each transfer to its host (who owes the fiscal book's other parties)."""
        wanted = {(t.transfer, t.share, t.book, t.region): t.amount for t in targets}
        for (transfer, share, _book, region), amount in wanted.items():
            _check(amount, f"transfer {transfer}'s {share} for {region}")
        changes = deltas(wanted, posted)
        if not changes:
            return
        self.changed.extend((key, wanted.get(key, 0)) for key in changes)
        year = self.through // 12
        for (transfer, share, book, region), delta in changes.items():
            self.yearly.append((transfer, share, region, year, book, delta))
            host = hosts[transfer]
            if book == FISCAL and region != host:
                self.payable[(host, region, units.get((book, share), "CNY"))] += delta
        for draft in drafts(changes):
            self.seq += 1
            prev, self.prev = (
                self.prev,
                entry_hash(
                    self.prev,
                    self.seq,
                    self.run_id,
                    self.period,
                    draft.transfer,
                    draft.share,
                    draft.book,
                    draft.postings,
                ),
            )
            self.entry_rows.append(
                (
                    self.seq,
                    self.run_id,
                    draft.transfer,
                    draft.share,
                    draft.book,
                    self.through,
                    prev,
                    self.prev,
                )
            )
            for account, amount in draft.postings:
                if account not in self.accounts and account not in self.new_accounts:
                    self.new_accounts[account] = units.get((draft.book, draft.share), "CNY")
                self.posting_rows.append((self.seq, account, amount))
                self.balance[account] += amount
            self.entries += 1
            self.postings += len(draft.postings)
        if len(self.posting_rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.new_accounts:
            self.ledger.add_accounts(
                [
                    {"name": name, "book": book, "region": region, "share": share, "unit": unit}
                    for name, unit in self.new_accounts.items()
                    for book, region, share in [split_account(name)]
                ]
            )
            self.accounts = self.ledger.accounts()
            self.new_accounts = {}
        ids = self.accounts
        self.ledger.add_entries(self.entry_rows, [(seq, ids[a], v) for seq, a, v in self.posting_rows])
        self.ledger.set_positions(self.changed)
        self.ledger.add_to_years(self.yearly)
        self.entry_rows, self.posting_rows, self.changed, self.yearly = [], [], [], []

    def finish(self) -> None:
        self.flush()
        changes = {self.accounts[a]: d for a, d in self.balance.items()}
        names = {i: a for a, i in self.accounts.items()}
        for account, before in self.ledger.balances_of(list(changes)).items():
            _check(before + changes[account], f"the balance of {names[account]}")
        self.ledger.add_to_balances(changes)
        self.ledger.add_to_payables([(*key, self.through, d) for key, d in self.payable.items() if d])


def _check(amount: int, what: str) -> None:
    """Refuse, with a sentence, an amount the database cannot hold (a settlement run is then
    refused whole: nothing is posted)."""
    if not -LEDGER_MAX <= amount <= LEDGER_MAX:
        raise InvalidInput(
            f"Settling would make {what} {format_amount(amount)}, beyond the "
            f"{format_amount(LEDGER_MAX)} the ledger can hold; check the actuals behind it."
        )
