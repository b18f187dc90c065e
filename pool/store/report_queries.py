"""Set-based reads behind the reports.

Balances and payables read the sums settlement keeps (`ledger_accounts.balance`, `payable_sums`),
never the postings, so they cost the same whatever the ledger's size. Statements aggregate
postings in the database with GROUP BY over one year's entries; Python only arranges the grouped
rows.
"""

from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from pool.domain.accounts import FISCAL, SOURCE
from pool.store.ledger_tables import LedgerAccount, LedgerEntry, LedgerPosting, PayableSum
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
        book, unit, own, others): `own` is what was posted to the region's account, `others` what was
        posted to parties other than the host (what a host owes them)."""
        own = func.sum(case((LedgerAccount.region == region, LedgerPosting.amount), else_=0))
        others = func.sum(case((LedgerAccount.region != Transfer.to_region, LedgerPosting.amount), else_=0))
        stmt = (
            select(
                LedgerEntry.transfer_id,
                Project.code,
                Transfer.from_region,
                Transfer.to_region,
                LedgerEntry.share,
                LedgerEntry.book,
                LedgerAccount.unit,
                own.label("own"),
                others.label("others"),
            )
            .select_from(LedgerPosting)
            .join(LedgerEntry, LedgerEntry.seq == LedgerPosting.entry_seq)
            .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
            .join(Transfer, Transfer.id == LedgerEntry.transfer_id)
            .join(Project, Project.id == Transfer.project_id)
            .where(
                self._year(year),
                LedgerAccount.region != SOURCE,
                or_(LedgerAccount.region == region, Transfer.to_region == region),
            )
            .group_by(
                LedgerEntry.transfer_id,
                Project.code,
                Transfer.from_region,
                Transfer.to_region,
                LedgerEntry.share,
                LedgerEntry.book,
                LedgerAccount.unit,
            )
            .order_by(LedgerEntry.transfer_id, LedgerEntry.book, LedgerEntry.share)
        )
        return list(self.session.execute(stmt))
