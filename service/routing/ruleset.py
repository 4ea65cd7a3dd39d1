"""The dispatch catalogue as stored: one draft is edited, publishing freezes it as a new version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from service import clock
from service.auth.models import User
from service.catalogue.models import Category
from service.places.models import Area, Unit, UnitClass
from service.routing import rules
from service.routing.models import RoutingRule, RuleSet, RuleSetStatus
from service.sla.policies import PolicyError, parse_duration
from service.tickets.models import Ticket, TicketType, Urgency

RULE_FIELDS = (
    "name",
    "category_prefix",
    "district_code",
    "street_code",
    "ticket_type",
    "keywords",
    "lead_unit_code",
    "assisting_unit_codes",
    "urgency",
    "handling_override",
)
MAX_REPLAY_DAYS = 90


class RuleSetError(ValueError):
    """The catalogue cannot change this way (no draft, or the rule is in a published set)."""


def published(session: Session) -> RuleSet | None:
    """The rule set in use."""
    return session.exec(select(RuleSet).where(RuleSet.status == RuleSetStatus.PUBLISHED)).first()


def draft(session: Session) -> RuleSet | None:
    """The one rule set being edited, if any."""
    return session.exec(select(RuleSet).where(RuleSet.status == RuleSetStatus.DRAFT)).first()


def rules_of(session: Session, rule_set_id: int) -> list[RoutingRule]:
    """A set's rules in evaluation order."""
    return list(
        session.exec(
            select(RoutingRule)
            .where(RoutingRule.rule_set_id == rule_set_id)
            .order_by(col(RoutingRule.position), col(RoutingRule.id))
        )
    )


def as_rule(row: RoutingRule) -> rules.Rule:
    return rules.Rule(
        id=row.id or 0,
        name=row.name,
        lead_unit=row.lead_unit_code,
        category_prefix=row.category_prefix,
        district=row.district_code,
        street=row.street_code,
        ticket_type=row.ticket_type,
        keywords=rules.split_list(row.keywords),
        assisting=rules.split_list(row.assisting_unit_codes),
        urgency=row.urgency,
        handling_override=row.handling_override,
    )


def pure_rules(session: Session, rule_set: RuleSet | None) -> list[rules.Rule]:
    return [as_rule(r) for r in rules_of(session, rule_set.id)] if rule_set and rule_set.id else []


def street_offices(session: Session, *, street: str | None = None) -> dict[str, str]:
    """Street area code → its street office's unit code (street offices are coded S-<street>).

    With `street`, only that street's entry (routing one ticket needs no more).
    """
    areas = select(Area.code)
    offices = select(Unit.code).where(Unit.unit_class == UnitClass.STREET_OFFICE, Unit.active)
    if street is not None:
        areas = areas.where(Area.code == street)
        offices = offices.where(Unit.code == f"S-{street}")
    codes = set(session.exec(areas))
    return {
        code[2:]: code
        for code in session.exec(offices)
        if code.startswith("S-") and code[2:] in codes
    }


def category_defaults(session: Session) -> dict[int, str]:
    """Category id → the unit code of its default unit, inherited from the nearest ancestor."""
    units = {u.id: u.code for u in session.exec(select(Unit))}
    rows = {c.id: (c.parent_id, c.default_unit_id) for c in session.exec(select(Category)) if c.id}
    result: dict[int, str] = {}
    for category_id in rows:
        node: int | None = category_id
        while node is not None and node in rows:
            parent_id, unit_id = rows[node]
            if unit_id in units:
                result[category_id] = units[unit_id]
                break
            node = parent_id
    return result


