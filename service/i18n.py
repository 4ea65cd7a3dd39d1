"""Chinese (zh-CN) by default, English on request, from Babel .po catalogues read at start-up."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
LOCALE_DIR = Path(__file__).parent / "locale"
# Source strings are English, so English needs no catalogue.
_catalogues: dict[str, NullTranslations] = {}
_current: ContextVar[str] = ContextVar("locale", default=DEFAULT_LOCALE)


def load_catalogues() -> None:
    """Compile each locale's .po files in memory, so no generated .mo lives in the repository.

    Each domain keeps its own .po file (portal.po, staff.po, ...) in LC_MESSAGES; they are
    merged into one catalogue, so two features never edit the same file.
    """
    for locale in LOCALES:
        merged = None
        for po_path in sorted((LOCALE_DIR / locale / "LC_MESSAGES").glob("*.po")):
            with po_path.open("rb") as handle:
                catalog = read_po(handle, locale=locale)
            if merged is None:
                merged = catalog
                continue
            for message in catalog:
                if message.id and message.id not in merged:
                    merged[message.id] = message
        if merged is None:
            _catalogues[locale] = NullTranslations()
            continue
        buffer = io.BytesIO()
        write_mo(buffer, merged, use_fuzzy=False)
        buffer.seek(0)
        _catalogues[locale] = Translations(fp=buffer)


def negotiate(requested: str | None, accept_language: str | None) -> str:
    """An explicit choice wins; then the browser's language if we have it; then Chinese."""
    if requested in LOCALES:
        return requested
    if requested and requested.lower().startswith("zh"):
        return "zh_CN"
    if requested and requested.lower().startswith("en"):
        return "en"
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LOCALE


def current_locale() -> str:
    return _current.get()


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Translate with this locale for the duration of the block (one request)."""
    token = _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)
    try:
        yield
    finally:
        _current.reset(token)


def _translations() -> NullTranslations:
    if not _catalogues:
        load_catalogues()
    return _catalogues.get(_current.get(), NullTranslations())


def gettext(message: str) -> str:
    """The message in the current locale."""
    return _translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural message in the current locale."""
    return _translations().ngettext(singular, plural, n)


def localized_name(zh: str, en: str) -> str:
    """Reference data carries both names; pick the one for the current locale."""
    return en if _current.get() == "en" and en else zh
