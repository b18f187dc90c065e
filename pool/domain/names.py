"""Lead identity: the same investor and project name, however typed, is one lead."""

import unicodedata

from pool.domain.text import visible


def fold(text: str) -> str:
    """Drop invisible characters, fold full-width to half-width (NFKC), case-fold, trim and
    collapse inner whitespace."""
    folded = unicodedata.normalize("NFKC", visible(text))
    folded = unicodedata.normalize("NFKC", folded.casefold())
    return " ".join(folded.split())


def lead_key(investor: str, name: str) -> tuple[str, str]:
    """The key under which a lead is unique: (folded investor, folded project name)."""
    return fold(investor), fold(name)
