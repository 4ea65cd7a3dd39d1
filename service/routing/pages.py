"""Staff pages: dispatch catalogue (edit, reorder, try, replay, publish), triage, returns, stats."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from service.auth import roles
from service.auth.deps import require_role
from service.auth.models import User
from service.catalogue.models import Category
from service.deps import CsrfDep, SessionDep, SettingsDep, TemplatesDep
from service.places.models import Area, AreaLevel, Unit
from service.routing import explanations, learning, rules, ruleset
from service.routing import service as routing
from service.routing.models import ReturnReason, RoutingMethod, RoutingRule, RuleSet
from service.tickets import service as tickets
from service.tickets.models import Ticket, TicketType, Urgency
from service.tickets.states import Status
from service.web import csrf

router = APIRouter(prefix="/staff/routing", include_in_schema=False)
Admin = Annotated[User, Depends(require_role(*roles.ADMIN_ROLES))]
CatalogueReader = Annotated[User, Depends(require_role(*roles.CATALOGUE_READERS))]
Dispatcher = Annotated[User, Depends(require_role(*roles.DISPATCH_ROLES))]
Handler = Annotated[User, Depends(require_role(*roles.UNIT_ROLES))]
PER_PAGE = 25


def _page(
    request: Request, templates: Any, settings: Any, name: str, status: int = 200, **context: Any
) -> Response:
    context["csrf_token"] = csrf.issue_token(request, settings.secret_key)
    return templates.TemplateResponse(request, name, context, status_code=status)  # type: ignore[no-any-return]


def _choices(session: Session) -> dict[str, Any]:
    """The pickers the catalogue forms need, in three queries."""
    return {
        "units": list(session.exec(select(Unit).where(Unit.active).order_by(col(Unit.code)))),
        "areas": list(session.exec(select(Area).order_by(col(Area.code)))),
        "category_codes": sorted(set(session.exec(select(Category.code)))),
        "ticket_types": [t.value for t in TicketType],
        "urgencies": [u.value for u in Urgency],
        "STREET_OFFICE": rules.STREET_OFFICE,
        "CATEGORY_DEFAULT": rules.CATEGORY_DEFAULT,
    }


def _draft_or_404(session: Session) -> RuleSet:
    draft = ruleset.draft(session)
    if draft is None:
        raise HTTPException(status_code=404, detail="There is no draft; start one first.")
    return draft


def _rule_or_404(session: Session, rule_id: int) -> RoutingRule:
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        raise HTTPException(status_code=404, detail="No such rule.")
    return rule


def _ticket_or_404(session: Session, number: str) -> Ticket:
    ticket = tickets.get_by_number(session, number)
    if ticket is None:
        raise HTTPException(status_code=404, detail="No such ticket.")
    return ticket


# The catalogue ------------------------------------------------------------------------------


@router.get("/rules", name="routing_rules")
def rules_page(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: CatalogueReader,
) -> Response:
    current, draft = ruleset.published(session), ruleset.draft(session)
    return _page(
        request,
        templates,
        settings,
        "staff/routing/rules.html",
        user=user,
        published=current,
        published_rules=ruleset.rules_of(session, current.id) if current and current.id else [],
        draft=draft,
        draft_rules=ruleset.rules_of(session, draft.id) if draft and draft.id else [],
    )


@router.post("/rules/draft", name="routing_start_draft", dependencies=[CsrfDep])
def start_draft(session: SessionDep, user: Admin) -> Response:
    ruleset.start_draft(session, user=user)
    session.commit()
    return RedirectResponse("/staff/routing/rules#draft", status_code=303)


def _rule_form_fields(form: dict[str, str]) -> dict[str, str]:
    return {name: form.get(name, "") for name in ruleset.RULE_FIELDS}


@router.get("/rules/new", name="routing_new_rule")
def new_rule(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Admin,
) -> Response:
    _draft_or_404(session)
    return _page(
        request,
        templates,
        settings,
        "staff/routing/rule_form.html",
        rule=None,
        values={},
        errors={},
        **_choices(session),
    )


@router.get("/rules/{rule_id}/edit", name="routing_edit_rule")
def edit_rule(
    rule_id: int,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Admin,
) -> Response:
    rule = _rule_or_404(session, rule_id)
    values = {name: getattr(rule, name) for name in ruleset.RULE_FIELDS}
    return _page(
        request,
        templates,
        settings,
        "staff/routing/rule_form.html",
        rule=rule,
        values=values,
        errors={},
        **_choices(session),
    )


async def _save(
    request: Request, session: Session, templates: Any, settings: Any, rule: RoutingRule | None
) -> Response:
    form = await request.form()
    values = _rule_form_fields({k: str(v) for k, v in form.items()})
    draft = _draft_or_404(session)
    errors = ruleset.check_fields(session, values)
    if rule is not None and rule.rule_set_id != draft.id:
        errors["name"] = "Published rules are frozen; edit the draft's copy."
    if errors:
        return _page(
            request,
            templates,
            settings,
            "staff/routing/rule_form.html",
            status=422,
            rule=rule,
            values=values,
            errors=errors,
            **_choices(session),
        )
    ruleset.save_rule(session, draft, values, rule)
    session.commit()
    return RedirectResponse("/staff/routing/rules#draft", status_code=303)


@router.post("/rules/new", dependencies=[CsrfDep])
async def create_rule(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Admin,
) -> Response:
    return await _save(request, session, templates, settings, None)


@router.post("/rules/{rule_id}/edit", dependencies=[CsrfDep])
async def update_rule(
    rule_id: int,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Admin,
) -> Response:
    return await _save(request, session, templates, settings, _rule_or_404(session, rule_id))


@router.post("/rules/{rule_id}/move", name="routing_move_rule", dependencies=[CsrfDep])
def move_rule(
    rule_id: int, session: SessionDep, user: Admin, direction: Annotated[str, Form()]
) -> Response:
    try:
        ruleset.move_rule(session, _rule_or_404(session, rule_id), up=direction == "up")
    except ruleset.RuleSetError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    session.commit()
    return RedirectResponse("/staff/routing/rules#draft", status_code=303)


@router.post("/rules/{rule_id}/delete", name="routing_delete_rule", dependencies=[CsrfDep])
def delete_rule(rule_id: int, session: SessionDep, user: Admin) -> Response:
    try:
        ruleset.delete_rule(session, _rule_or_404(session, rule_id))
    except ruleset.RuleSetError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    session.commit()
    return RedirectResponse("/staff/routing/rules#draft", status_code=303)


@router.post("/rules/publish", name="routing_publish", dependencies=[CsrfDep])
def publish(session: SessionDep, user: Admin, note: Annotated[str, Form()] = "") -> Response:
    ruleset.publish(session, _draft_or_404(session), user=user, note=note)
    session.commit()
    return RedirectResponse("/staff/routing/rules", status_code=303)


def _which_set(session: Session, which: str) -> RuleSet | None:
    return ruleset.draft(session) if which == "draft" else ruleset.published(session)


@router.get("/try", name="routing_try")
def try_page(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: CatalogueReader,
    text: str = "",
    category: str = "",
    street: str = "",
    ticket_type: str = "",
    which: str = "published",
) -> Response:
    """Paste a text, pick a category and area: which rule fires and why, and the model's guess."""
    errors: dict[str, str] = {}
    outcome = None
    suggestions: list[learning.Suggestion] = []
    model_version = None
    names = explanations.NO_NAMES
    area = session.exec(select(Area).where(Area.code == street)).first() if street else None
    if street and area is None:
        errors["street"] = "Choose an area from the list."
    cat = (
        session.exec(
            select(Category)
            .where(Category.code == category)
            .order_by(col(Category.tree_version).desc())
        ).first()
        if category
        else None
    )
    if category and cat is None:
        errors["category"] = "No category has this code."
    submitted = bool(text or category or street)
    if submitted and not errors:
        district = area
        if area is not None and area.level is not AreaLevel.DISTRICT:
            node: Area | None = area
            while node is not None and node.level is not AreaLevel.DISTRICT:
                node = session.get(Area, node.parent_id) if node.parent_id else None
            district = node
        facts = rules.Facts(
            category=cat.code if cat else "",
            district=district.code if district else "",
            street=area.code if area and area.level is AreaLevel.STREET else "",
            ticket_type=ticket_type,
            text=text,
            category_default=routing._category_default(session, cat),  # noqa: SLF001
        )
        chosen = _which_set(session, which)
        outcome = rules.evaluate(
            ruleset.pure_rules(session, chosen), facts, ruleset.street_offices(session)
        )
        model_version, suggestions = learning.suggest(session, text)
        names = routing.names_for(
            session,
            [v.checks for v in outcome.verdicts],
            units=[
                *(v.lead_unit or "" for v in outcome.verdicts),
                *(s.unit_code for s in suggestions),
            ],
        )
    return _page(
        request,
        templates,
        settings,
        "staff/routing/try.html",
        values={
            "text": text,
            "category": category,
            "street": street,
            "ticket_type": ticket_type,
            "which": which,
        },
        errors=errors,
        outcome=outcome,
        suggestions=suggestions,
        model_version=model_version,
        names=names,
        has_draft=ruleset.draft(session) is not None,
        **_choices(session),
    )


