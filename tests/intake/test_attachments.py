"""Uploads (pure): type by content, limits, metadata stripped, safe names, content-addressed."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from service.intake.attachments import UploadRejected, inspect, read_uploads, safe_filename, sniff, store, stored_path
from tests.intake.helpers import photo_bytes

LIMIT = 5 * 1024 * 1024


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (photo_bytes(fmt="JPEG"), "jpeg"),
        (photo_bytes(fmt="PNG", gps=False), "png"),
        (photo_bytes(fmt="WEBP"), "webp"),
        (b"%PDF-1.7\n", "pdf"),
        (b"GIF89a", None),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        (b"<!doctype html><script>", None),
        (b"MZ\x90\x00", None),
    ],
)
def test_type_comes_from_the_bytes(data: bytes, kind: str | None) -> None:
    assert sniff(data) == kind


def test_a_name_does_not_make_a_type() -> None:
    with pytest.raises(UploadRejected) as rejected:
        inspect("photo.jpg", b"<html><script>alert(1)</script></html>", max_bytes=LIMIT)
    assert rejected.value.status == 415
    pdf = inspect("evil.html", b"%PDF-1.4\n%%EOF\n", max_bytes=LIMIT)
    assert pdf.content_type == "application/pdf" and pdf.filename == "evil.pdf"


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "PNG"])
def test_photos_lose_exif_and_gps(fmt: str) -> None:
    original = photo_bytes(fmt=fmt, gps=fmt != "PNG")
    if fmt == "PNG":  # PNG keeps EXIF in an eXIf chunk
        image, out = Image.new("RGB", (20, 20)), BytesIO()
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (40.0, 39.0, 27.0)}
        image.save(out, "PNG", exif=exif.tobytes())
        original = out.getvalue()
    assert dict(Image.open(BytesIO(original)).getexif())
    clean = inspect("p", original, max_bytes=LIMIT)
    reopened = Image.open(BytesIO(clean.data))
    assert reopened.format == fmt and not dict(reopened.getexif())
    assert "exif" not in reopened.info and "xmp" not in reopened.info


def test_the_orientation_is_kept_in_the_pixels() -> None:
    image, out = Image.new("RGB", (40, 20)), BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° on display
    image.save(out, "JPEG", exif=exif.tobytes())
    clean = inspect("p.jpg", out.getvalue(), max_bytes=LIMIT)
    assert Image.open(BytesIO(clean.data)).size == (20, 40)


def test_a_truncated_image_is_refused() -> None:
    with pytest.raises(UploadRejected) as rejected:
        inspect("p.jpg", photo_bytes()[:200], max_bytes=LIMIT)
    assert rejected.value.status == 415


def test_too_many_pixels_is_refused() -> None:
    out = BytesIO()
    Image.new("1", (10_000, 9_000)).save(out, "PNG")
    with pytest.raises(UploadRejected) as rejected:
        inspect("bomb.png", out.getvalue(), max_bytes=LIMIT)
    assert rejected.value.status == 413


def test_size_and_count_limits() -> None:
    with pytest.raises(UploadRejected) as rejected:
        inspect("big.pdf", b"%PDF-" + b"0" * 100, max_bytes=50)
    assert rejected.value.status == 413 and "big" in rejected.value.message
    streams = [(f"{i}.pdf", BytesIO(b"%PDF-1.4")) for i in range(3)]
    with pytest.raises(UploadRejected):
        read_uploads(streams, max_files=2, max_bytes=LIMIT)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd.jpg", "passwd.jpg"),
        ("C:\\Users\\me\\照片.JPG", "照片.jpg"),
        ('a"b<c>.png', "abc.jpg"),
        ("", "attachment.jpg"),
        ("x\r\nContent-Type: text/html", "html.jpg"),
        ("x\r\nContent-Type; evil", "xContent-Type evil.jpg"),
    ],
)
def test_download_names_are_safe(name: str, safe: str) -> None:
    assert safe_filename(name, ".jpg") == safe


def test_files_are_stored_once_by_hash(tmp_path: Path) -> None:
    clean = inspect("a.pdf", b"%PDF-1.4\nsame\n", max_bytes=LIMIT)
    first = store(tmp_path, clean)
    again = store(tmp_path, clean)
    assert first == again == stored_path(tmp_path, clean.sha256)
    assert first.read_bytes() == clean.data
    with pytest.raises(ValueError):
        stored_path(tmp_path, "../../etc/passwd")
