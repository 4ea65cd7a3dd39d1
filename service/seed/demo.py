"""Seed the demo city once: reference data plus one staff account per role."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from service import clock
from service.auth.models import Role, User
from service.auth.secrets import hash_password
from service.catalogue import knowledge
from service.places.models import Area, Unit
from service.seed.loader import DATA_DIR, LoadSummary, load_reference_data

DEMO_PASSWORD = "civic-demo-2026"  # noqa: S105 - printed on purpose: demo logins only

# (username, role, unit code, display name)
DEMO_USERS: tuple[tuple[str, Role, str | None, str], ...] = (
    ("admin", Role.ADMIN, None, "系统管理员"),
    ("operator", Role.OPERATOR, None, "话务员 王芳"),
    ("dispatcher", Role.DISPATCHER, None, "派单员 李强"),
    ("handler-samr", Role.HANDLER, "M-SAMR", "市场监管局 承办人"),
    ("handler-urban", Role.HANDLER, "M-URBAN", "城管执法局 承办人"),
    ("supervisor", Role.SUPERVISOR, None, "热线办主任"),
    ("deputy", Role.DEPUTY, None, "人大代表"),
)

# The city's monthly targets for the vulnerable groups' complaints per 10,000 residents (the
# seed plan's "falling complaint rate"); supervisors change them on /staff/supervision/targets.
DEMO_TARGETS = {"elderly": 0.06, "women": 0.02, "minors": 0.06, "disabled": 0.03}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    unit: str | None


def is_seeded(session: Session) -> bool:
    """The demo city is there when any area exists."""
    return bool(session.exec(select(func.count()).select_from(Area)).one())


def seed_demo(session: Session) -> LoadSummary | None:
    """Load the demo city into an empty database; a seeded one is left as it is."""
    if is_seeded(session):
        return None
    summary = load_reference_data(session)
    units = {u.code: u.id for u in session.exec(select(Unit))}
    existing = set(session.exec(select(User.username)))
    password_hash = hash_password(DEMO_PASSWORD)
    for username, role, unit_code, display in DEMO_USERS:
        if username in existing:
            continue
        session.add(
            User(
                username=username,
                display_name=display,
                password_hash=password_hash,
                role=role,
                unit_id=units.get(unit_code) if unit_code else None,
                created_at=clock.now(),
            )
        )
    session.flush()
    from service.supervision import vulnerable

    for tag, per_10k in DEMO_TARGETS.items():
        vulnerable.set_target(session, tag, per_10k, user_id=None)
    knowledge_file = DATA_DIR / "knowledge_base.csv"
    if knowledge_file.exists():
        knowledge.load_csv(session, knowledge_file)
    from service.routing.seed import seed_bootstrap_model, seed_rule_set

    seed_rule_set(session)
    seed_bootstrap_model(session)
    from service.sla.arrangements import enter_package_years

    # The holiday arrangements the calendar package knows, as a city would have entered them.
    enter_package_years(session, clock.now(), since=clock.now().year - 1)
    return summary


def demo_logins() -> list[DemoLogin]:
    return [DemoLogin(u, r, unit) for u, r, unit, _ in DEMO_USERS]
