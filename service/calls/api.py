"""POST /api/v1/calls: the telephony system's call records (one object, an array, or NDJSON)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from service import clock
from service.auth.deps import ApiKeyDep
from service.calls import readers
from service.calls import service as calls
from service.deps import SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["calls"])

_KINDS = {
    "application/json": "json",
    "application/x-ndjson": "ndjson",
    "application/jsonl": "ndjson",
    "application/json-seq": "ndjson",
    "text/csv": "csv",
}


@router.post(
    "/calls",
    summary="Send call records (idempotent on call_id)",
    responses={
        200: {"description": "Summary: inserted, duplicates, invalid rows with line and error"},
        401: {"description": "Missing or unknown API key"},
        413: {"description": "Body too large"},
        415: {"description": "Not JSON, NDJSON or CSV"},
        422: {"description": "Every record was invalid"},
    },
)
async def post_calls(
    request: Request, session: SessionDep, settings: SettingsDep, key: ApiKeyDep
) -> JSONResponse:
    """A record sent twice changes nothing; one bad record is reported and the rest are stored.

    Body: a JSON object or array (`application/json`), JSON lines (`application/x-ndjson`) or
    CSV with a header (`text/csv`). Invalid records are listed by line (NDJSON, CSV) or by
    position in the array (JSON, from 1).
    """
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > settings.calls_api_max_bytes:
        raise HTTPException(status_code=413, detail="The body is too large; send smaller batches.")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    kind = _KINDS.get(media)
    if kind is None:
        raise HTTPException(
            status_code=415,
            detail="Send application/json, application/x-ndjson or text/csv.",
        )
    body = await request.body()
    if len(body) > settings.calls_api_max_bytes:
        raise HTTPException(status_code=413, detail="The body is too large; send smaller batches.")
    try:
        text = body.decode("utf-8-sig")
        records = list(readers.from_text(text, kind))
    except UnicodeDecodeError as exc:
        raise HTTPException(status_code=400, detail="The body is not UTF-8 text.") from exc
    except readers.FormatError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    if not records:
        raise HTTPException(status_code=400, detail="The body holds no call records.")
    summary = calls.import_records(session, records, tz=settings.tz)
    key.last_used_at = clock.now()
    session.add(key)
    session.commit()
    content: dict[str, Any] = summary.as_dict()
    all_invalid = len(summary.invalid) == len(records)
    if all_invalid:
        content["detail"] = "No record was valid; nothing was stored."
    return JSONResponse(content, status_code=422 if all_invalid else 200)