@router.get("/replay", name="routing_replay")
def replay_page(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: CatalogueReader,
    days: str = "",
) -> Response:
    """Run the draft over recent tickets before publishing it."""
    draft = ruleset.draft(session)
    errors: dict[str, str] = {}
    result = None
    if days:
        if not days.isdigit() or not 1 <= int(days) <= ruleset.MAX_REPLAY_DAYS:
            errors["days"] = "Give a whole number of days from 1 to 90."
        elif draft is None:
            errors["days"] = "There is no draft to replay."
        else:
            result = ruleset.replay(session, draft, days=int(days))
    return _page(
        request,
        templates,
        settings,
        "staff/routing/replay.html",
        draft=draft,
        days=days,
        errors=errors,
        result=result,
        status=422 if errors else 200,
    )


# Triage, dispatch, returns ------------------------------------------------------------------


@router.get("/triage", name="routing_triage")
def triage(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Dispatcher,
    page: int = 1,
) -> Response:
    page = max(1, page)
    items, total = routing.triage_queue(session, page=page, per_page=PER_PAGE)
    names = routing.names_for(
        session, [i.decision.explanation_steps for i in items if i.decision is not None]
    )
    returns, open_returns = routing.returns_to_review(session, page=1, per_page=PER_PAGE)
    return _page(
        request,
        templates,
        settings,
        "staff/routing/triage.html",
        items=items,
        names=names,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        returns=returns,
        open_returns=open_returns,
        reason_labels=routing.RETURN_REASON_LABELS,
    )


