"""The catalogue: every text the pages mark has an English translation, with the same
placeholders, and the English pages show no Chinese of their own."""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "pool" / "web" / "locale" / "en" / "LC_MESSAGES" / "messages.po"
METHODS = [("pool/web/**.py", "python"), ("pool/web/templates/**.html", "jinja2")]
OPTIONS = {"pool/web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def _marked() -> set[str]:
    found = extract_from_dir(ROOT, METHODS, OPTIONS, keywords={"_": None, "N_": None, "gettext": None})
    return {message if isinstance(message, str) else message[0] for _, _, message, _, _ in found}


def test_every_marked_text_has_an_english_translation_with_the_same_placeholders() -> None:
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    marked = _marked()
    assert len(marked) > 200
    missing = sorted(m for m in marked if not (catalog.get(m) and catalog.get(m).string))
    assert missing == []
    for text in marked:
        english = catalog.get(text).string
        assert sorted(re.findall(r"%\(\w+\)s", text)) == sorted(re.findall(r"%\(\w+\)s", english)), text
        assert not re.search(r"[\u4e00-\u9fff]", english), english


def test_every_page_title_is_text() -> None:
    """A page's title block holds words, never markup (which a browser tab would show as text)."""
    for template in sorted((ROOT / "pool" / "web" / "templates").glob("*.html")):
        for title in re.findall(r"{% block title %}(.*?){% endblock %}", template.read_text(), re.S):
            assert "<" not in title and "\n" not in title, template.name
