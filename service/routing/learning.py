"""Learned suggestions: train the classifier on the city's closed tickets, store it, use it.

Labels are the unit that finally handled a ticket (its lead unit at closure). A city with no
history gets a bootstrap model trained from category names and synonyms → default unit; it
knows only what the catalogue says, and its suggestions are marked as such.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from service import clock
from service.catalogue import service as catalogue
from service.catalogue.models import Category
from service.places.models import Unit
from service.routing.models import StoredModel
from service.tickets.models import Ticket
from service.tickets.states import CloseReason, Status

if TYPE_CHECKING:
    from service.routing.classifier import RoutingModel

MIN_SAMPLES = 20  # fewer closed tickets than this teaches nothing worth trusting
_cache: dict[int, RoutingModel] = {}


@dataclass(frozen=True)
class Suggestion:
    unit_code: str
    score: float


class NotEnoughDataError(ValueError):
    """Too few labelled examples to train on."""


def ticket_text(title: str, description: str, request_text: str = "") -> str:
    return "\n".join(p for p in (title, description, request_text) if p)


def closed_examples(session: Session, *, limit: int | None = None) -> tuple[list[str], list[str]]:
    """Texts and final lead-unit codes of resolved closed tickets, newest first."""
    query = (
        select(Ticket.title, Ticket.description, Ticket.request_text, Unit.code)
        .join(Unit, col(Unit.id) == Ticket.lead_unit_id)
        .where(Ticket.status == Status.CLOSED, Ticket.close_reason == CloseReason.RESOLVED)
        .order_by(col(Ticket.closed_at).desc())
    )
    if limit:
        query = query.limit(limit)
    texts: list[str] = []
    labels: list[str] = []
    for title, description, request_text, unit_code in session.exec(query):
        texts.append(ticket_text(title, description, request_text))
        labels.append(unit_code)
    return texts, labels


def bootstrap_examples(session: Session) -> tuple[list[str], list[str]]:
    """Each category's path names and synonyms, labelled with its (inherited) default unit."""
    version = catalogue.current_version(session)
    if version is None:
        return [], []
    rows = list(session.exec(select(Category).where(Category.tree_version == version)))
    by_id = {c.id: c for c in rows}
    units = {u.id: u.code for u in session.exec(select(Unit))}
    texts: list[str] = []
    labels: list[str] = []
    for category in rows:
        path: list[str] = []
        unit_id: int | None = None
        node: Category | None = category
        while node is not None:
            path.append(node.name_zh)
            unit_id = unit_id or node.default_unit_id
            node = by_id.get(node.parent_id) if node.parent_id else None
        if unit_id is None or unit_id not in units:
            continue
        synonyms = [s for s in category.synonyms.split("|") if s]
        for text in [" ".join(reversed(path)), category.name_zh, *synonyms]:
            texts.append(text)
            labels.append(units[unit_id])
    return texts, labels


def store(
    session: Session, model: RoutingModel, *, n_samples: int, source: str, metrics: dict[str, Any]
) -> StoredModel:
    """Save a trained model as the next version."""
    latest = session.exec(select(func.max(StoredModel.version))).one()
    row = StoredModel(
        version=(latest or 0) + 1,
        trained_at=clock.now(),
        n_samples=n_samples,
        classes=sorted(set(model.classes)),
        blob=model.dumps(),
        metrics=metrics,
        source=source,
    )
    session.add(row)
    session.flush()
    return row


def train(session: Session, *, bootstrap_if_empty: bool = True) -> StoredModel:
    """Train on closed tickets; with too few of them, fall back to the catalogue bootstrap."""
    texts, labels = closed_examples(session)
    source = "closed_tickets"
    if len(texts) < MIN_SAMPLES or len(set(labels)) < 2:
        if not bootstrap_if_empty:
            raise NotEnoughDataError(f"only {len(texts)} resolved closed tickets with a lead unit")
        texts, labels = bootstrap_examples(session)
        source = "bootstrap"
    if len(set(labels)) < 2:
        raise NotEnoughDataError("fewer than two units to tell apart; load the catalogue first")
    from service.routing.classifier import RoutingModel  # scikit-learn loads only when needed

    model = RoutingModel()
    model.train(texts, labels)
    metrics = {"n_classes": len(set(labels))}
    return store(session, model, n_samples=len(texts), source=source, metrics=metrics)


def latest(session: Session) -> StoredModel | None:
    return session.exec(select(StoredModel).order_by(col(StoredModel.version).desc())).first()


def load(row: StoredModel) -> RoutingModel:
    """The classifier of a stored row, unpickled once per version per process."""
    from service.routing.classifier import RoutingModel

    cached = _cache.get(row.version)
    if cached is None:
        cached = RoutingModel.loads(row.blob)
        _cache.clear()  # one model in use at a time; old versions need not stay in memory
        _cache[row.version] = cached
    return cached


def latest_version(session: Session) -> int | None:
    """The newest model's version, read without its blob (filings ask this every time)."""
    return session.exec(select(func.max(col(StoredModel.version)))).one()


def current_model(session: Session) -> tuple[int | None, RoutingModel | None]:
    """The newest model, unpickled once per version per process; the blob is read only then."""
    version = latest_version(session)
    if version is None:
        return None, None
    cached = _cache.get(version)
    if cached is None:
        row = session.exec(select(StoredModel).where(StoredModel.version == version)).one()
        cached = load(row)
    return version, cached


def suggest(session: Session, text: str, *, k: int = 3) -> tuple[int | None, list[Suggestion]]:
    """The newest model's top-k units for a text, or (None, []) before any model exists."""
    version, model = current_model(session)
    if model is None or not text.strip():
        return version, []
    found = model.suggest(text, k=k)
    return version, [Suggestion(s.label, float(s.score)) for s in found]


def as_json(suggestions: Sequence[Suggestion]) -> list[dict[str, Any]]:
    return [{"unit": s.unit_code, "score": round(s.score, 4)} for s in suggestions]
