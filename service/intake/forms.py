"""Reading submitted forms and bodies: text fields, uploads, and a cap on the body size.

The cap is checked from Content-Length before anything is parsed; under it, the per-file
limits give a message next to the field with everything else kept.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.datastructures import UploadFile

from service.config import Settings
from service.i18n import gettext as _
from service.web.errors import error_response

# Room for the text fields and multipart framing on top of the files themselves.
FIELDS_ALLOWANCE = 1024 * 1024


@dataclass
class Submitted:
    """One submitted form: the last value of each text field, and the non-empty file parts."""

    fields: dict[str, str] = field(default_factory=dict)
    uploads: list[tuple[str, BinaryIO]] = field(default_factory=list)


def body_cap(settings: Settings) -> int:
    """The largest body accepted: one file more than allowed, so "too many" gets a message."""
    return (settings.upload_max_files + 1) * settings.upload_max_bytes + FIELDS_ALLOWANCE


async def read_submitted(request: Request) -> Submitted:
    """The form as text fields and uploads (the parsed form is cached on the request)."""
    form = await request.form()
    submitted = Submitted()
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            # A file input left empty still sends a part with no name and no bytes.
            if value.filename or (value.size or 0) > 0:
                submitted.uploads.append((value.filename or "", value.file))
        else:
            submitted.fields[key] = value
    return submitted


class CappedBodyRoute(APIRoute):
    """Refuses a body larger than the upload cap before it is read, and one without a length."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def capped(request: Request) -> Response:
            if request.method in ("POST", "PUT", "PATCH"):
                declared = request.headers.get("content-length", "")
                chunked = "chunked" in request.headers.get("transfer-encoding", "").lower()
                if not declared.isdigit() and chunked:
                    return error_response(request, 411, _("Please send the length of the body."))
                if declared.isdigit() and int(declared) > body_cap(request.app.state.settings):
                    return error_response(
                        request,
                        413,
                        _("What you sent is too large. Please attach fewer or smaller files."),
                    )
            return await handler(request)

        return capped
