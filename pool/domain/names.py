"""Lead identity: the same investor and project name, however typed, is one lead."""

import re
import unicodedata

from pool.domain.text import visible


def fold(text: str) -> str:
    """Drop invisible characters, fold full-width to half-width (NFKC), case-fold, trim and
    collapse inner whitespace."""
    folded = unicodedata.normalize("NFKC", visible(text))
    folded = unicodedata.normalize("NFKC", folded.casefold())
    return " ".join(folded.split())


# Legal forms that say nothing about who the company is, stripped from the end of an investor's
# name (repeatedly: 股份有限公司 is 股份 + 有限公司), longest first; and bracketed asides such as
# (中国) or (集团), full-width brackets included (fold makes them half-width).
COMPANY_SUFFIXES = (
    "有限责任公司",
    "有限公司",
    "股份公司",
    "总公司",
    "公司",
    "集团",
    "股份",
    "co.,ltd.",
    "co.,ltd",
    "co.ltd.",
    "co.ltd",
    "corporation",
    "company",
    "limited",
    "group",
    "corp.",
    "corp",
    "ltd.",
    "ltd",
    "inc.",
    "inc",
    "co.",
)
_ASIDE = re.compile(r"[(\[【][^()\[\]【】]{0,12}[)\]】]")
_SEPARATORS = re.compile(r"[\s,，.、·\-]+$")


def fold_company(text: str) -> str:
    """An investor's name folded as `fold` does, without bracketed asides, spaces and the legal
    forms at its end: 金钼股份有限公司, 金钼股份 and 金钼股份(中国)有限公司 are one investor. A name is
    never folded to nothing."""
    folded = fold(text)
    core = _ASIDE.sub("", folded).replace(" ", "")
    changed = True
    while changed:
        changed = False
        core = _SEPARATORS.sub("", core)
        for suffix in COMPANY_SUFFIXES:
            if core.endswith(suffix) and len(core) > len(suffix):
                core, changed = core[: -len(suffix)], True
                break
    return core or folded


def lead_key(investor: str, name: str) -> tuple[str, str]:
    """The key under which a lead is unique: (folded investor, folded project name)."""
    return fold_company(investor), fold(name)