def start_draft(session: Session, *, user: User | None) -> RuleSet:
    """A draft that starts as a copy of the published rules (or empty before any publication)."""
    existing = draft(session)
    if existing is not None:
        return existing
    new = RuleSet(
        status=RuleSetStatus.DRAFT,
        created_at=clock.now(),
        created_by_id=user.id if user else None,
    )
    session.add(new)
    session.flush()
    assert new.id is not None
    current = published(session)
    for row in rules_of(session, current.id) if current and current.id else []:
        values = {name: getattr(row, name) for name in RULE_FIELDS}
        session.add(RoutingRule(rule_set_id=new.id, position=row.position, **values))
    session.flush()
    return new


def check_fields(session: Session, fields: Mapping[str, str]) -> dict[str, str]:
    """Field → message for every value that would make a broken rule."""
    errors: dict[str, str] = {}
    if not fields.get("name", "").strip():
        errors["name"] = "Give the rule a name."
    prefix = fields.get("category_prefix", "").strip()
    if (
        prefix
        and not session.exec(
            select(Category.id).where(
                (col(Category.code) == prefix) | col(Category.code).startswith(prefix + ".")
            )
        ).first()
    ):
        errors["category_prefix"] = "No category has this code or starts with it."
    areas = {a.code: a.level.value for a in session.exec(select(Area))}
    district = fields.get("district_code", "").strip()
    if district and areas.get(district) != "district":
        errors["district_code"] = "No district has this code."
    street = fields.get("street_code", "").strip()
    if street and areas.get(street) != "street":
        errors["street_code"] = "No street has this code."
    ticket_type = fields.get("ticket_type", "").strip()
    if ticket_type and ticket_type not in {t.value for t in TicketType}:
        errors["ticket_type"] = "Choose a ticket type from the list."
    units = set(session.exec(select(Unit.code).where(Unit.active)))
    lead = fields.get("lead_unit_code", "").strip()
    if not lead:
        errors["lead_unit_code"] = "Choose the lead unit."
    elif lead not in (rules.STREET_OFFICE, rules.CATEGORY_DEFAULT) and lead not in units:
        errors["lead_unit_code"] = "No active unit has this code."
    unknown = [
        c for c in rules.split_list(fields.get("assisting_unit_codes", "")) if c not in units
    ]
    if unknown:
        errors["assisting_unit_codes"] = "Unknown unit codes: " + ", ".join(unknown)
    urgency = fields.get("urgency", "").strip()
    if urgency and urgency not in {u.value for u in Urgency}:
        errors["urgency"] = "Choose an urgency from the list."
    override = fields.get("handling_override", "").strip()
    if override:
        try:
            parse_duration(override)
        except PolicyError:
            errors["handling_override"] = "Write a duration like 5wd, 8wh or 24h."
    return errors


def _editable(session: Session, rule: RoutingRule) -> RuleSet:
    owner = session.get(RuleSet, rule.rule_set_id)
    if owner is None or owner.status is not RuleSetStatus.DRAFT:
        raise RuleSetError("only rules of the draft can change; published rules are frozen")
    return owner


def save_rule(
    session: Session, rule_set: RuleSet, fields: Mapping[str, str], rule: RoutingRule | None = None
) -> RoutingRule:
    """Add a rule at the end of the draft, or change one of its rules (fields already checked)."""
    if rule_set.status is not RuleSetStatus.DRAFT:
        raise RuleSetError("only the draft can change")
    values = {name: fields.get(name, "").strip() for name in RULE_FIELDS}
    values["keywords"] = "|".join(rules.split_list(values["keywords"]))
    values["assisting_unit_codes"] = "|".join(rules.split_list(values["assisting_unit_codes"]))
    if rule is None:
        last = session.exec(
            select(func.max(RoutingRule.position)).where(RoutingRule.rule_set_id == rule_set.id)
        ).one()
        assert rule_set.id is not None
        rule = RoutingRule(
            rule_set_id=rule_set.id,
            position=(last or 0) + 1,
            name=values["name"],
            lead_unit_code=values["lead_unit_code"],
        )
        for name, value in values.items():
            setattr(rule, name, value)
        session.add(rule)
    else:
        _editable(session, rule)
        for name, value in values.items():
            setattr(rule, name, value)
    session.flush()
    return rule


