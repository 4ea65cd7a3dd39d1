"""Why a ticket went where it went, as data, and that data in words in the page's language.

The catalogue (``service.routing.rules``) records each condition it checks, and routing
(``service.routing.service``) each reason of a decision, as ``{"step": KIND, ...}`` with codes,
words, versions and scores, never sentences. This module turns them into one line in the current
locale (``service.i18n``), with the names of categories, areas and units where the caller looked
them up in one batch (``Names``) and bare codes otherwise. The English line with codes only is
stored beside the steps (``english``) for the API, logs and decisions from before steps.

A rule's checks, each with ``matched`` (true or false):

======================  ========================================================================
``category``            ``category``, ``prefix``: the ticket's category is under the prefix
``district``            ``district`` (the ticket's), ``expected`` (the rule's)
``street``              ``street``, ``expected``
``type``                ``type``, ``expected`` (ticket type values)
``keywords``            ``found`` (the words the text mentions), ``keywords`` (all of the rule's)
``street_office``       ``street``, ``unit``: the lead is the street's office
``category_default``    ``category``, ``unit``: the lead is the category's default unit
``catch_all``           a rule without conditions
======================  ========================================================================

A decision's reasons:

==========================  ====================================================================
``rule``                    ``version``, ``rule_id``, ``name``, ``checks`` [the checks above]
``rule_unit_unavailable``   ``version``, ``rule_id``, ``name``, ``unit``: the rule fired, but
                            its unit is unknown or inactive
``no_catalogue``            no dispatch catalogue is published
``no_rule``                 no rule of the catalogue fired
``model_confident``         ``version``, ``unit``, ``score``, ``threshold``
``model_below``             ``version``, ``unit``, ``score``, ``threshold``
``no_model``                no trained model yet
``unknown_unit``            ``unit``: the model named a unit that does not exist
``inactive_unit``           ``unit``: the model named an inactive unit
``push_down``               ``category``, ``unit`` (the municipal department whose duty it is)
``by_hand``                 a dispatcher chose, without a note
``note``                    ``text``: the dispatcher's note, shown as typed
``return_reason``           ``reason`` (a return reason value), ``text`` as typed
``return_approved``         ``reason``: a return approved without a note
==========================  ====================================================================

Ticket events store their routing reasons as ``data["reason_step"] = {"step": "routing",
"steps": [...]}`` (``event_step``), beside the English text in ``reason``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from service.i18n import current_locale, gettext, localized_name, use_locale

_ = gettext

#: One reason or check: ``{"step": kind, **parameters}``, JSON-ready.
Step = dict[str, Any]

EVENT_STEP = "routing"  # the kind of an event's reason_step that holds routing steps

CATEGORY, AREA, UNIT = "category", "area", "unit"
# The parameters of each kind that hold codes, and what they are codes of.
_CODES: dict[str, dict[str, str]] = {
    "category": {"category": CATEGORY, "prefix": CATEGORY},
    "district": {"district": AREA, "expected": AREA},
    "street": {"street": AREA, "expected": AREA},
    "street_office": {"street": AREA, "unit": UNIT},
    "category_default": {"category": CATEGORY, "unit": UNIT},
    "rule_unit_unavailable": {"unit": UNIT},
    "model_confident": {"unit": UNIT},
    "model_below": {"unit": UNIT},
    "unknown_unit": {"unit": UNIT},
    "inactive_unit": {"unit": UNIT},
    "push_down": {"category": CATEGORY, "unit": UNIT},
}


def N_(message: str) -> str:  # noqa: N802 - the gettext convention extractors look for
    """Marks a message for translation where it is shown."""
    return message


TICKET_TYPES = {
    "consultation": N_("Consultation"),
    "help": N_("Help"),
    "complaint": N_("Complaint"),
    "report": N_("Report"),
    "suggestion": N_("Suggestion"),
    "praise": N_("Praise"),
    "other": N_("Other"),
}
RETURN_REASONS = {
    "not_our_duty": N_("Not our duty"),
    "wrong_area": N_("Wrong area"),
    "insufficient_information": N_("Insufficient information"),
    "other": N_("Other"),
}


# ---- building a decision's reasons ------------------------------------------------------------


def rule(version: int | None, rule_id: int, name: str, checks: Sequence[Step]) -> Step:
    """The rule that fired, with its checks."""
    return {
        "step": "rule",
        "version": version,
        "rule_id": rule_id,
        "name": name,
        "checks": list(checks),
    }


def rule_unit_unavailable(version: int | None, rule_id: int, name: str, unit: str) -> Step:
    """The rule fired but names a unit that cannot receive tickets."""
    return {
        "step": "rule_unit_unavailable",
        "version": version,
        "rule_id": rule_id,
        "name": name,
        "unit": unit,
    }


def no_rule(*, catalogue: bool = True) -> Step:
    """No rule fired (or there is no published catalogue at all)."""
    return {"step": "no_rule" if catalogue else "no_catalogue"}


def model(version: int | None, unit: str, score: float, threshold: float) -> Step:
    """The model's best suggestion against the threshold for dispatching without a person."""
    return {
        "step": "model_confident" if score >= threshold else "model_below",
        "version": version,
        "unit": unit,
        "score": score,
        "threshold": threshold,
    }


