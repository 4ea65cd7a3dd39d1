"""Every message the code and templates show has its Chinese translation, and one English
message means one thing: the domain catalogues are merged, so a second, different translation
of the same message would be silently ignored."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from service.i18n import LOCALE_DIR

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
SOURCES = [
    ("service/**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/**.txt", "jinja2"),
]
JINJA = {"extensions": "jinja2.ext.i18n"}


def _used() -> dict[str, str]:
    """Each message in the code and templates, with where it was first seen."""
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT,
        SOURCES,
        options_map={"templates/**.html": JINJA, "templates/**.txt": JINJA},
        keywords=KEYWORDS,
    ):
        key = message if isinstance(message, str) else message[0]
        found.setdefault(key, f"{filename}:{lineno}")
    return found


def _catalogues() -> list[tuple[str, str, str]]:
    """(file, English, Chinese) for every translated message in the zh_CN catalogues."""
    rows = []
    for po_path in sorted((LOCALE_DIR / "zh_CN" / "LC_MESSAGES").glob("*.po")):
        with po_path.open("rb") as handle:
            for message in read_po(handle, locale="zh_CN"):
                if message.id and message.string:
                    key = message.id if isinstance(message.id, str) else message.id[0]
                    rows.append((po_path.name, key, str(message.string)))
    return rows


def test_every_message_shown_has_a_chinese_translation() -> None:
    used = _used()
    assert len(used) > 500  # the extraction really read the code and templates
    translated = {key for _file, key, _zh in _catalogues()}
    missing = {key: where for key, where in used.items() if key not in translated}
    assert missing == {}


def test_one_english_message_has_one_chinese_translation() -> None:
    first: dict[str, tuple[str, str]] = {}
    conflicts = []
    for file, key, zh in _catalogues():
        if key in first and first[key][1] != zh:
            conflicts.append((key, first[key], (file, zh)))
        first.setdefault(key, (file, zh))
    assert conflicts == []
