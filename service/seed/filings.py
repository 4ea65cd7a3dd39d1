"""Who files what, where and when in the generated history, and how each filing is made.

Complaints come in on the portal, the API and the hotline in the proportions of a city
hotline: about half by phone (some answered on the spot from the knowledge base, a few
transferred to 110/120/122, repeat calls merged into the caller's open ticket), the rest
online. Each is filed through the channel's own intake function, which routes it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from service import clock
from service.catalogue import knowledge
from service.catalogue import service as catalogue
from service.intake import hotline_service as hotline
from service.intake import service as intake
from service.intake.schemas import parse_complaint
from service.places.models import Area, AreaLevel
from service.seed import phrases, workflow
from service.tickets.models import Channel, Ticket
from service.tickets.states import Status

if TYPE_CHECKING:
    from service.seed.activity import World

BUSY_STREETS = 3
# A later call is merged only into a ticket still being worked on.
MERGEABLE = frozenset(
    {
        Status.PENDING_DISPATCH,
        Status.PENDING_SIGN_FOR,
        Status.HANDLING,
        Status.RETURN_REQUESTED,
        Status.REPLY_REVIEW,
        Status.PENDING_CALLBACK,
    }
)


@dataclass(frozen=True)
class _Places:
    streets: list[Area]
    district_of: dict[int, Area]
    busy: list[Area]


def _places(session: Session, rng: random.Random) -> _Places:
    areas = list(session.exec(select(Area).order_by(col(Area.code))))
    by_id = {a.id: a for a in areas}
    streets = [a for a in areas if a.level is AreaLevel.STREET and a.parent_id in by_id]
    district_of = {s.id: by_id[s.parent_id] for s in streets if s.id and s.parent_id}
    # Street order gathers in a few busy streets of the most populous districts, so their
    # offices reach a ranked sample.
    districts = sorted(
        {d.id: d for d in district_of.values()}.values(), key=lambda d: (-d.population, d.code)
    )[:4]
    central = [s for s in streets if district_of[s.id or 0] in districts]
    busy = rng.sample(central or streets, k=min(BUSY_STREETS, len(central or streets)))
    return _Places(streets, district_of, busy)


def plan(world: World, total: int) -> None:
    """Put `total` filings on the agenda, weekdays busier, plus this week's heating surge."""
    known = {c.code for c in catalogue.list_categories(world.session)}
    themes = [t for t in phrases.THEMES if t.category in known]
    if not themes:
        from service.seed.activity import ActivityError

        raise ActivityError("none of the demo themes' categories exist in the category tree")
    places = _places(world.session, world.rng)
    rng = world.rng
    days = [world.start + timedelta(days=i) for i in range((world.end - world.start).days + 1)]
    # Weekdays busier than weekends, and the city a little busier towards the end.
    weights = [
        (1.15 if d.weekday() < 5 else 0.7) * (0.85 + 0.3 * i / len(days))
        for i, d in enumerate(days)
    ]
    surge = max(0, total // 100) if total >= 200 else 0
    chosen = rng.choices(days, weights=weights, k=total - surge)
    for n, day in enumerate(chosen):
        moment = day + timedelta(minutes=rng.randrange(7 * 60, 22 * 60))
        theme = rng.choices(themes, weights=[t.weight for t in themes])[0]
        street = (
            rng.choice(places.busy)
            if theme.by_street and rng.random() < 0.85
            else rng.choice(places.streets)
        )
        world.at(moment, _filing(world, theme, street, places, person=n))
    _plan_surge(world, places, surge, themes, first_person=total)


def _plan_surge(
    world: World, places: _Places, count: int, themes: list[phrases.Theme], first_person: int
) -> None:
    """One district's heating fails this week: a hot topic with similar texts."""
    theme = next((t for t in themes if t.category == "HO.HEATING.OUTAGE"), None)
    if theme is None or count == 0:
        return
    rng = world.rng
    street = rng.choice(places.busy)
    week_start = world.end.astimezone(world.tz).replace(hour=0, minute=0, second=0)
    week_start -= timedelta(days=week_start.weekday())
    begin = max(week_start, world.end - timedelta(days=5))
    span = max(1, int((world.end - begin).total_seconds() // 60) - 1)
    for i in range(count):
        moment = begin + timedelta(minutes=rng.randrange(span))
        world.at(moment, _filing(world, theme, street, places, person=first_person + i, surge=True))
    # Neighbours ring the hotline too; the operator adds them to an open report ("me too").
    for i in range(count // 2):
        moment = begin + timedelta(minutes=rng.randrange(span))
        world.at(moment, partial(_me_too_call, world, first_person + count + i))


def _me_too_call(world: World, person: int) -> None:
    open_numbers = [
        number
        for number in world.surge
        if (t := _ticket_by_number(world.session, number)) is not None and t.status in MERGEABLE
    ]
    if not open_numbers:
        return
    form = hotline.CallForm(
        {
            "caller_phone": phrases.fake_phone(person),
            "caller_name": phrases.person_name(world.rng),
            "merge_number": world.rng.choice(open_numbers),
            "note": "同一小区居民反映暖气不热，并入已有工单。",
            "anonymous": False,
            "confidential": False,
        }
    )
    hotline.log_call(world.session, world.settings, world.operator, form, hotline.Outcome.MERGE)


def _filing(
    world: World,
    theme: phrases.Theme,
    street: Area,
    places: _Places,
    *,
    person: int,
    surge: bool = False,
) -> Callable[[], None]:
    def run() -> None:
        number = _file(world, theme, street, places.district_of[street.id or 0], person)
        if surge and number:
            world.surge.append(number)

    return run


def _file(
    world: World, theme: phrases.Theme, street: Area, district: Area, person: int
) -> str | None:
    """File one complaint; the number of the work order it became, if it became one."""
    rng = world.rng
    text = phrases.compose(theme, rng, street=street.name_zh)
    name, phone = phrases.person_name(rng), phrases.fake_phone(person)
    anonymous = rng.random() < 0.05
    confidential = not anonymous and rng.random() < theme.confidential_share
    roll = rng.random()
    if roll < 0.52:
        repeat = world.open_by_phone and rng.random() < 0.05
        if repeat:
            _repeat_call(world, rng.choice(sorted(world.open_by_phone)))
            return None
        if rng.random() < 0.14:
            _direct_answer(world, name, phone)
            return None
        if rng.random() < 0.02:
            _transfer(world, name, phone)
            return None
        form = hotline.CallForm(
            {
                "caller_phone": "" if anonymous else phone,
                "caller_name": "" if anonymous else name,
                "type": theme.type.value,
                "urgency": "normal",
                "category_code": theme.category,
                "title": text.title,
                "description": text.description,
                "request_text": text.request,
                "district_code": district.code,
                "street_code": street.code,
                "address": "",
                "anonymous": anonymous,
                "confidential": confidential,
            }
        )
        logged = hotline.log_call(
            world.session, world.settings, world.operator, form, hotline.Outcome.WORK_ORDER
        )
        ticket = logged.ticket
    else:
        raw: dict[str, Any] = {
            "type": theme.type.value,
            "category": theme.category,
            "title": text.title,
            "description": text.description,
            "request": text.request,
            "district": district.code,
            "street": street.code,
            "address": "",
            "name": name,
            "phone": phone,
            "email": f"citizen{person}@example.com" if rng.random() < 0.2 else "",
            "anonymous": anonymous,
            "confidential": confidential,
        }
        data, errors = parse_complaint(raw, tz=world.tz, now=clock.now(), require_consent=False)
        refs, missing = intake.resolve(
            world.session, category=theme.category, district=district.code, street=street.code
        )
        if data is None or refs is None:
            from service.seed.activity import ActivityError

            raise ActivityError(f"a generated complaint was refused: {errors or missing}")
        channel = Channel.API if roll > 0.93 else Channel.WEB
        filed = intake.file_complaint(
            world.session, world.settings, data, refs, [], channel=channel, emails=world.emails
        )
        ticket = filed.ticket
        if filed.access_code and (world.end - clock.now()) < timedelta(days=4):
            world.tracking = [*world.tracking[-2:], (ticket.number, filed.access_code)]
    if ticket.requester_phone and not ticket.anonymous:
        world.open_by_phone[ticket.requester_phone] = ticket.number
    workflow.after_intake(world, ticket)
    return ticket.number


def _repeat_call(world: World, phone: str) -> None:
    """The caller rings again about their open ticket: the call is merged into it."""
    number = world.open_by_phone.pop(phone)
    target = _ticket_by_number(world.session, number)
    if target is None or target.status not in MERGEABLE:
        return
    form = hotline.CallForm(
        {
            "caller_phone": phone,
            "caller_name": target.requester_name,
            "merge_number": number,
            "note": "市民来电催促办理进度。",
            "anonymous": False,
            "confidential": False,
        }
    )
    hotline.log_call(world.session, world.settings, world.operator, form, hotline.Outcome.MERGE)


def _direct_answer(world: World, name: str, phone: str) -> None:
    if world.answers is None:
        world.answers = [a for a in knowledge.list_all(world.session, limit=500) if a.active]
    answers = world.answers
    if not answers:
        return
    answer = world.rng.choice(answers)
    form = hotline.CallForm(
        {
            "caller_phone": phone,
            "caller_name": name,
            "knowledge_code": answer.code,
            "note": "按知识库答复，市民表示清楚了。",
            "anonymous": False,
            "confidential": False,
        }
    )
    hotline.log_call(
        world.session, world.settings, world.operator, form, hotline.Outcome.DIRECT_ANSWER
    )


def _transfer(world: World, name: str, phone: str) -> None:
    line, title = world.rng.choice(
        (("120", "家中老人突发不适"), ("122", "路口发生车辆剐蹭"), ("110", "小区内有人打架"))
    )
    form = hotline.CallForm(
        {
            "caller_phone": phone,
            "caller_name": name,
            "title": title,
            "transfer_line": line,
            "note": "已三方转接。",
            "anonymous": False,
            "confidential": False,
        }
    )
    hotline.log_call(world.session, world.settings, world.operator, form, hotline.Outcome.TRANSFER)


def _ticket_by_number(session: Session, number: str) -> Ticket | None:
    return session.exec(select(Ticket).where(Ticket.number == number)).first()
