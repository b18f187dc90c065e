"""The pages' languages: Chinese, the language the templates are written in, and English from the
gettext catalogue `locale/en/LC_MESSAGES/messages.po` (read and compiled in memory at start-up, so
there is no build step and no compiled file to keep in step). Templates and code mark text with
`_()`; `pybabel extract -F babel.cfg` collects it."""

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
LOCALES = {"zh_CN": "中文", "en": "English"}
DEFAULT = "zh_CN"


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The catalogue of `locale`; Chinese is the source language and needs none."""
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT or not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def gettext_for(locale: str) -> "gettext.NullTranslations":
    return translations(locale if locale in LOCALES else DEFAULT)
