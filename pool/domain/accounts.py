"""Ledger account names: one party account per (book, region, share), one source per (book, share)."""

SOURCE = "@source"
# the book of money owed between counties: what its other parties get, the host owes them
FISCAL = "fiscal"


def party_account(book: str, region: str, share: str) -> str:
    return f"{book}:{region}:{share}"


def source_account(book: str, share: str) -> str:
    """The account each entry of a share balances against: the shared base itself."""
    return f"{book}:{SOURCE}:{share}"


def split_account(name: str) -> tuple[str, str, str]:
    """(book, region or @source, share) of an account name."""
    book, region, share = name.split(":", 2)
    return book, region, share
