"""Text clustering without a database: near-identical texts group, unrelated ones stay alone,
labels are words many requesters used, and the rising rule."""

from __future__ import annotations

import pytest

from service.i18n import use_locale
from service.supervision import clustering
from service.supervision.hot_topics import parse_terms
from service.tickets.pii import mask_text

COMMUNITIES = ["幸福", "阳光", "和平", "友谊", "青山", "昆河", "钢城", "富强"]
NOISE = [
    (
        "某小区夜间施工噪音扰民",
        f"{name}小区旁边的工地每天夜里{10 + i % 3}点以后还在施工，噪音很大。",
    )
    for i, name in enumerate(COMMUNITIES)
]
UNRELATED = [
    ("超市卖假酒", "在某超市买到假冒白酒，要求退货赔偿。"),
    ("路灯不亮", "钢铁大街路灯坏了一个月没人修。"),
    ("公交车不按站停车", "5路公交车经常不停站，司机态度差。"),
    ("供暖温度不达标", "家里暖气温度只有十五度，请热力公司处理。"),
    ("医院挂号难", "市医院网上挂号总是约不上。"),
    ("占道经营", "菜市场门口小贩占道经营堵塞交通。"),
    ("停水没有通知", "昨天突然停水，事先没有任何通知。"),
    ("学校乱收费", "某学校收取资料费每人三百元。"),
    ("小区垃圾无人清运", "小区垃圾堆了一周没人清运，气味很大。"),
    ("工地扬尘严重", "工地没有覆盖防尘网，扬尘严重。"),
]


def _docs(texts: list[tuple[str, str]]) -> list[str]:
    return [clustering.prepare(title, body) for title, body in texts]


def test_near_identical_texts_group_and_unrelated_ones_stay_alone() -> None:
    docs = _docs(NOISE + UNRELATED)
    _, x = clustering.Features.fit(docs)
    assert clustering.groups(x, 0.5) == [list(range(len(NOISE)))]


def test_a_chain_of_unlike_ends_is_split_by_average_linkage() -> None:
    # A~B and B~C are linked, A and C share nothing: one component, but not one cluster.
    a = "甲乙丙丁戊己庚辛壬癸"
    c = "子丑寅卯辰巳午未申酉"
    docs = [a, a[:7] + c[:7], c] + _docs(UNRELATED)
    _, x = clustering.Features.fit(docs)
    similarity = 0.3
    assert (x[0] @ x[1].T).toarray()[0, 0] >= similarity
    assert (x[1] @ x[2].T).toarray()[0, 0] >= similarity
    assert (x[0] @ x[2].T).toarray()[0, 0] == 0
    found = clustering.groups(x, similarity)
    assert [0, 1, 2] not in found
    assert all(len(g) == 2 for g in found)


def test_similar_tickets_of_earlier_weeks_are_counted_against_the_centroid() -> None:
    docs = _docs(NOISE + UNRELATED)
    features, x = clustering.Features.fit(docs)
    centres = clustering.centroids(x, clustering.groups(x, 0.5))
    earlier = features.transform(_docs([NOISE[0], NOISE[3], UNRELATED[0], UNRELATED[9]]))
    assert clustering.similar_counts(earlier, centres, 0.5).tolist() == [2]


def test_key_terms_are_words_shared_across_requesters_that_set_the_cluster_apart() -> None:
    docs = _docs(NOISE + UNRELATED)
    corpus = clustering.Corpus(docs, *clustering.Features.fit(docs))
    titles = [clustering.normalise(title) for title, _ in NOISE]
    owners = [f"phone-{i}" for i in range(len(NOISE))]
    terms = clustering.key_terms(titles, docs[: len(NOISE)], owners, corpus)
    assert {"噪音", "夜间", "扰民", "施工"} <= set(terms)
    # 小区 is also in an unrelated complaint, so it ranks after the words only the cluster has.
    assert terms.index("小区") > max(terms.index(t) for t in ("噪音", "夜间", "扰民", "施工"))
    # Words from a single requester never label a cluster.
    assert clustering.key_terms(titles, docs[: len(NOISE)], ["same"] * len(NOISE), corpus) == []


def test_key_terms_leave_out_numbers_and_place_codes() -> None:
    texts = [("A2区3号楼电梯停运", "A2区幸福小区3号楼电梯停运三天。")] * 4
    docs = _docs(texts)
    titles = [clustering.normalise(t) for t, _ in texts]
    corpus = clustering.Corpus(docs, *clustering.Features.fit(docs))
    terms = clustering.key_terms(titles, docs, ["a", "b", "c", "d"], corpus)
    assert "电梯" in terms
    assert all("0" not in t and "某" not in t for t in terms)


@pytest.mark.parametrize(
    ("count", "usual", "rise", "expected"),
    [
        (5, 0.0, 2.0, True),  # new: nothing similar before
        (8, 0.33, 2.0, True),
        (5, 5.0, 2.0, False),  # its usual level
        (10, 5.0, 2.0, False),  # twice the usual level is not more than twice
        (11, 5.0, 2.0, True),
        (6, 5.0, 1.0, True),
        (0, 0.0, 2.0, False),
    ],
)
def test_rising(count: int, usual: float, rise: float, expected: bool) -> None:
    assert clustering.rising(count, usual, rise=rise) is expected


def test_the_corpus_counts_texts_containing_a_word() -> None:
    docs = _docs(NOISE + UNRELATED)
    corpus = clustering.Corpus(docs, *clustering.Features.fit(docs))
    for term in ("噪音", "小区", "施工噪音扰民", "工地", "暖气", "地铁", "a"):
        assert corpus.count(term) == sum(term in doc for doc in docs)


def test_dominant_ignores_unknown_values() -> None:
    assert clustering.dominant([None, 2, 3, 3, None, None]) == 3
    assert clustering.dominant([None, None]) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("噪音扰民 13912345678", "噪音扰民 139****5678"),
        ("联系电话 139 1234 5678", "联系电话 139****5678"),
        ("座机0472-5123456", "座机047****3456"),
        ("身份证150203199001011234", "身份证150****1234"),
        ("张伟家楼下施工", "张*家楼下施工"),
        ("3号楼 2026年", "3号楼 2026年"),
    ],
)
def test_free_text_masking(text: str, expected: str) -> None:
    assert mask_text(text, names=["张伟"]) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("噪音 夜间施工", ["噪音", "夜间施工"]),
        ("噪音，扰民、噪音; 夜间", ["噪音", "扰民", "夜间"]),
        ("  ", "Enter at least one key term."),
        ("噪 音", "Each key term needs 2 to 20 characters."),
        (" ".join(f"词{i}" for i in range(9)), "At most 8 key terms."),
    ],
)
def test_parse_terms(typed: str, expected: list[str] | str) -> None:
    if isinstance(expected, list):
        assert parse_terms(typed) == expected
    else:
        with use_locale("en"), pytest.raises(ValueError, match=expected):
            parse_terms(typed)
