"""Published is published: pages show a published period's frozen figures, mark where live
data now differs ("revised", with the difference), and a correction is a new version whose
changed figures go into the revisions ledger with its reason."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from sqlmodel import Session, col, select

from service.i18n import gettext as _
from service.supervision import metrics
from service.supervision.metrics import CallbackRow, Dimension, WorkflowRow
from service.supervision.models import ReportRevision, ReportSnapshot

# Keys of the content that are not figures: the ledger itself, and intervals (derived from
# counts that are compared anyway).
NOT_FIGURES = frozenset({"revisions", "intervals"})
# The field that names a list item, so a figure keeps its path when the list is reordered.
ITEM_KEYS = ("unit", "tag", "category", "ticket", "month", "week")
IDS = (Dimension.UNIT, Dimension.DISTRICT, Dimension.STREET, Dimension.CATEGORY)


def flatten(content: Any, prefix: str = "") -> dict[str, float]:
    """Every number in a report by its path (totals.satisfaction, leagues.departments.M-A.rank)."""
    out: dict[str, float] = {}
    if isinstance(content, bool | int | float) and not isinstance(content, str):
        out[prefix] = float(content)
    elif isinstance(content, dict):
        for key, value in content.items():
            if key not in NOT_FIGURES:
                out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(content, list):
        for i, item in enumerate(content):
            name = next(
                (str(item[k]) for k in ITEM_KEYS if isinstance(item, dict) and k in item), str(i)
            )
            out.update(flatten(item, f"{prefix}.{name}"))
    return out


Change = tuple[str, float | None, float | None]


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """(figure, before, after) for every figure the new version changed, added or dropped."""
    old, new = flatten(before), flatten(after)
    return [
        (path, old.get(path), new.get(path))
        for path in sorted(old.keys() | new.keys())
        if old.get(path) != new.get(path)
    ]


def record(
    session: Session,
    snapshot: ReportSnapshot,
    previous: ReportSnapshot,
    rows: list[tuple[str, float | None, float | None]],
) -> list[ReportRevision]:
    """The ledger rows of one correction: each changed figure with the version's reason."""
    assert snapshot.id is not None
    made = [
        ReportRevision(
            snapshot_id=snapshot.id,
            period=snapshot.period,
            version=snapshot.version,
            previous_version=previous.version,
            figure=path[:200],
            before=old,
            after=new,
            reason=snapshot.reason,
            revised_at=snapshot.published_at,
            revised_by=snapshot.published_by,
        )
        for path, old, new in rows
    ]
    session.add_all(made)
    session.flush()
    return made


def ledger(session: Session, *, periods: list[str] | None = None) -> list[ReportRevision]:
    """Every revision of a published figure, newest period and version first."""
    query = select(ReportRevision)
    if periods is not None:
        query = query.where(col(ReportRevision.period).in_(periods))
    return list(
        session.exec(
            query.order_by(
                col(ReportRevision.period).desc(),
                col(ReportRevision.version).desc(),
                col(ReportRevision.figure),
            )
        )
    )


def as_entries(rows: list[ReportRevision]) -> list[dict[str, Any]]:
    """Ledger rows as report content (plain data, hashed with the report)."""
    return [
        {
            "period": r.period,
            "version": r.version,
            "previous_version": r.previous_version,
            "figure": r.figure,
            "before": r.before,
            "after": r.after,
            "reason": r.reason,
            "revised_at": r.revised_at.isoformat(),
        }
        for r in rows
    ]


def latest(session: Session, period: str) -> ReportSnapshot | None:
    """The version of a period that pages show: the newest."""
    return session.exec(
        select(ReportSnapshot)
        .where(ReportSnapshot.period == period)
        .order_by(col(ReportSnapshot.version).desc())
    ).first()


def latest_of(session: Session, periods: list[str]) -> dict[str, ReportSnapshot]:
    """The newest version of each of these periods that has been published, in one query."""
    rows = session.exec(
        select(ReportSnapshot)
        .where(col(ReportSnapshot.period).in_(periods))
        .order_by(col(ReportSnapshot.period), col(ReportSnapshot.version))
    ).all()
    return {r.period: r for r in rows}  # later versions overwrite earlier ones


def content_of(snapshot: ReportSnapshot) -> dict[str, Any]:
    return json.loads(snapshot.content)  # type: ignore[no-any-return]


# --- figures frozen per dimension, so every breakdown of a published month stays put ------


def key_text(key: Any) -> str:
    """A group key as JSON object keys are: text, '' for no district/street/category."""
    return "" if key is None else str(key)


def key_value(dimension: Dimension, text: str) -> Any:
    """A stored key back as the live rows carry it (ids are integers, tags text)."""
    if dimension in IDS:
        return int(text) if text else None
    return text


def counts_of(row: Any) -> dict[str, int]:
    """A row's counts by field name (new fields from other metrics arrive on their own)."""
    return {f.name: int(getattr(row, f.name)) for f in fields(row) if f.name != "key"}


def rebuild_callbacks(dimension: Dimension, stored: dict[str, dict[str, int]]) -> list[CallbackRow]:
    return [_rebuild(CallbackRow, key_value(dimension, k), v) for k, v in stored.items()]


def rebuild_workflow(dimension: Dimension, stored: dict[str, dict[str, int]]) -> list[WorkflowRow]:
    return [_rebuild(WorkflowRow, key_value(dimension, k), v) for k, v in stored.items()]


