"""The dispatch catalogue evaluated: ordered rules, empty conditions match anything, first wins.

Pure: the caller hands in the rules and the ticket's facts (codes and text), and gets back the
rule that fired, the unit it names, and each condition checked as data (matched or not), for the
rule that fired and for every rule before it that did not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

STREET_OFFICE = "@street"  # a lead of "the street office of the ticket's street"
CATEGORY_DEFAULT = "@category"  # a lead of "the category's default unit"


@dataclass(frozen=True)
class Rule:
    """One rule of a rule set, in the shape evaluation needs (codes, not ids)."""

    id: int
    name: str
    lead_unit: str  # a unit code, or STREET_OFFICE
    category_prefix: str = ""
    district: str = ""
    street: str = ""
    ticket_type: str = ""
    keywords: tuple[str, ...] = ()
    assisting: tuple[str, ...] = ()
    urgency: str = ""
    handling_override: str = ""


@dataclass(frozen=True)
class Facts:
    """What intake knows about a ticket when it is routed."""

    category: str = ""  # dotted category code, e.g. MR.FAKE.TRADEMARK
    district: str = ""  # area code
    street: str = ""  # area code
    ticket_type: str = ""
    text: str = ""  # title, description and request together
    category_default: str = ""  # unit code of the category's (inherited) default unit


#: One condition checked: ``{"step": kind, "matched": bool, **codes}``; the kinds and their
#: parameters are listed, and put into words, in ``service.routing.explanations``.
Check = dict[str, Any]


@dataclass(frozen=True)
class Verdict:
    """One rule checked against the facts: whether it matched, and each condition either way."""

    rule: Rule
    matched: bool
    checks: tuple[Check, ...] = field(hash=False)
    lead_unit: str | None = None  # resolved unit code when matched and resolvable


@dataclass(frozen=True)
class Outcome:
    """The first rule that fired (if any) and every verdict up to and including it."""

    verdicts: tuple[Verdict, ...] = field(default_factory=tuple)

    @property
    def fired(self) -> Verdict | None:
        last = self.verdicts[-1] if self.verdicts else None
        return last if last is not None and last.matched else None


def has_prefix(code: str, prefix: str) -> bool:
    """Codes are dotted paths: MR matches MR and MR.FAKE.TRADEMARK but not MRX."""
    return code == prefix or code.startswith(prefix + ".")


def _check(kind: str, matched: bool, **params: Any) -> Check:
    return {"step": kind, "matched": matched, **params}


def check(rule: Rule, facts: Facts, street_offices: Mapping[str, str]) -> Verdict:
    """Every condition of one rule against the facts, each recorded whether it held or not."""
    checks: list[Check] = []
    if rule.category_prefix:
        under = bool(facts.category) and has_prefix(facts.category, rule.category_prefix)
        checks.append(
            _check("category", under, category=facts.category, prefix=rule.category_prefix)
        )
    if rule.district:
        checks.append(
            _check(
                "district",
                facts.district == rule.district,
                district=facts.district,
                expected=rule.district,
            )
        )
    if rule.street:
        checks.append(
            _check("street", facts.street == rule.street, street=facts.street, expected=rule.street)
        )
    if rule.ticket_type:
        checks.append(
            _check(
                "type",
                facts.ticket_type == rule.ticket_type,
                type=facts.ticket_type,
                expected=rule.ticket_type,
            )
        )
    if rule.keywords:
        text = facts.text.lower()
        found = [k for k in rule.keywords if k and k.lower() in text]
        checks.append(_check("keywords", bool(found), found=found, keywords=list(rule.keywords)))
    ok = all(c["matched"] for c in checks)
    lead: str | None = rule.lead_unit
    if ok and rule.lead_unit == STREET_OFFICE:
        # A rule that names "the street's office" cannot fire without a known street.
        lead = street_offices.get(facts.street)
        checks.append(
            _check("street_office", lead is not None, street=facts.street, unit=lead or "")
        )
    elif ok and rule.lead_unit == CATEGORY_DEFAULT:
        lead = facts.category_default or None
        checks.append(
            _check("category_default", lead is not None, category=facts.category, unit=lead or "")
        )
    ok = ok and lead is not None
    if ok and not checks:
        checks.append(_check("catch_all", True))
    return Verdict(rule=rule, matched=ok, checks=tuple(checks), lead_unit=lead if ok else None)


def evaluate(
    rules: Sequence[Rule], facts: Facts, street_offices: Mapping[str, str] | None = None
) -> Outcome:
    """Rules in order; evaluation stops at the first that fires."""
    offices = street_offices or {}
    verdicts: list[Verdict] = []
    for rule in rules:
        verdict = check(rule, facts, offices)
        verdicts.append(verdict)
        if verdict.matched:
            break
    return Outcome(tuple(verdicts))


def split_list(text: str) -> tuple[str, ...]:
    """'a| b |c' or 'a, b' → ('a', 'b', 'c'): how people type lists into one field."""
    parts = text.replace("，", "|").replace(",", "|").replace("、", "|").split("|")
    return tuple(p.strip() for p in parts if p.strip())
