"""Administration pages: staff accounts, handling units, and what each role may do."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func
from sqlmodel import col, select

from service import i18n
from service.auth import service as accounts
from service.auth.deps import require_role
from service.auth.models import Role, User
from service.auth.render import form_values, render
from service.auth.roles import ADMIN_ROLES, ROLE_DUTIES
from service.auth.units import UnitError, UnitInput, save_unit
from service.deps import CsrfDep, SessionDep
from service.places.models import Area, AreaLevel, Unit, UnitClass, WindowSector

router = APIRouter(prefix="/staff/admin", include_in_schema=False)
Admin = Annotated[User, Depends(require_role(*ADMIN_ROLES))]
PAGE = 50
USER_FIELDS = ("username", "display_name", "email", "role", "unit_code", "password")
UNIT_FIELDS = (
    "code",
    "name_zh",
    "name_en",
    "unit_class",
    "district_code",
    "parent_code",
    "phone",
    "window_sector",
)


def _units(session: SessionDep) -> list[Unit]:
    return list(session.exec(select(Unit).order_by(col(Unit.active).desc(), Unit.code)))


def _users_page(
    request: Request,
    session: SessionDep,
    *,
    page: int,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    page = max(page, 1)
    rows = session.exec(
        select(User, Unit.code)
        .join(Unit, col(Unit.id) == User.unit_id, isouter=True)
        .order_by(col(User.active).desc(), User.username)
        .offset((page - 1) * PAGE)
        .limit(PAGE)
    ).all()
    total = session.exec(select(func.count()).select_from(User)).one()
    return render(
        request,
        "staff/admin/users.html",
        {
            "rows": rows,
            "total": total,
            "page": page,
            "page_size": PAGE,
            "units": _units(session),
            "role_values": [r.value for r in Role],
            "values": values or {"role": "operator"},
            "errors": errors or {},
            "created": request.query_params.get("created", ""),
        },
        status_code=status_code,
    )


@router.get("/users", name="admin_users")
def users(request: Request, session: SessionDep, admin: Admin, page: int = 1) -> Response:
    return _users_page(request, session, page=page)


@router.post("/users", name="admin_user_create", dependencies=[CsrfDep])
async def create_user(request: Request, session: SessionDep, admin: Admin) -> Response:
    values = form_values(await request.form(), *USER_FIELDS)
    try:
        role = Role(values["role"])
    except ValueError:
        return _users_page(
            request,
            session,
            page=1,
            values=values,
            errors={"role": i18n.gettext("Choose a role.")},
            status_code=422,
        )
    try:
        user = accounts.create_user(
            session,
            username=values["username"],
            role=role,
            password=values["password"],
            unit_code=values["unit_code"] or None,
            display_name=values["display_name"],
            email=values["email"],
        )
    except accounts.AccountError as exc:
        session.rollback()
        values.pop("password")
        return _users_page(
            request,
            session,
            page=1,
            values=values,
            errors={exc.field or "username": i18n.gettext(exc.page_message)},
            status_code=422,
        )
    session.commit()
    target = request.url_for("admin_users").include_query_params(created=user.username)
    return RedirectResponse(str(target), status_code=303)


def _user_page(
    request: Request,
    session: SessionDep,
    target: User,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    unit = session.get(Unit, target.unit_id) if target.unit_id else None
    defaults = {
        "display_name": target.display_name,
        "email": target.email,
        "role": target.role.value,
        "unit_code": unit.code if unit else "",
        "active": "1" if target.active else "",
    }
    return render(
        request,
        "staff/admin/user_edit.html",
        {
            "target": target,
            "units": _units(session),
            "role_values": [r.value for r in Role],
            "values": values or defaults,
            "errors": errors or {},
            "saved": request.query_params.get("saved", ""),
        },
        status_code=status_code,
    )


def _target(session: SessionDep, user_id: int) -> User:
    target = session.get(User, user_id)
    if target is None:
        raise HTTPException(status_code=404, detail="No such user.")
    return target


@router.get("/users/{user_id}", name="admin_user")
def user_page(request: Request, user_id: int, session: SessionDep, admin: Admin) -> Response:
    return _user_page(request, session, _target(session, user_id))


@router.post("/users/{user_id}", name="admin_user_update", dependencies=[CsrfDep])
async def update_user(
    request: Request, user_id: int, session: SessionDep, admin: Admin
) -> Response:
    """Role, unit, name and status; any change of role, unit or status signs the user out."""
    target = _target(session, user_id)
    form = await request.form()
    values = form_values(form, "display_name", "email", "role", "unit_code")
    values["active"] = "1" if form.get("active") else ""
    try:
        role = Role(values["role"])
    except ValueError:
        return _user_page(
            request,
            session,
            target,
            values=values,
            errors={"role": i18n.gettext("Choose a role.")},
            status_code=422,
        )
    try:
        accounts.update_user(
            session,
            target,
            acting=admin,
            display_name=values["display_name"],
            role=role,
            unit_code=values["unit_code"] or None,
            active=bool(values["active"]),
            email=values["email"],
        )
    except accounts.AccountError as exc:
        session.rollback()
        return _user_page(
            request,
            session,
            _target(session, user_id),
            values=values,
            errors={exc.field or "role": i18n.gettext(exc.page_message)},
            status_code=422,
        )
    session.commit()
    target_url = request.url_for("admin_user", user_id=user_id).include_query_params(saved="1")
    return RedirectResponse(str(target_url), status_code=303)


@router.post("/users/{user_id}/password", name="admin_user_password", dependencies=[CsrfDep])
async def reset_password(
    request: Request, user_id: int, session: SessionDep, admin: Admin
) -> Response:
    """Set a new password for the user; they are signed out everywhere."""
    target = _target(session, user_id)
    password = str((await request.form()).get("password") or "")
    try:
        accounts.reset_password(session, target, password)
    except accounts.AccountError as exc:
        session.rollback()
        return _user_page(
            request,
            session,
            _target(session, user_id),
            errors={"password": i18n.gettext(exc.page_message)},
            status_code=422,
        )
    session.commit()
    target_url = request.url_for("admin_user", user_id=user_id).include_query_params(saved="pw")
    return RedirectResponse(str(target_url), status_code=303)


@router.get("/roles", name="admin_roles")
def roles_page(request: Request, session: SessionDep, admin: Admin) -> Response:
    """Each role, what it may do, and how many active accounts hold it (counted in SQL)."""
    counts = dict(
        session.exec(
            select(User.role, func.count())
            .where(col(User.active).is_(True))
            .group_by(col(User.role))
        ).all()
    )
    rows = [(role, ROLE_DUTIES[role], counts.get(role, 0)) for role in Role]
    return render(request, "staff/admin/roles.html", {"rows": rows})


def _units_page(
    request: Request,
    session: SessionDep,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    districts = session.exec(
        select(Area).where(Area.level == AreaLevel.DISTRICT).order_by(Area.code)
    ).all()
    return render(
        request,
        "staff/admin/units.html",
        {
            "units": _units(session),
            "districts": districts,
            "classes": [c.value for c in UnitClass],
            "sectors": [c.value for c in WindowSector],
            "values": values or {},
            "errors": errors or {},
            "saved": request.query_params.get("saved", ""),
        },
        status_code=status_code,
    )


@router.get("/units", name="admin_units")
def units(request: Request, session: SessionDep, admin: Admin) -> Response:
    return _units_page(request, session)


def _unit_input(values: dict[str, str], active: bool) -> UnitInput:
    return UnitInput(**{k: values[k] for k in UNIT_FIELDS}, active=active)


@router.post("/units", name="admin_unit_create", dependencies=[CsrfDep])
async def create_unit(request: Request, session: SessionDep, admin: Admin) -> Response:
    values = form_values(await request.form(), *UNIT_FIELDS)
    try:
        unit = save_unit(session, _unit_input(values, True))
    except UnitError as exc:
        session.rollback()
        return _units_page(
            request,
            session,
            values=values,
            errors={exc.field: i18n.gettext(str(exc))},
            status_code=422,
        )
    session.commit()
    return RedirectResponse(
        str(request.url_for("admin_units").include_query_params(saved=unit.code)), 303
    )


@router.get("/units/{unit_id}", name="admin_unit")
def unit_page(request: Request, unit_id: int, session: SessionDep, admin: Admin) -> Response:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise HTTPException(status_code=404, detail="No such unit.")
    district = session.get(Area, unit.district_id) if unit.district_id else None
    parent = session.get(Unit, unit.parent_id) if unit.parent_id else None
    values = {
        "code": unit.code,
        "name_zh": unit.name_zh,
        "name_en": unit.name_en,
        "unit_class": unit.unit_class.value,
        "district_code": district.code if district else "",
        "parent_code": parent.code if parent else "",
        "phone": unit.phone,
        "window_sector": unit.window_sector.value if unit.window_sector else "",
        "active": "1" if unit.active else "",
    }
    return _unit_edit(request, session, unit, values, {})


def _unit_edit(
    request: Request,
    session: SessionDep,
    unit: Unit,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    districts = session.exec(
        select(Area).where(Area.level == AreaLevel.DISTRICT).order_by(Area.code)
    ).all()
    return render(
        request,
        "staff/admin/unit_edit.html",
        {
            "unit": unit,
            "districts": districts,
            "units": _units(session),
            "classes": [c.value for c in UnitClass],
            "sectors": [c.value for c in WindowSector],
            "values": values,
            "errors": errors,
        },
        status_code=status_code,
    )


@router.post("/units/{unit_id}", name="admin_unit_update", dependencies=[CsrfDep])
async def update_unit(
    request: Request, unit_id: int, session: SessionDep, admin: Admin
) -> Response:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise HTTPException(status_code=404, detail="No such unit.")
    form = await request.form()
    values = form_values(form, *UNIT_FIELDS)
    values["active"] = "1" if form.get("active") else ""
    try:
        save_unit(session, _unit_input(values, bool(values["active"])), existing=unit)
    except UnitError as exc:
        session.rollback()
        unit = session.get(Unit, unit_id) or unit
        return _unit_edit(request, session, unit, values, {exc.field: i18n.gettext(str(exc))}, 422)
    session.commit()
    return RedirectResponse(
        str(request.url_for("admin_units").include_query_params(saved=unit.code)), 303
    )