def no_model() -> Step:
    return {"step": "no_model"}


def unit_unavailable(unit: str, *, known: bool) -> Step:
    """The model named a unit that does not exist, or one that is inactive."""
    return {"step": "inactive_unit" if known else "unknown_unit", "unit": unit}


def push_down(category: str, unit: str) -> Step:
    """A municipal department's duty, which goes to a street office only by a published rule."""
    return {"step": "push_down", "category": category, "unit": unit}


def manual(note: str) -> Step:
    """A dispatcher's choice: their note as typed, or "by hand" without one."""
    note = note.strip()
    return {"step": "note", "text": note} if note else {"step": "by_hand"}


def return_reason(reason: str, text: str) -> Step:
    """A unit's return: the reason from the list and what the handler typed."""
    return {"step": "return_reason", "reason": reason, "text": text.strip()}


def return_approved(reason: str) -> Step:
    return {"step": "return_approved", "reason": reason}


def event_step(steps: Sequence[Step]) -> Step:
    """An event's reason_step holding routing steps."""
    return {"step": EVENT_STEP, "steps": list(steps)}


def event_steps(data: Mapping[str, Any] | None) -> list[Any] | None:
    """The routing steps of an event's data, or None when its reason is not routing's."""
    step = (data or {}).get("reason_step")
    if isinstance(step, Mapping) and step.get("step") == EVENT_STEP:
        steps = step.get("steps")
        return list(steps) if isinstance(steps, list) else None
    return None


# ---- names --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Names:
    """Code → (Chinese name, English name) of the categories, areas and units the steps mention."""

    categories: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    areas: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    units: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def of(self, kind: str, code: str) -> str:
        table = {CATEGORY: self.categories, AREA: self.areas, UNIT: self.units}[kind]
        pair = table.get(code)
        return localized_name(*pair) if pair else ""


NO_NAMES = Names()


def codes_in(step_lists: Iterable[Sequence[Any] | None]) -> dict[str, set[str]]:
    """The codes of each kind (category, area, unit) that these steps mention."""
    found: dict[str, set[str]] = {CATEGORY: set(), AREA: set(), UNIT: set()}

    def walk(steps: Iterable[Any]) -> None:
        for step in steps:
            if not isinstance(step, Mapping):
                continue
            for param, kind in _CODES.get(str(step.get("step")), {}).items():
                value = step.get(param)
                if isinstance(value, str) and value:
                    found[kind].add(value)
            if isinstance(step.get("checks"), list):
                walk(step["checks"])

    for steps in step_lists:
        walk(steps or ())
    return found


# ---- rendering ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Style:
    steps: str  # between the reasons of a decision and the checks of a rule
    words: str  # between the keywords of one check


_STYLES = {"zh_CN": _Style(steps="；", words="、"), "en": _Style(steps="; ", words=", ")}


def _style() -> _Style:
    return _STYLES.get(current_locale(), _STYLES["en"])