def move_rule(session: Session, rule: RoutingRule, *, up: bool) -> None:
    """Swap a draft rule with its neighbour; order decides which rule fires."""
    owner = _editable(session, rule)
    assert owner.id is not None
    ordered = rules_of(session, owner.id)
    index = next(i for i, r in enumerate(ordered) if r.id == rule.id)
    other = index - 1 if up else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, row in enumerate(ordered, start=1):
        row.position = position
    session.flush()


def delete_rule(session: Session, rule: RoutingRule) -> None:
    _editable(session, rule)
    session.delete(rule)
    session.flush()


def publish(session: Session, rule_set: RuleSet, *, user: User | None, note: str = "") -> RuleSet:
    """The draft becomes the next version; the previous one is retired but kept for old tickets."""
    if rule_set.status is not RuleSetStatus.DRAFT:
        raise RuleSetError("only a draft can be published")
    previous = published(session)
    if previous is not None:
        previous.status = RuleSetStatus.RETIRED
        session.flush()
    latest = session.exec(select(func.max(RuleSet.version))).one()
    rule_set.version = (latest or 0) + 1
    rule_set.status = RuleSetStatus.PUBLISHED
    rule_set.published_at = clock.now()
    rule_set.published_by_id = user.id if user else None
    rule_set.note = note.strip()[:200]
    session.flush()
    return rule_set


@dataclass(frozen=True)
class ReplayExample:
    number: str
    title: str
    current: str  # unit code or ""
    proposed: str  # unit code or "" when no rule fires
    rule: str


@dataclass
class ReplayResult:
    days: int
    total: int = 0
    changed: int = 0
    unmatched: int = 0
    examples: list[ReplayExample] = field(default_factory=list)


def replay(
    session: Session,
    rule_set: RuleSet,
    *,
    days: int,
    now: datetime | None = None,
    examples: int = 20,
) -> ReplayResult:
    """Run a rule set over the tickets of the last N days: how many would go to another unit.

    Only tickets that reached a lead unit are compared; one query streams their facts.
    """
    days = max(1, min(days, MAX_REPLAY_DAYS))
    since = (now or clock.now()) - timedelta(days=days)
    catalogue = pure_rules(session, rule_set)
    offices = street_offices(session)
    defaults = category_defaults(session)
    district, street = aliased(Area), aliased(Area)
    query: Any = (
        select(  # type: ignore[call-overload]
            Ticket.number,
            Ticket.title,
            Ticket.description,
            Ticket.request_text,
            Ticket.type,
            Ticket.category_id,
            Category.code,
            district.code,
            street.code,
            Unit.code,
        )
        .join(Category, col(Category.id) == Ticket.category_id, isouter=True)
        .join(district, col(district.id) == Ticket.district_id, isouter=True)
        .join(street, col(street.id) == Ticket.street_id, isouter=True)
        .join(Unit, col(Unit.id) == Ticket.lead_unit_id)
        .where(Ticket.created_at >= since)
        .order_by(col(Ticket.created_at).desc())
        .execution_options(yield_per=1000)
    )
    result = ReplayResult(days=days)
    for row in session.exec(query):
        number, title, description, request, ttype, cat_id, cat, dist, str_, unit = row
        facts = rules.Facts(
            category=cat or "",
            district=dist or "",
            street=str_ or "",
            ticket_type=ttype.value,
            text=" ".join((title, description, request)),
            category_default=defaults.get(cat_id, "") if cat_id else "",
        )
        fired = rules.evaluate(catalogue, facts, offices).fired
        result.total += 1
        proposed = fired.lead_unit if fired and fired.lead_unit else ""
        if not fired:
            result.unmatched += 1
        if proposed and proposed != unit:
            result.changed += 1
            if len(result.examples) < examples:
                result.examples.append(
                    ReplayExample(number, title, unit, proposed, fired.rule.name if fired else "")
                )
    return result
