"""Lead identity (SPEC §3): the same investor and project name, however typed, is one lead."""

import unicodedata


def fold(text: str) -> str:
    """Trim, fold full-width to half-width (NFKC), case-fold, and collapse inner whitespace."""
    folded = unicodedata.normalize("NFKC", text)
    folded = unicodedata.normalize("NFKC", folded.casefold())
    return " ".join(folded.split())


def lead_key(investor: str, name: str) -> tuple[str, str]:
    """The key under which a lead is unique: (folded investor, folded project name)."""
    return fold(investor), fold(name)
