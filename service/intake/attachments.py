"""Uploads are judged by their bytes, photos are re-encoded without metadata, files are stored
content-addressed outside static/ and served only as downloads.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from fastapi import HTTPException
from fastapi.responses import FileResponse
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlmodel import Session, col, select

from service import clock
from service.i18n import gettext as _
from service.intake.models import Attachment
from service.tickets.models import ActorKind, Ticket, Visibility

# kind → (content type, file extension, Pillow format name or None for documents)
KINDS: dict[str, tuple[str, str, str | None]] = {
    "jpeg": ("image/jpeg", ".jpg", "JPEG"),
    "png": ("image/png", ".png", "PNG"),
    "webp": ("image/webp", ".webp", "WEBP"),
    "pdf": ("application/pdf", ".pdf", None),
}
# A phone photo is about 12-50 megapixels; anything far beyond is a decompression bomb.
MAX_PIXELS = 80_000_000
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\"<>:|?*;\\/]")


class UploadRejected(Exception):
    """A file that cannot be accepted; `status` is 413 (too large) or 415 (wrong type)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class CleanFile:
    """An accepted upload: sniffed type, metadata-free bytes, and a safe download name."""

    data: bytes
    content_type: str
    filename: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def sniff(data: bytes) -> str | None:
    """The allowed kind these bytes start with (magic numbers), whatever the file is called."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"%PDF-"):
        return "pdf"
    return None


def safe_filename(original: str, extension: str) -> str:
    """The base name without path or control characters, with the extension of the real type."""
    base = (original or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE_NAME.sub("", base).strip(". ")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return (stem[:80].strip() or "attachment") + extension


def _reencode(data: bytes, pillow_format: str, shown_name: str) -> bytes:
    """Decode the whole image and write its pixels again, so EXIF, GPS and XMP do not survive."""
    unreadable = UploadRejected(
        415, _("“%(name)s” could not be read as an image.") % {"name": shown_name}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            image = Image.open(io.BytesIO(data))
            if image.format != pillow_format:
                raise unreadable
            if image.width * image.height > MAX_PIXELS:
                raise UploadRejected(
                    413, _("“%(name)s” has too many pixels.") % {"name": shown_name}
                )
            image.load()
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise UploadRejected(
                413, _("“%(name)s” has too many pixels.") % {"name": shown_name}
            ) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
            raise unreadable from exc
    # The orientation lives in the EXIF block that is dropped, so apply it to the pixels first.
    upright = ImageOps.exif_transpose(image)
    clean = upright.copy()
    transparency = clean.info.get("transparency")
    clean.info = {} if transparency is None else {"transparency": transparency}
    if pillow_format == "JPEG" and clean.mode not in ("RGB", "L", "CMYK"):
        clean = clean.convert("RGB")
    out = io.BytesIO()
    options: dict[str, object] = {"quality": 90} if pillow_format in ("JPEG", "WEBP") else {}
    clean.save(out, pillow_format, **options)
    return out.getvalue()


def inspect(filename: str, data: bytes, *, max_bytes: int) -> CleanFile:
    """Accept a JPEG, PNG, WebP or PDF of at most max_bytes, or raise UploadRejected."""
    shown = safe_filename(filename, "") or "attachment"
    if len(data) > max_bytes:
        raise UploadRejected(
            413,
            _("“%(name)s” is larger than %(limit)s MB.")
            % {"name": shown, "limit": _megabytes(max_bytes)},
        )
    kind = sniff(data)
    if kind is None:
        raise UploadRejected(
            415,
            _("“%(name)s” is not a photo (JPEG, PNG, WebP) or a PDF document.") % {"name": shown},
        )
    content_type, extension, pillow_format = KINDS[kind]
    if pillow_format is not None:
        data = _reencode(data, pillow_format, shown)
    return CleanFile(
        data=data,
        content_type=content_type,
        filename=safe_filename(filename, extension),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def read_uploads(
    uploads: list[tuple[str, BinaryIO]], *, max_files: int, max_bytes: int
) -> list[CleanFile]:
    """Check each (name, stream) upload; reads at most max_bytes + 1 bytes of each."""
    if len(uploads) > max_files:
        raise UploadRejected(413, _("Please attach at most %(n)s files.") % {"n": max_files})
    return [
        inspect(name, stream.read(max_bytes + 1), max_bytes=max_bytes) for name, stream in uploads
    ]


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def stored_path(data_dir: Path, sha256: str) -> Path:
    """Where the bytes with this hash live (two directory levels keep directories small)."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("not a sha256 hex digest")
    return data_dir / "attachments" / sha256[:2] / sha256[2:4] / sha256


def store(data_dir: Path, clean: CleanFile) -> Path:
    """Write the bytes once under their hash; the same photo uploaded twice is stored once.

    Files are written before the transaction commits; a rolled-back request leaves an
    unreferenced file that a clean-up can remove, never a row without its file.
    """
    path = stored_path(data_dir, clean.sha256)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(clean.data)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return path


def attach(
    session: Session,
    data_dir: Path,
    ticket: Ticket,
    files: list[CleanFile],
    *,
    event_id: int | None,
    uploaded_by: ActorKind,
    visibility: Visibility = Visibility.PUBLIC,
) -> list[Attachment]:
    """Store the files and link them to the ticket and the event that brought them."""
    assert ticket.id is not None
    rows = []
    for clean in files:
        store(data_dir, clean)
        row = Attachment(
            ticket_id=ticket.id,
            event_id=event_id,
            sha256=clean.sha256,
            content_type=clean.content_type,
            size=clean.size,
            filename=clean.filename,
            visibility=visibility,
            uploaded_by=uploaded_by,
            created_at=clock.now(),
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def public_attachments(session: Session, ticket_id: int) -> list[Attachment]:
    """The files the citizen may see on their ticket, oldest first."""
    return list(
        session.exec(
            select(Attachment)
            .where(Attachment.ticket_id == ticket_id, Attachment.visibility == Visibility.PUBLIC)
            .order_by(col(Attachment.created_at), col(Attachment.id))
        )
    )


def download(data_dir: Path, attachment: Attachment) -> FileResponse:
    """Always a download with the sniffed type, never rendered inline by the browser."""
    path = stored_path(data_dir, attachment.sha256)
    if not path.is_file():
        raise HTTPException(status_code=404, detail="Not found")
    return FileResponse(
        path,
        media_type=attachment.content_type,
        filename=attachment.filename,
        content_disposition_type="attachment",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
