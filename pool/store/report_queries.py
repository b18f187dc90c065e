"""Set-based reads behind the reports.

Balances and payables read the sums settlement keeps (`ledger_accounts.balance`, `payable_sums`),
never the postings, so they cost the same whatever the ledger's size; statements read the sums
kept per transfer, share, region and year (`position_years`) the same way.
"""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pool.domain.accounts import FISCAL, SOURCE
from pool.store import raw
from pool.store.ledger_tables import LedgerAccount, LedgerEntry, LedgerPosting, PayableSum, PositionYear
from pool.store.models import Project, Region, Transfer


class Reports:
    """The report queries, inside the caller's unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def party_balances(
        self, *, book: str | None = None, region: str | None = None, share: str | None = None
    ) -> list[Any]:
        """(book, region, region_name, share, unit, balance) of every party account, filtered."""
        stmt = (
            select(
                LedgerAccount.book,
                LedgerAccount.region,
                Region.name,
                LedgerAccount.share,
                LedgerAccount.unit,
                LedgerAccount.balance,
            )
            .outerjoin(Region, Region.code == LedgerAccount.region)
            .where(LedgerAccount.region != SOURCE)
            .order_by(LedgerAccount.book, LedgerAccount.region, LedgerAccount.share)
        )
        if book is not None:
            stmt = stmt.where(LedgerAccount.book == book)
        if region is not None:
            stmt = stmt.where(LedgerAccount.region == region)
        if share is not None:
            stmt = stmt.where(LedgerAccount.share == share)
        return list(self.session.execute(stmt))

    @staticmethod
    def _year(year: int) -> Any:
        return LedgerEntry.through.between(year * 12, year * 12 + 11)

    def payables(self, year: int) -> list[Any]:
        """(payer, payee, unit, through, amount) of `year`, as settlement keeps them."""
        stmt = (
            select(PayableSum.payer, PayableSum.payee, PayableSum.unit, PayableSum.through, PayableSum.amount)
            .where(PayableSum.through.between(year * 12, year * 12 + 11), PayableSum.amount != 0)
            .order_by(PayableSum.payer, PayableSum.payee, PayableSum.unit, PayableSum.through)
        )
        return list(self.session.execute(stmt))

    def kept_payables(self) -> dict[tuple[str, str, str, int], int]:
        """Every kept payable sum: (payer, payee, unit, through) -> amount."""
        stmt = select(
            PayableSum.payer, PayableSum.payee, PayableSum.unit, PayableSum.through, PayableSum.amount
        )
        return {(p, q, u, t): a for p, q, u, t, a in self.session.execute(stmt)}

    def posted_payables(self) -> dict[tuple[str, str, str, int], int]:
        """The same sums from the postings: fiscal postings to parties other than the host of the
        entry's transfer, per host, party, unit and settled month."""
        payer = Transfer.to_region.label("payer")
        stmt = (
            select(
                payer,
                LedgerAccount.region,
                LedgerAccount.unit,
                LedgerEntry.through,
                func.sum(LedgerPosting.amount),
            )
            .select_from(LedgerPosting)
            .join(LedgerEntry, LedgerEntry.seq == LedgerPosting.entry_seq)
            .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
            .join(Transfer, Transfer.id == LedgerEntry.transfer_id)
            .where(
                LedgerEntry.book == FISCAL,
                LedgerAccount.region != SOURCE,
                LedgerAccount.region != Transfer.to_region,
            )
            .group_by(Transfer.to_region, LedgerAccount.region, LedgerAccount.unit, LedgerEntry.through)
        )
        return {(p, q, u, t): int(a) for p, q, u, t, a in self.session.execute(stmt)}

    def statement(self, region: str, year: int) -> list[Any]:
        """Per transfer and share touching `region` in `year`: (transfer, project, from, host, share,
        book, unit, ruleset version id, own, others): `own` is what was posted to the region's
        account, `others` what was posted to parties other than the host (what a host owes them).
        Read from the sums kept per year (`position_years`): the region's own rows by index, then
        the other parties' rows of the transfers it hosts."""
        keys = (
            PositionYear.transfer_id,
            Project.code,
            Transfer.from_region,
            Transfer.to_region,
            PositionYear.share,
            PositionYear.book,
            PositionYear.region,
            Transfer.ruleset_version_id,
        )
        base = (
            select(*keys, PositionYear.amount)
            .join(Transfer, Transfer.id == PositionYear.transfer_id)
            .join(Project, Project.id == Transfer.project_id)
            .where(PositionYear.year == year)
        )
        own = base.where(PositionYear.region == region)
        hosted = base.where(  # driven by the hosted transfers' ids: the key's first column
            PositionYear.transfer_id.in_(select(Transfer.id).where(Transfer.to_region == region)),
            PositionYear.region != region,
            PositionYear.amount != 0,
        )
        units = {
            (b, r, s): u
            for b, r, s, u in self.session.execute(
                select(LedgerAccount.book, LedgerAccount.region, LedgerAccount.share, LedgerAccount.unit)
            )
        }
        sums: dict[tuple[Any, ...], list[int]] = {}
        for stmt in (own, hosted):
            for transfer, code, origin, host, share, book, party, version, amount in raw.stream(
                self.session, stmt
            ):
                key = (
                    transfer,
                    code,
                    origin,
                    host,
                    share,
                    book,
                    units.get((book, party, share), ""),
                    version,
                )
                line = sums.setdefault(key, [0, 0])
                if party == region:
                    line[0] += amount
                if party != host:
                    line[1] += amount
        ordered = sorted(sums.items(), key=lambda item: (item[0][0], item[0][5], item[0][4], item[0][6]))
        return [(*key, mine, theirs) for key, (mine, theirs) in ordered]
