"""The demo city's published dispatch catalogue (version 1), and a bootstrap model if possible."""

from __future__ import annotations

import logging

from sqlmodel import Session, select

from service.places.models import Unit
from service.routing import ruleset
from service.routing.models import RuleSet

log = logging.getLogger(__name__)

# (name, category prefix, keywords, lead, assisting, urgency, handling override).
# Street-order problems belong to the street office of the street where they happen; the
# city's urban-management bureau assists only on street vending, where it holds the power to
# fine. Everything else goes to its category's default unit.
DEMO_RULES: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("假药、过期药品从快办理", "MR.FAKE", "假药|过期药|药品", "M-SAMR", "", "urgent", "5wd"),
    ("市场监管类由市场监管局主办", "MR", "", "M-SAMR", "", "", ""),
    ("占道经营由所在街道主办、城管协办", "SO.STALL", "", "@street", "M-URBAN", "", ""),
    ("小广告、乱贴乱画由所在街道办理", "SO.POSTING", "", "@street", "", "", ""),
    ("积雪清理由所在街道办理", "SO.SANITATION.SNOW", "", "@street", "", "", ""),
    ("其余按分类的默认承办单位", "", "", "@category", "", "", ""),
)


def seed_rule_set(session: Session) -> RuleSet | None:
    """Publish the demo rules once; a rule naming an unknown unit is skipped."""
    if session.exec(select(RuleSet.id)).first() is not None:
        return None
    units = set(session.exec(select(Unit.code)))
    draft = ruleset.start_draft(session, user=None)
    for name, prefix, keywords, lead, assisting, urgency, override in DEMO_RULES:
        if not lead.startswith("@") and lead not in units:
            log.warning("demo rule %r skipped: unknown unit %s", name, lead)
            continue
        ruleset.save_rule(
            session,
            draft,
            {
                "name": name,
                "category_prefix": prefix,
                "keywords": keywords,
                "lead_unit_code": lead,
                "assisting_unit_codes": "|".join(c for c in assisting.split("|") if c in units),
                "urgency": urgency,
                "handling_override": override,
            },
        )
    return ruleset.publish(session, draft, user=None, note="演示城市初始派单目录")


def seed_bootstrap_model(session: Session) -> None:
    """No history in a new city: learn category names and synonyms → default unit."""
    import importlib.util

    from service.routing import learning

    if importlib.util.find_spec("service.routing.classifier") is None:
        log.warning("no routing classifier in this build; the demo city starts without a model")
        return
    if learning.latest(session) is None:
        try:
            learning.train(session)
        except learning.NotEnoughDataError as exc:
            log.info("no bootstrap routing model: %s", exc)