def render(steps: Sequence[Any] | None, names: Names | None = None) -> str:
    """The steps as one line in the current locale."""
    return _style().steps.join(render_step(step, names) for step in steps or ())


def render_step(step: Any, names: Names | None = None) -> str:
    """One step in the current locale; a malformed or unknown one shows as data, never a 500."""
    if not isinstance(step, Mapping):
        return str(step)
    renderer = _RENDERERS.get(str(step.get("step")))
    if renderer is None:
        return _raw(step)
    try:
        return renderer(step, names or NO_NAMES)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        return _raw(step)


def shown(steps: Sequence[Any] | None, stored: str, names: Names | None = None) -> str:
    """What a page shows: the steps in its language, or the stored text of an older decision."""
    return render(steps, names) if steps else stored


def english(steps: Sequence[Any]) -> str:
    """The English line with codes only, stored beside the steps."""
    with use_locale("en"):
        return render(steps)


def _raw(step: Mapping[str, Any]) -> str:
    return json.dumps(step, ensure_ascii=False, sort_keys=True, default=str)


def code_label(kind: str, code: str, names: Names | None = None) -> str:
    """A category, area or unit code with its name in the current locale, when looked up."""
    names = names if isinstance(names, Names) else NO_NAMES
    if not code:
        return _("(none)")
    name = names.of(kind, code)
    return _("%(name)s (%(code)s)") % {"name": name, "code": code} if name else code


def _words(words: Sequence[str]) -> str:
    return _style().words.join(f"“{w}”" for w in words)


def _type(value: str) -> str:
    if not value:
        return _("(none)")
    label = TICKET_TYPES.get(value)
    return _(label) if label else value


def _version(value: Any) -> str:
    return str(int(value)) if value is not None else "?"


def _score(value: Any) -> str:
    return f"{float(value):.2f}"


# ---- one function per kind ----------------------------------------------------------------------

_Renderer = Callable[[Mapping[str, Any], Names], str]


def _category(step: Mapping[str, Any], names: Names) -> str:
    values = {
        "category": code_label(CATEGORY, step["category"], names),
        "prefix": code_label(CATEGORY, step["prefix"], names),
    }
    if step["matched"]:
        return _("category %(category)s is under %(prefix)s") % values
    return _("category %(category)s is not under %(prefix)s") % values


def _district(step: Mapping[str, Any], names: Names) -> str:
    values = {
        "district": code_label(AREA, step["district"], names),
        "expected": code_label(AREA, step["expected"], names),
    }
    if step["matched"]:
        return _("district is %(district)s") % values
    return _("district %(district)s is not %(expected)s") % values


def _street(step: Mapping[str, Any], names: Names) -> str:
    values = {
        "street": code_label(AREA, step["street"], names),
        "expected": code_label(AREA, step["expected"], names),
    }
    if step["matched"]:
        return _("street is %(street)s") % values
    return _("street %(street)s is not %(expected)s") % values


def _ticket_type(step: Mapping[str, Any], names: Names) -> str:
    values = {"type": _type(step["type"]), "expected": _type(step["expected"])}
    if step["matched"]:
        return _("type is %(type)s") % values
    return _("type %(type)s is not %(expected)s") % values


def _keywords(step: Mapping[str, Any], names: Names) -> str:
    if step["matched"]:
        return _("text mentions %(words)s") % {"words": _words(step["found"])}
    return _("text mentions none of %(words)s") % {"words": _words(step["keywords"])}


def _street_office(step: Mapping[str, Any], names: Names) -> str:
    if step["matched"]:
        return _("the street's office is %(unit)s") % {
            "unit": code_label(UNIT, step["unit"], names)
        }
    return _("no street office is known for street %(street)s") % {
        "street": code_label(AREA, step["street"], names)
    }


def _category_default(step: Mapping[str, Any], names: Names) -> str:
    if step["matched"]:
        return _("the category's default unit is %(unit)s") % {
            "unit": code_label(UNIT, step["unit"], names)
        }
    return _("category %(category)s has no default unit") % {
        "category": code_label(CATEGORY, step["category"], names)
    }


