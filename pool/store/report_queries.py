"""Set-based reads behind the reports.

Balances read the running balances kept in `ledger_accounts`, never the postings, so they cost the
same whatever the ledger's size. Payables and statements aggregate postings in the database with
GROUP BY over one year's entries; Python only arranges the grouped rows.
"""

from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from pool.domain.accounts import SOURCE
from pool.store.ledger_tables import LedgerAccount, LedgerEntry, LedgerPosting
from pool.store.models import Project, Region, Transfer

FISCAL = "fiscal"


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
        """(payer, payee, unit, through, amount): fiscal postings to parties other than the host of
        the entry's transfer, summed per host, party, unit and posting month of `year`."""
        payer = Transfer.to_region.label("payer")
        stmt = (
            select(
                payer,
                LedgerAccount.region.label("payee"),
                LedgerAccount.unit,
                LedgerEntry.through,
                func.sum(LedgerPosting.amount).label("amount"),
            )
            .select_from(LedgerPosting)
            .join(LedgerEntry, LedgerEntry.seq == LedgerPosting.entry_seq)
            .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
            .join(Transfer, Transfer.id == LedgerEntry.transfer_id)
            .where(
                LedgerEntry.book == FISCAL,
                self._year(year),
                LedgerAccount.region != SOURCE,
                LedgerAccount.region != Transfer.to_region,
            )
            .group_by(Transfer.to_region, LedgerAccount.region, LedgerAccount.unit, LedgerEntry.through)
            .order_by(Transfer.to_region, LedgerAccount.region, LedgerAccount.unit, LedgerEntry.through)
        )
        return list(self.session.execute(stmt))

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
