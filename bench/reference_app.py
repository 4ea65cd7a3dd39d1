"""The intake benchmark's reference: the same web stack, an endpoint that only inserts one row.

The service's own app (create_app: its middleware, error handlers, engine with the same pool,
pragmas and writer queue, sync handlers in the same thread pool, served by uvicorn with the
same workers) with one extra route that INSERTs one row of a complaint's size and commits.
`python -m bench.intake` serves it beside the service; what the service does beyond this is
the cost of filing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, insert
from sqlalchemy.engine import Engine

from service.app import create_app
from service.config import load_settings
from service.deps import SessionDep

# Its own metadata: the table lives only in the benchmark's throwaway database, never in the
# service's schema or its migrations.
metadata = MetaData()
reference_row = Table(
    "bench_reference_row",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("category", String(64), nullable=False),
    Column("district", String(16), nullable=False),
    Column("street", String(16), nullable=False),
    Column("title", String(120), nullable=False),
    Column("description", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def create_table(engine: Engine) -> None:
    """Make the reference table (the benchmark calls this before the server starts)."""
    metadata.create_all(engine)


def reference_app() -> FastAPI:
    """The service's app with POST /bench/reference added."""
    app = create_app(load_settings())

    @app.post("/bench/reference", status_code=201)
    def insert_one(body: dict[str, Any], session: SessionDep) -> Any:
        """One row of a complaint's size, committed; answers its id."""
        row_id = session.execute(
            insert(reference_row)
            .values(
                category=str(body.get("category", ""))[:64],
                district=str(body.get("district", ""))[:16],
                street=str(body.get("street", ""))[:16],
                title=str(body.get("title", ""))[:120],
                description=str(body.get("description", "")),
                created_at=datetime.now(UTC),
            )
            .returning(reference_row.c.id)
        ).scalar_one()
        session.commit()
        return JSONResponse({"id": row_id}, status_code=201)

    return app


app = reference_app()
