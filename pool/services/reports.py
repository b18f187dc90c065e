"""`pool report balances|payables|statement`: what the ledger holds, for any role.

Balances come from the running balances of the party accounts; payables and statements from one
grouped query each over a year's postings. Amounts leave here as decimal strings with two places.
"""

from collections import defaultdict
from typing import Any

from pool.domain.accounts import FISCAL
from pool.domain.errors import InvalidInput
from pool.domain.money import format_amount
from pool.domain.months import format_month
from pool.domain.vocab import BOOKS
from pool.services import commands
from pool.services.facts import Rulesets
from pool.services.runtime import Runtime
from pool.store.models import Actor
from pool.store.uow import UnitOfWork


def _check_region(uow: UnitOfWork, region: str) -> None:
    if uow.regions.get(region) is None:
        raise InvalidInput(f"There is no region {region!r}; `pool region list` shows the codes.")


def balances(
    rt: Runtime, *, book: str | None = None, region: str | None = None, share: str | None = None
) -> list[dict[str, Any]]:
    """One row per party account: book, region, region_name, share, unit, amount."""
    if book is not None and book not in BOOKS:
        raise InvalidInput(f"There is no book {book!r}; the books are {', '.join(BOOKS)}.")

    def body(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
        if region is not None:
            _check_region(uow, region)
        rows = uow.reports.party_balances(book=book, region=region, share=share)
        return [
            {
                "book": b,
                "region": r,
                "region_name": name or r,
                "share": s,
                "unit": u,
                "amount": format_amount(balance),
            }
            for b, r, name, s, u, balance in rows
        ]

    return commands.read(rt, body)


def payables(rt: Runtime, year: int) -> list[dict[str, Any]]:
    """Fiscal book: per payer host, payee and unit, the amount owed by month posted, and total."""

    def body(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
        names = uow.regions.names()
        pairs: dict[tuple[str, str, str], dict[int, int]] = defaultdict(dict)
        for payer, payee, unit, through, amount in uow.reports.payables(year):
            pairs[(payer, payee, unit)][through] = int(amount)
        return [
            {
                "year": year,
                "payer": payer,
                "payer_name": names.get(payer, payer),
                "payee": payee,
                "payee_name": names.get(payee, payee),
                "unit": unit,
                "months": {format_month(m): format_amount(a) for m, a in sorted(months.items())},
                "total": format_amount(sum(months.values())),
            }
            for (payer, payee, unit), months in sorted(pairs.items())
        ]

    return commands.read(rt, body)


def statement(rt: Runtime, region: str, year: int, window: slice | None = None) -> dict[str, Any]:
    """A region's 对账单 for a year: per transfer and share what it received as origin (or city),
    kept as host, owes as host and is owed by hosts (fiscal book), with totals per book and unit.
    With `window` (a page of lines), only those lines are written out; `line_count` and the
    totals always cover them all."""

    def body(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
        _check_region(uow, region)
        names = uow.regions.names()
        city = uow.regions.city()
        party_role = "city" if city is not None and city.code == region else "origin"
        lines = []
        count = 0
        totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        rulesets = Rulesets(uow)
        labels: dict[tuple[int, str], str] = {}  # (ruleset version, share) -> what people call it
        for transfer, project, origin, host, share, book, unit, version, own, others in uow.reports.statement(
            region, year
        ):
            hosting = host == region
            fiscal = book == FISCAL
            amounts = [
                0 if hosting else int(own),
                int(own) if hosting else 0,
                int(others) if hosting and fiscal else 0,
                int(own) if fiscal and not hosting else 0,
            ]
            if not any(amounts):
                continue
            total = totals[(book, unit)]
            for i, value in enumerate(amounts):
                total[i] += value
            count += 1
            if window is not None and not window.start < count <= window.stop:
                continue
            lines.append(
                {
                    "transfer": transfer,
                    "project": project,
                    "from": origin,
                    "host": host,
                    "host_name": names.get(host, host),
                    "role": "host" if hosting else party_role,
                    "share": share,
                    "share_label": labels.get((version, share)) or _label(rulesets, labels, version, share),
                    "book": book,
                    "unit": unit,
                    **_amounts(amounts),
                }
            )
        return {
            "region": region,
            "region_name": names.get(region, region),
            "year": year,
            "lines": lines,
            "line_count": count,
            "totals": [
                {
                    "book": book,
                    "unit": unit,
                    **_amounts(t),
                    "net": format_amount(t[3] - t[2]) if book == FISCAL else None,
                }
                for (book, unit), t in sorted(totals.items(), key=_book_order)
            ],
        }

    return commands.read(rt, body)


def _label(rulesets: Rulesets, labels: dict[tuple[int, str], str], version: int, share: str) -> str:
    ruleset = rulesets.get(version)
    found = next((s for s in ruleset.shares if s.name == share), None)
    labels[(version, share)] = ruleset.label_of(found) if found is not None else share
    return labels[(version, share)]


def _amounts(values: list[int]) -> dict[str, str]:
    return dict(zip(("received", "kept", "owes", "owed"), (format_amount(v) for v in values)))


def _book_order(item: tuple[tuple[str, str], Any]) -> tuple[int, str]:
    (book, unit), _ = item
    return (BOOKS.index(book) if book in BOOKS else len(BOOKS), unit)