def _dispatch_context(session: Session, ticket: Ticket) -> dict[str, Any]:
    assert ticket.id is not None
    units = list(session.exec(select(Unit).where(Unit.active).order_by(col(Unit.code))))
    by_code = {u.code: u for u in units}
    return {
        "ticket": ticket,
        "routing_decisions": routing.decision_views(session, ticket.id),
        "units": units,
        "units_by_code": by_code,
        "open_return": routing.open_return(session, ticket.id),
        "reason_labels": routing.RETURN_REASON_LABELS,
    }


@router.get("/tickets/{number}/dispatch", name="routing_dispatch")
def dispatch_page(
    number: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Dispatcher,
) -> Response:
    ticket = _ticket_or_404(session, number)
    return _page(
        request,
        templates,
        settings,
        "staff/routing/dispatch.html",
        values={},
        errors={},
        **_dispatch_context(session, ticket),
    )


@router.post("/tickets/{number}/dispatch", dependencies=[CsrfDep])
async def dispatch_submit(
    number: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Dispatcher,
) -> Response:
    """Dispatch by hand; an open return is approved first (then re-dispatched) or refused."""
    ticket = _ticket_or_404(session, number)
    form = await request.form()
    values: dict[str, Any] = {
        "lead": str(form.get("lead", "")),
        "assisting": [str(v) for v in form.getlist("assisting")],
        "note": str(form.get("note", "")).strip(),
        "decision": str(form.get("decision", "dispatch")),
        "version": str(form.get("version", "")),
    }
    errors: dict[str, str] = {}
    version, note = str(values["version"]), str(values["note"])
    expected = int(version) if version.isdigit() else None
    units = {u.code: u for u in session.exec(select(Unit).where(Unit.active))}
    try:
        if values["decision"] == "refuse":
            routing.refuse_return(session, ticket, user=user, note=note, expected_version=expected)
        else:
            lead = units.get(str(values["lead"]))
            if values["decision"] == "approve":
                routing.approve_return(
                    session, ticket, user=user, note=note, expected_version=expected
                )
                expected = None
            if lead is None and values["decision"] != "approve":
                errors["lead"] = "Choose the lead unit."
            elif lead is not None:
                if ticket.status is not Status.PENDING_DISPATCH:
                    errors["lead"] = "This ticket is not waiting for dispatch."
                else:
                    assisting = [units[c] for c in values["assisting"] if c in units]
                    routing.dispatch(
                        session,
                        ticket,
                        lead=lead,
                        assisting=assisting,
                        actor=tickets.Actor.staff(user),
                        method=RoutingMethod.MANUAL,
                        user=user,
                        steps=[explanations.manual(note)],
                        expected_version=expected,
                    )
    except routing.DispatchRefusedError as exc:
        errors["lead" if values["decision"] != "refuse" else "note"] = exc.shown()
    if errors:
        session.rollback()
        session.refresh(ticket)
        return _page(
            request,
            templates,
            settings,
            "staff/routing/dispatch.html",
            status=422,
            values=values,
            errors=errors,
            **_dispatch_context(session, ticket),
        )
    session.commit()
    return RedirectResponse(f"/staff/routing/tickets/{ticket.number}/dispatch", status_code=303)