def _catch_all(step: Mapping[str, Any], names: Names) -> str:
    return _("catch-all rule")


def _rule(step: Mapping[str, Any], names: Names) -> str:
    checks = _style().steps.join(render_step(c, names) for c in step["checks"])
    return _("catalogue v%(version)s, rule %(id)s “%(name)s”: %(checks)s") % {
        "version": _version(step["version"]),
        "id": int(step["rule_id"]),
        "name": step["name"],
        "checks": checks,
    }


def _rule_unit_unavailable(step: Mapping[str, Any], names: Names) -> str:
    return _(
        "catalogue v%(version)s, rule %(id)s “%(name)s” names %(unit)s, "
        "which cannot receive tickets"
    ) % {
        "version": _version(step["version"]),
        "id": int(step["rule_id"]),
        "name": step["name"],
        "unit": code_label(UNIT, step["unit"], names),
    }


def _no_catalogue(step: Mapping[str, Any], names: Names) -> str:
    return _("no dispatch catalogue is published")


def _no_rule(step: Mapping[str, Any], names: Names) -> str:
    return _("no catalogue rule matched")


def _model_values(step: Mapping[str, Any], names: Names) -> dict[str, str]:
    return {
        "version": _version(step["version"]),
        "unit": code_label(UNIT, step["unit"], names),
        "score": _score(step["score"]),
        "threshold": _score(step["threshold"]),
    }


def _model_confident(step: Mapping[str, Any], names: Names) -> str:
    return _("model v%(version)s suggests %(unit)s with score %(score)s ≥ %(threshold)s") % (
        _model_values(step, names)
    )


def _model_below(step: Mapping[str, Any], names: Names) -> str:
    return _("model v%(version)s best guess %(unit)s at %(score)s is below %(threshold)s") % (
        _model_values(step, names)
    )


def _no_model(step: Mapping[str, Any], names: Names) -> str:
    return _("no trained model yet")


def _unknown_unit(step: Mapping[str, Any], names: Names) -> str:
    return _("unknown unit %(unit)s") % {"unit": step["unit"]}


def _inactive_unit(step: Mapping[str, Any], names: Names) -> str:
    return _("%(unit)s is inactive and cannot receive tickets") % {
        "unit": code_label(UNIT, step["unit"], names)
    }


def _push_down(step: Mapping[str, Any], names: Names) -> str:
    return _(
        "%(category)s is a duty of %(unit)s; it goes to a street office only where the "
        "published dispatch catalogue maps it there"
    ) % {
        "category": code_label(CATEGORY, step["category"], names),
        "unit": code_label(UNIT, step["unit"], names),
    }


def _by_hand(step: Mapping[str, Any], names: Names) -> str:
    return _("dispatched by hand")


def _note(step: Mapping[str, Any], names: Names) -> str:
    return str(step["text"])


def _return_label(reason: str) -> str:
    label = RETURN_REASONS.get(reason)
    return _(label) if label else reason


def _return_reason(step: Mapping[str, Any], names: Names) -> str:
    label = _return_label(str(step["reason"]))
    text = str(step.get("text") or "")
    return _("%(label)s: %(text)s") % {"label": label, "text": text} if text else label


def _return_approved(step: Mapping[str, Any], names: Names) -> str:
    return _("return approved (%(reason)s)") % {"reason": _return_label(str(step["reason"]))}


_RENDERERS: dict[str, _Renderer] = {
    "category": _category,
    "district": _district,
    "street": _street,
    "type": _ticket_type,
    "keywords": _keywords,
    "street_office": _street_office,
    "category_default": _category_default,
    "catch_all": _catch_all,
    "rule": _rule,
    "rule_unit_unavailable": _rule_unit_unavailable,
    "no_catalogue": _no_catalogue,
    "no_rule": _no_rule,
    "model_confident": _model_confident,
    "model_below": _model_below,
    "no_model": _no_model,
    "unknown_unit": _unknown_unit,
    "inactive_unit": _inactive_unit,
    "push_down": _push_down,
    "by_hand": _by_hand,
    "note": _note,
    "return_reason": _return_reason,
    "return_approved": _return_approved,
}
