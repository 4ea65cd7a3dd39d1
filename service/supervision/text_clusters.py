"""Hot clusters of similar ticket texts: a scheduled run clusters the last seven days' tickets,
keeps the clusters that are rising, and stores them for the supervision pages to read.

The rule (settings CIVIC_TOPIC_CLUSTER_*): the tickets of the last seven days (not merged ones;
at most `max_tickets`, the most recent) are grouped by text similarity (clustering.groups). A
group is a hot cluster when it has at least `min_count` tickets from at least `min_requesters`
distinct requesters (a phone number or e-mail address; a ticket with neither counts as its own
requester) and it is rising: its size exceeds `rise` times its usual level, the average number
of tickets a week, over the `weeks - 1` weeks before, whose text is at least as similar to the
cluster's centroid as the clustering threshold. Each earlier week reads at most `max_tickets`
tickets too; a capped week's count is scaled up by its share read. The MAX_CLUSTERS largest
hot clusters are kept.

Clustering costs seconds to a minute at city scale, so pages never run it: they read the
small tables the job writes (text_cluster, text_cluster_ticket).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import scipy.sparse as sp
from sqlalchemy import Select, delete, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from service.config import Settings
from service.routing.classifier import normalise
from service.supervision import clustering
from service.supervision.models import TextCluster, TextClusterTicket
from service.tickets import pii
from service.tickets.models import Ticket
from service.tickets.states import Status

WEEK = timedelta(days=7)
BATCH = 2000  # earlier weeks are read and compared this many tickets at a time
EXAMPLES = 3
MAX_CLUSTERS = 50  # the page lists the largest; a city-wide week rarely has more


@dataclass(frozen=True)
class Rule:
    """The settings that decide what a hot cluster is."""

    weeks: int
    max_tickets: int
    similarity: float
    min_count: int
    min_requesters: int
    rise: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Rule:
        return cls(
            weeks=settings.topic_cluster_weeks,
            max_tickets=settings.topic_cluster_max_tickets,
            similarity=settings.topic_cluster_similarity,
            min_count=settings.topic_cluster_min_count,
            min_requesters=settings.topic_cluster_min_requesters,
            rise=settings.topic_cluster_rise,
        )


@dataclass(frozen=True)
class _Recent:
    id: int
    title: str  # normalised
    doc: str
    requester: str
    category_id: int | None
    district_id: int | None


def _tickets(start: datetime, end: datetime) -> Select[Any]:
    """Tickets filed in [start, end), newest first, with only the head of the description."""
    return (
        sa_select(
            col(Ticket.id),
            col(Ticket.title),
            func.substr(col(Ticket.description), 1, clustering.HEAD_CHARS),
            col(Ticket.requester_phone),
            col(Ticket.requester_email),
            col(Ticket.category_id),
            col(Ticket.district_id),
        )
        .where(
            col(Ticket.created_at) >= start,
            col(Ticket.created_at) < end,
            col(Ticket.status) != Status.MERGED.value,
        )
        .order_by(col(Ticket.created_at).desc(), col(Ticket.id).desc())
    )


def refresh(session: Session, now: datetime, rule: Rule) -> list[TextCluster]:
    """Replace the stored hot clusters with this run's, the MAX_CLUSTERS largest (idempotent:
    a second run at the same moment stores the same clusters). Flushes; the job commits."""
    rows = session.execute(_tickets(now - WEEK, now).limit(rule.max_tickets)).all()
    recent = [
        _Recent(
            id=int(r[0]),
            title=normalise(r[1]),
            doc=clustering.prepare(r[1], r[2] or ""),
            requester=r[3] or r[4] or f"#{r[0]}",
            category_id=r[5],
            district_id=r[6],
        )
        for r in rows
    ]
    labelled = [
        _label(now, [recent[i] for i in group], level, corpus)
        for group, level, corpus in _hot_groups(session, now, rule, recent)
    ]
    # Replaced only now, after the slow part: on SQLite a delete holds the write lock until
    # the job commits, and intake must not wait for the clustering.
    session.execute(delete(TextClusterTicket))
    session.execute(delete(TextCluster))
    for cluster, members in labelled:
        session.add(cluster)
        session.flush()
        session.add_all(
            TextClusterTicket(cluster_id=cluster.id, ticket_id=m.id)  # type: ignore[arg-type]
            for m in members
        )
    session.flush()
    return [cluster for cluster, _ in labelled]


def _hot_groups(
    session: Session, now: datetime, rule: Rule, recent: list[_Recent]
) -> list[tuple[list[int], float, clustering.Corpus]]:
    """The hot groups of the recent tickets, largest first, each with its usual level."""
    if len(recent) < rule.min_count:
        return []
    docs = [t.doc for t in recent]
    features, x = clustering.Features.fit(docs)
    candidates = [
        group
        for group in clustering.groups(x, rule.similarity)
        if len(group) >= rule.min_count
        and len({recent[i].requester for i in group}) >= rule.min_requesters
    ]
    if not candidates:
        return []
    usual = _usual_levels(session, now, rule, features, clustering.centroids(x, candidates))
    corpus = clustering.Corpus(docs, features, x)
    return [
        (group, level, corpus)
        for group, level in zip(candidates, usual, strict=True)
        if clustering.rising(len(group), level, rise=rule.rise)
    ][:MAX_CLUSTERS]  # groups come largest first


def _label(
    now: datetime, members: list[_Recent], level: float, corpus: clustering.Corpus
) -> tuple[TextCluster, list[_Recent]]:
    owners = [m.requester for m in members]
    terms = clustering.key_terms(
        [m.title for m in members], [m.doc for m in members], owners, corpus
    )
    cluster = TextCluster(
        computed_at=now,
        terms=" ".join(terms),
        size=len(members),
        usual=round(level, 2),
        requesters=len(set(owners)),
        districts=len({m.district_id for m in members if m.district_id is not None}),
        category_id=clustering.dominant([m.category_id for m in members]),
        district_id=clustering.dominant([m.district_id for m in members]),
    )
    return cluster, members


def _usual_levels(
    session: Session,
    now: datetime,
    rule: Rule,
    features: clustering.Features,
    centres: sp.csr_matrix,
) -> list[float]:
    """Per centroid, similar tickets a week on average over the weeks before the last seven
    days, read BATCH at a time (at most max_tickets a week, scaled when capped)."""
    totals = [0.0] * centres.shape[0]
    earlier = rule.weeks - 1
    for week in range(1, earlier + 1):
        end = now - week * WEEK
        start = end - WEEK
        query = _tickets(start, end)
        filed = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        read = 0
        counts = [0] * len(totals)
        for batch in _batches(session, query.limit(rule.max_tickets)):
            read += len(batch)
            x = features.transform(batch)
            similar = clustering.similar_counts(x, centres, rule.similarity)
            for i, n in enumerate(similar):
                counts[i] += int(n)
        scale = filed / read if read else 0.0
        for i, n in enumerate(counts):
            totals[i] += n * scale
    return [t / earlier for t in totals]


def _batches(session: Session, query: Select[Any]) -> Iterator[list[str]]:
    result = session.execute(query.execution_options(yield_per=BATCH))
    for part in result.partitions():
        yield [clustering.prepare(r[1], r[2] or "") for r in part]


def latest(session: Session) -> list[TextCluster]:
    """The stored hot clusters, largest first."""
    return list(
        session.exec(
            select(TextCluster).order_by(col(TextCluster.size).desc(), col(TextCluster.id))
        )
    )


@dataclass(frozen=True)
class Example:
    number: str
    title: str  # masked: long numbers and the requester's name


def examples(
    session: Session, cluster_ids: Sequence[int], *, per_cluster: int = EXAMPLES
) -> dict[int, list[Example]]:
    """The newest few tickets of each cluster, titles masked, in one query."""
    if not cluster_ids:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=col(TextClusterTicket.cluster_id),
            order_by=(col(Ticket.created_at).desc(), col(Ticket.id).desc()),
        )
        .label("rank")
    )
    ranked = (
        sa_select(
            col(TextClusterTicket.cluster_id),
            col(Ticket.number),
            col(Ticket.title),
            col(Ticket.requester_name),
            rank,
        )
        .join(Ticket, col(Ticket.id) == col(TextClusterTicket.ticket_id))
        .where(col(TextClusterTicket.cluster_id).in_(cluster_ids))
        .subquery()
    )
    rows = session.execute(
        sa_select(ranked.c.cluster_id, ranked.c.number, ranked.c.title, ranked.c.requester_name)
        .where(ranked.c.rank <= per_cluster)
        .order_by(ranked.c.cluster_id, ranked.c.rank)
    ).all()
    found: dict[int, list[Example]] = {}
    for cluster_id, number, title, name in rows:
        masked = pii.mask_text(title, names=[name] if name else [])
        found.setdefault(int(cluster_id), []).append(Example(number, masked))
    return found


def member_tickets(cluster_id: int) -> Any:
    """The tickets of a stored cluster, for the drill-down page to count and page through."""
    return (
        select(Ticket)
        .join(TextClusterTicket, col(TextClusterTicket.ticket_id) == col(Ticket.id))
        .where(col(TextClusterTicket.cluster_id) == cluster_id)
    )
