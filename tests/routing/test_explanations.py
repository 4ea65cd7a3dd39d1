"""A routing decision's reasons, stored as steps, read in the page's language with names."""

from __future__ import annotations

import pytest

from service import i18n
from service.routing import explanations
from service.routing.explanations import Names
from service.routing.rules import Facts, Rule, evaluate

NAMES = Names(
    categories={"MR": ("市场监管", "Market regulation"), "MR.FAKE": ("假冒伪劣", "Fake goods")},
    areas={"150203": ("昆都仑区", "Kundulun"), "150203001": ("沼潭街道", "")},
    units={"M-SAMR": ("市场监管局", "Market Regulation Bureau"), "S-150203001": ("沼潭街道办", "")},
)
RULE = explanations.rule(
    1,
    7,
    "假货归市场监管",
    [
        {"step": "category", "matched": True, "category": "MR.FAKE", "prefix": "MR"},
        {"step": "keywords", "matched": True, "found": ["假药", "过期药"], "keywords": ["假药"]},
    ],
)


def _both(steps: list[explanations.Step], names: Names | None = None) -> tuple[str, str]:
    with i18n.use_locale("zh_CN"):
        zh = explanations.render(steps, names)
    with i18n.use_locale("en"):
        en = explanations.render(steps, names)
    return zh, en


def test_a_rule_decision_reads_in_chinese_and_english_with_names() -> None:
    zh, en = _both([RULE], NAMES)
    assert zh == (
        "派单目录第1版，规则7“假货归市场监管”：类别假冒伪劣（MR.FAKE）属于市场监管（MR）；"
        "文本提到“假药”、“过期药”"
    )
    assert en == (
        "catalogue v1, rule 7 “假货归市场监管”: category Fake goods (MR.FAKE) is under "
        "Market regulation (MR); text mentions “假药”, “过期药”"
    )


def test_the_stored_english_has_codes_only_and_reads_as_before() -> None:
    with i18n.use_locale("zh_CN"):  # whatever the request's language
        text = explanations.english([RULE])
    assert text == (
        "catalogue v1, rule 7 “假货归市场监管”: category MR.FAKE is under MR; "
        "text mentions “假药”, “过期药”"
    )


@pytest.mark.parametrize(
    ("steps", "zh", "en"),
    [
        (
            [explanations.no_rule(), explanations.model(2, "M-SAMR", 0.412, 0.8)],
            "派单目录中没有命中的规则；模型第2版的首选市场监管局（M-SAMR）得分0.41，低于0.80",
            "no catalogue rule matched; model v2 best guess Market Regulation Bureau (M-SAMR) "
            "at 0.41 is below 0.80",
        ),
        (
            [explanations.no_rule(), explanations.model(3, "M-SAMR", 0.95, 0.9)],
            "派单目录中没有命中的规则；模型第3版建议市场监管局（M-SAMR），得分0.95 ≥ 0.90",
            "no catalogue rule matched; model v3 suggests Market Regulation Bureau (M-SAMR) "
            "with score 0.95 ≥ 0.90",
        ),
        (
            [explanations.no_rule(catalogue=False), explanations.no_model()],
            "尚未发布派单目录；尚无训练好的模型",
            "no dispatch catalogue is published; no trained model yet",
        ),
        (
            [explanations.push_down("MR.FAKE", "M-SAMR")],
            "假冒伪劣（MR.FAKE）是市场监管局（M-SAMR）的职责；只有已发布的派单目录如此规定时，"
            "才能派给街道办事处",
            "Fake goods (MR.FAKE) is a duty of Market Regulation Bureau (M-SAMR); it goes to a "
            "street office only where the published dispatch catalogue maps it there",
        ),
        (
            [explanations.unit_unavailable("M-GONE", known=False)],
            "未知单位M-GONE",
            "unknown unit M-GONE",
        ),
        (
            [explanations.rule_unit_unavailable(4, 9, "旧规则", "M-SAMR")],
            "派单目录第4版，规则9“旧规则”指定的市场监管局（M-SAMR）不能接收工单",
            "catalogue v4, rule 9 “旧规则” names Market Regulation Bureau (M-SAMR), "
            "which cannot receive tickets",
        ),
        ([explanations.manual("")], "调度员人工派单", "dispatched by hand"),
        ([explanations.manual(" 改派城管 ")], "改派城管", "改派城管"),  # a note as typed
        (
            [explanations.return_reason("not_our_duty", "摆摊归城管")],
            "不属于本单位职责：摆摊归城管",
            "Not our duty: 摆摊归城管",
        ),
        (
            [explanations.return_approved("wrong_area")],
            "同意退单（不属于本辖区）",
            "return approved (Wrong area)",
        ),
    ],
)
def test_each_reason_in_both_languages(steps: list[explanations.Step], zh: str, en: str) -> None:
    assert _both(steps, NAMES) == (zh, en)


def test_every_check_of_the_catalogue_in_both_languages() -> None:
    """Facts a rule-writer would test on the try page: each condition, met and unmet."""
    rules = [
        Rule(1, "r1", "U", district="150203", street="150203001", ticket_type="complaint"),
        Rule(2, "r2", "@street", keywords=("占道",)),
        Rule(3, "r3", "@category", category_prefix="MR"),
    ]
    facts = Facts(category="MR.FAKE", district="150204", ticket_type="help", text="路边摆摊")
    outcome = evaluate(rules, facts, {})
    lines = []
    for verdict in outcome.verdicts:
        with i18n.use_locale("zh_CN"):
            lines.append([explanations.render_step(c, NAMES) for c in verdict.checks])
    assert lines == [
        [
            "区县150204不是昆都仑区（150203）",
            "街道（无）不是沼潭街道（150203001）",
            "类型求助不是投诉",
        ],
        ["文本未提到“占道”中的任何一个"],
        ["类别假冒伪劣（MR.FAKE）属于市场监管（MR）", "类别假冒伪劣（MR.FAKE）没有默认单位"],
    ]
    with i18n.use_locale("en"):
        assert explanations.render(outcome.verdicts[0].checks, NAMES) == (
            "district 150204 is not Kundulun (150203); "
            # No English name: the Chinese one, as everywhere else on English pages.
            "street (none) is not 沼潭街道 (150203001); type Help is not Complaint"
        )


def test_an_unknown_or_malformed_step_shows_as_data_and_old_text_as_stored() -> None:
    with i18n.use_locale("zh_CN"):
        assert (
            explanations.render([{"step": "future_kind", "x": 1}])
            == '{"step": "future_kind", "x": 1}'
        )
        assert explanations.render([{"step": "model_below", "unit": "M"}]).startswith("{")
        assert explanations.shown(None, "catalogue v1, rule 3 …") == "catalogue v1, rule 3 …"
        assert explanations.shown([], "no catalogue rule matched") == "no catalogue rule matched"


def test_codes_are_collected_for_one_batched_look_up() -> None:
    steps = [RULE, explanations.model(2, "M-SAMR", 0.5, 0.9), explanations.push_down("SO", "M-U")]
    assert explanations.codes_in([steps, None]) == {
        "category": {"MR.FAKE", "MR", "SO"},
        "area": set(),
        "unit": {"M-SAMR", "M-U"},
    }
    event = {"reason_step": explanations.event_step(steps)}
    assert explanations.event_steps(event) == steps
    assert explanations.event_steps({"reason_step": {"step": "rule_duration"}}) is None
