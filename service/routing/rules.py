"""The dispatch catalogue evaluated: ordered rules, empty conditions match anything, first wins.

Pure: the caller hands in the rules and the ticket's facts (codes and text), and gets back the
rule that fired, the unit it names, and the reasons, or the reasons every rule did not fire.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Verdict:
    """One rule checked against the facts: whether it matched and why (not)."""

    rule: Rule
    matched: bool
    reasons: tuple[str, ...]
    lead_unit: str | None = None  # resolved unit code when matched and resolvable


@dataclass(frozen=True)
class Outcome:
    """The first rule that fired (if any) and every verdict up to and including it."""

    verdicts: tuple[Verdict, ...] = field(default_factory=tuple)

    @property
    def fired(self) -> Verdict | None:
        last = self.verdicts[-1] if self.verdicts else None
        return last if last is not None and last.matched else None

    def explanation(self) -> str:
        fired = self.fired
        if fired is None:
            return "no rule matched"
        return f"rule {fired.rule.id} “{fired.rule.name}”: " + "; ".join(fired.reasons)


def has_prefix(code: str, prefix: str) -> bool:
    """Codes are dotted paths: MR matches MR and MR.FAKE.TRADEMARK but not MRX."""
    return code == prefix or code.startswith(prefix + ".")


def check(rule: Rule, facts: Facts, street_offices: Mapping[str, str]) -> Verdict:
    """Every condition of one rule against the facts, each with a reason either way."""
    reasons: list[str] = []
    ok = True
    if rule.category_prefix:
        if facts.category and has_prefix(facts.category, rule.category_prefix):
            reasons.append(f"category {facts.category} is under {rule.category_prefix}")
        else:
            ok = False
            reasons.append(
                f"category {facts.category or '(none)'} is not under {rule.category_prefix}"
            )
    if rule.district:
        if facts.district == rule.district:
            reasons.append(f"district is {rule.district}")
        else:
            ok = False
            reasons.append(f"district {facts.district or '(none)'} is not {rule.district}")
    if rule.street:
        if facts.street == rule.street:
            reasons.append(f"street is {rule.street}")
        else:
            ok = False
            reasons.append(f"street {facts.street or '(none)'} is not {rule.street}")
    if rule.ticket_type:
        if facts.ticket_type == rule.ticket_type:
            reasons.append(f"type is {rule.ticket_type}")
        else:
            ok = False
            reasons.append(f"type {facts.ticket_type or '(none)'} is not {rule.ticket_type}")
    if rule.keywords:
        text = facts.text.lower()
        found = [k for k in rule.keywords if k and k.lower() in text]
        if found:
            reasons.append("text mentions " + ", ".join(f"“{k}”" for k in found))
        else:
            ok = False
            reasons.append("text mentions none of " + ", ".join(f"“{k}”" for k in rule.keywords))
    lead: str | None = rule.lead_unit
    if ok and rule.lead_unit == STREET_OFFICE:
        lead = street_offices.get(facts.street)
        if lead is None:
            # A rule that names "the street's office" cannot fire without a known street.
            ok = False
            reasons.append(f"no street office is known for street {facts.street or '(none)'}")
        else:
            reasons.append(f"the street's office is {lead}")
    elif ok and rule.lead_unit == CATEGORY_DEFAULT:
        lead = facts.category_default or None
        if lead is None:
            ok = False
            reasons.append(f"category {facts.category or '(none)'} has no default unit")
        else:
            reasons.append(f"the category's default unit is {lead}")
    if ok and not reasons:
        reasons.append("catch-all rule")
    return Verdict(rule=rule, matched=ok, reasons=tuple(reasons), lead_unit=lead if ok else None)


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