def _rebuild(kind: Any, key: Any, counts: dict[str, int]) -> Any:
    # A field added after the month was published reads 0 rather than failing the page.
    names = [f.name for f in fields(kind) if f.name != "key"]
    return kind(key, *(int(counts.get(n, 0)) for n in names))


@dataclass(frozen=True)
class Drift:
    """Live minus published for one group: counts and the rates (fractions) they give."""

    live: CallbackRow
    answered: int
    response: float | None
    resolution: float | None
    satisfaction: float | None


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def callback_drift(
    published: list[CallbackRow], live: list[CallbackRow], w: metrics.Weights
) -> dict[Any, Drift]:
    """Groups whose live counts differ from the published ones (absent counts as zero)."""
    before = {r.key: r for r in published}
    after = {r.key: r for r in live}
    out: dict[Any, Drift] = {}
    for key in [*after, *(k for k in before if k not in after)]:
        now = after.get(key) or CallbackRow(key, 0, 0, 0, 0, 0, 0)
        then = before.get(key) or CallbackRow(key, 0, 0, 0, 0, 0, 0)
        if counts_of(now) == counts_of(then):
            continue
        out[key] = Drift(
            live=now,
            answered=now.answered - then.answered,
            response=_minus(now.response(), then.response()),
            resolution=_minus(now.resolution(w), then.resolution(w)),
            satisfaction=_minus(now.satisfaction(w), then.satisfaction(w)),
        )
    return out


def workflow_drift(
    published: list[WorkflowRow], live: list[WorkflowRow]
) -> dict[Any, tuple[WorkflowRow, float | None]]:
    """Groups whose live workflow counts differ: the live row and the on-time closure change."""
    before = {r.key: r for r in published}
    after = {r.key: r for r in live}
    out: dict[Any, tuple[WorkflowRow, float | None]] = {}
    for key in before.keys() | after.keys():
        then = before.get(key)
        # A group whose work orders all left it (re-categorised, excluded) reads zero live.
        now = after.get(key) or _rebuild(WorkflowRow, key, {})
        if then is not None and counts_of(then) == counts_of(now):
            continue
        change = _minus(now.on_time_closure(), then.on_time_closure() if then else None)
        out[key] = (now, change)
    return out


@dataclass(frozen=True)
class Published:
    """What a page shows for a published period: the snapshot and its frozen figures."""

    snapshot: ReportSnapshot
    content: dict[str, Any]

    def callbacks(self, dimension: Dimension) -> list[CallbackRow] | None:
        stored = self.content.get("figures", {}).get("callbacks", {}).get(dimension.value)
        return None if stored is None else rebuild_callbacks(dimension, stored)

    def workflow(self, dimension: Dimension) -> list[WorkflowRow] | None:
        stored = self.content.get("figures", {}).get("workflow", {}).get(dimension.value)
        return None if stored is None else rebuild_workflow(dimension, stored)


def published(session: Session, period: str) -> Published | None:
    snapshot = latest(session, period)
    return None if snapshot is None else Published(snapshot, content_of(snapshot))


# --- the ledger in words ---------------------------------------------------------------

RATES = frozenset(
    {
        "response",
        "resolution",
        "satisfaction",
        "on_time_sign_for",
        "on_time_closure",
        "return_rate",
        "reopen_rate",
        "extension_rate",
        "per_10k",
    }
)


def _words() -> dict[str, str]:
    return {
        "totals": _("City totals"),
        "leagues": _("Leagues"),
        "workflow": _("Workflow"),
        "figures": _("Breakdowns"),
        "callbacks": _("Callbacks"),
        "vulnerable": _("Complaints per 10,000 residents"),
        "top_categories": _("Top categories"),
        "topics": _("Monthly topic"),
        "city": _("Whole city"),
        "units": _("Units"),
        "unit": _("Unit"),
        "district": _("District"),
        "street": _("Street"),
        "category": _("Category"),
        "tag": _("Tag"),
        "tickets": _("Tickets"),
        "answered": _("Answered callbacks"),
        "contacted": _("Contacted (yes)"),
        "resolved": _("Resolved"),
        "partly": _("Partly resolved"),
        "satisfied": _("Satisfied"),
        "basically": _("Basically satisfied"),
        "response": _("Response rate"),
        "resolution": _("Resolution rate"),
        "satisfaction": _("Satisfaction rate"),
        "composite": _("Composite"),
        "rank": _("Rank"),
        "change": _("Change"),
        "red_flag": _("Flag"),
        "work_orders": _("Work orders"),
        "on_time_sign_for": _("On-time sign-for"),
        "on_time_closure": _("On-time closure"),
        "returned": _("Returns"),
        "reopened": _("Re-handled"),
        "extended": _("Extensions asked"),
        "return_rate": _("Return rate"),
        "reopen_rate": _("Re-handling rate"),
        "extension_rate": _("Extension rate"),
        "complaints": _("Complaints"),
        "per_10k": _("Per 10,000 residents"),
    }


def describe(figure: str) -> str:
    """A ledger figure's path in the page's language (codes and keys as they are)."""
    words = _words()
    return " · ".join(words.get(part, part) for part in figure.split("."))


def shown(figure: str, value: float | None) -> str:
    """A ledger value as the report shows it: rates in per cent, counts whole."""
    if value is None:
        return "—"
    last = figure.rsplit(".", 1)[-1]
    if last in RATES and last != "per_10k":
        return f"{100 * value:.1f}%"
    return f"{value:g}"
