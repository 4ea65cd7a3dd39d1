"""The dispatch catalogue: empty conditions match anything, the first matching rule wins."""

from __future__ import annotations

import pytest

from service.routing.rules import CATEGORY_DEFAULT, STREET_OFFICE, Facts, Rule, evaluate, split_list

OFFICES = {"150203001": "S-150203001"}
CATALOGUE = [
    Rule(1, "fake medicine", "M-SAMR", category_prefix="MR.FAKE", keywords=("假药", "过期药")),
    Rule(2, "market", "M-SAMR", category_prefix="MR"),
    Rule(3, "stalls", STREET_OFFICE, category_prefix="SO.STALL", assisting=("M-URBAN",)),
    Rule(4, "kundulun complaints", "D-150203", district="150203", ticket_type="complaint"),
    Rule(5, "default", CATEGORY_DEFAULT),
]


@pytest.mark.parametrize(
    ("facts", "rule_id", "lead"),
    [
        (Facts(category="MR.FAKE.DRUG", text="药店卖假药"), 1, "M-SAMR"),
        (Facts(category="MR.FAKE.DRUG", text="超市卖假酒"), 2, "M-SAMR"),
        (Facts(category="MRX", text="", category_default="M-X"), 5, "M-X"),
        (Facts(category="SO.STALL.BBQ", street="150203001"), 3, "S-150203001"),
        # A street rule with no known street falls through to the next rule.
        (Facts(category="SO.STALL", street="", category_default="M-URBAN"), 5, "M-URBAN"),
        (Facts(district="150203", ticket_type="complaint", category_default="M-A"), 4, "D-150203"),
        (Facts(district="150203", ticket_type="help", category_default="M-A"), 5, "M-A"),
        (Facts(category="OT", category_default=""), None, None),
    ],
)
def test_first_matching_rule_fires(facts: Facts, rule_id: int | None, lead: str | None) -> None:
    fired = evaluate(CATALOGUE, facts, OFFICES).fired
    assert (fired.rule.id if fired else None) == rule_id
    assert (fired.lead_unit if fired else None) == lead


def test_keywords_are_case_insensitive_and_any_one_matches() -> None:
    rule = Rule(1, "r", "U", keywords=("WiFi", "网络"))
    assert evaluate([rule], Facts(text="小区wifi坏了")).fired is not None
    assert evaluate([rule], Facts(text="停水")).fired is None


def test_the_fired_rule_records_every_condition_as_data() -> None:
    outcome = evaluate(CATALOGUE, Facts(category="MR.FAKE", text="卖过期药"), OFFICES)
    assert outcome.fired is not None and outcome.fired.rule.id == 1
    assert outcome.fired.checks == (
        {"step": "category", "matched": True, "category": "MR.FAKE", "prefix": "MR.FAKE"},
        {"step": "keywords", "matched": True, "found": ["过期药"], "keywords": ["假药", "过期药"]},
    )


def test_a_rule_that_does_not_fire_says_which_condition_failed() -> None:
    outcome = evaluate(CATALOGUE[:1], Facts(category="MR.FAKE", text="假酒"))
    assert outcome.fired is None
    [verdict] = outcome.verdicts
    assert [(c["step"], c["matched"]) for c in verdict.checks] == [
        ("category", True),
        ("keywords", False),
    ]


@pytest.mark.parametrize(
    ("rule", "facts", "checks"),
    [
        (
            CATALOGUE[2],
            Facts(category="SO.STALL", street="150203001"),
            [
                {"step": "category", "matched": True, "category": "SO.STALL", "prefix": "SO.STALL"},
                {
                    "step": "street_office",
                    "matched": True,
                    "street": "150203001",
                    "unit": "S-150203001",
                },
            ],
        ),
        (
            CATALOGUE[2],
            Facts(category="SO.STALL"),
            [
                {"step": "category", "matched": True, "category": "SO.STALL", "prefix": "SO.STALL"},
                {"step": "street_office", "matched": False, "street": "", "unit": ""},
            ],
        ),
        (
            CATALOGUE[3],
            Facts(district="150204", ticket_type="complaint"),
            [
                {"step": "district", "matched": False, "district": "150204", "expected": "150203"},
                {"step": "type", "matched": True, "type": "complaint", "expected": "complaint"},
            ],
        ),
        (
            CATALOGUE[4],
            Facts(category="OT"),
            [{"step": "category_default", "matched": False, "category": "OT", "unit": ""}],
        ),
        (Rule(9, "all", "M-X"), Facts(), [{"step": "catch_all", "matched": True}]),
    ],
)
def test_each_kind_of_condition_is_recorded_either_way(
    rule: Rule, facts: Facts, checks: list[dict[str, object]]
) -> None:
    assert list(evaluate([rule], facts, OFFICES).verdicts[0].checks) == checks


def test_evaluation_stops_at_the_first_match() -> None:
    outcome = evaluate(CATALOGUE, Facts(category="MR.PRICE"), OFFICES)
    assert [v.rule.id for v in outcome.verdicts] == [1, 2]


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("a|b", ("a", "b")),
        (" a , b ,", ("a", "b")),
        ("假药，过期药、劣药", ("假药", "过期药", "劣药")),
        ("", ()),
    ],
)
def test_lists_as_people_type_them(text: str, parts: tuple[str, ...]) -> None:
    assert split_list(text) == parts