def _lead_ticket(session: Session, number: str, user: User) -> Ticket:
    """The ticket, if the handler's unit leads it; otherwise 404, as for an unknown number."""
    ticket = _ticket_or_404(session, number)
    if ticket.lead_unit_id is None or ticket.lead_unit_id != user.unit_id:
        raise HTTPException(status_code=404, detail="No such ticket.")
    return ticket


def _return_form(
    request: Request,
    templates: Any,
    settings: Any,
    ticket: Ticket,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    sent: bool = False,
) -> Response:
    return _page(
        request,
        templates,
        settings,
        "staff/routing/return_form.html",
        status=status,
        ticket=ticket,
        values=values or {},
        errors=errors or {},
        reasons=routing.RETURN_REASON_LABELS,
        sent=sent,
    )


@router.get("/tickets/{number}/return", name="routing_return")
def return_page(
    number: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Handler,
) -> Response:
    return _return_form(request, templates, settings, _lead_ticket(session, number, user))


@router.post("/tickets/{number}/return", dependencies=[CsrfDep])
def return_submit(
    number: str,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Handler,
    reason: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
) -> Response:
    """A handler of the lead unit hands the ticket back to the dispatcher with a reason."""
    ticket = _lead_ticket(session, number, user)
    errors: dict[str, str] = {}
    choice = ReturnReason(reason) if reason in {r.value for r in ReturnReason} else None
    if choice is None:
        errors["reason"] = "Choose a reason from the list."
    else:
        try:
            routing.request_return(
                session,
                ticket,
                user=user,
                reason=choice,
                text=text,
                expected_version=int(version) if version.isdigit() else None,
            )
        except routing.DispatchRefusedError as exc:
            errors["text"] = exc.shown()
    if errors:
        session.rollback()
        return _return_form(
            request,
            templates,
            settings,
            ticket,
            values={"reason": reason, "text": text},
            errors=errors,
            status=422,
        )
    session.commit()
    return _return_form(request, templates, settings, ticket, sent=True)


@router.get("/stats", name="routing_stats")
def stats(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: CatalogueReader,
) -> Response:
    return _page(
        request, templates, settings, "staff/routing/stats.html", rows=routing.unit_stats(session)
    )
