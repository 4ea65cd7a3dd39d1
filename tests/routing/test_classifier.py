"""The routing classifier on small synthetic Chinese texts: labels, sorted scores, round trip."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import numpy as np
import pytest

from service import clock
from service.routing.classifier import RoutingModel, Suggestion, normalise, train_model, words

VOCAB = {
    "water": ["停水", "自来水", "水压", "水管", "漏水", "水费", "供水"],
    "school": ["学校", "老师", "学生", "教育局", "校车", "学费", "课堂"],
    "road": ["公路", "红绿灯", "公交", "堵车", "路面", "车站", "限速"],
}
FILLER = ["小区", "居民", "反映", "希望", "尽快", "解决", "问题", "长期", "领导", "我们"]
PLACES = ["A市", "A2区", "K3县", "E11县", "B市"]


def synthetic(n_per_class: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """Short complaints: a place code, two class words and filler shared by all classes."""
    rng = random.Random(seed)
    texts: list[str] = []
    labels: list[str] = []
    for label, vocab in VOCAB.items():
        for _ in range(n_per_class):
            parts = [rng.choice(PLACES), *rng.sample(vocab, 2), *rng.sample(FILLER, 3)]
            rng.shuffle(parts)
            texts.append("".join(parts) + "。")
            labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def model() -> RoutingModel:
    texts, labels = synthetic(30)
    return train_model(texts, labels)


def test_clear_texts_get_their_label(model: RoutingModel) -> None:
    assert model.suggest("A2区自来水停水三天，水压很低")[0].label == "water"
    assert model.suggest("K3县学校老师乱收学费")[0].label == "school"
    assert model.predict(["公交车站附近红绿灯坏了，天天堵车"]) == ["road"]


def test_held_out_synthetic_texts_are_mostly_right(model: RoutingModel) -> None:
    texts, labels = synthetic(20, seed=7)
    predicted = model.predict(texts)
    assert np.mean([p == t for p, t in zip(predicted, labels, strict=True)]) >= 0.95


def test_suggestions_are_top_k_sorted_probabilities(model: RoutingModel) -> None:
    found = model.suggest("小区长期漏水，希望尽快解决", k=3)
    assert [s.label for s in found][0] == "water"
    assert len(found) == 3 and len({s.label for s in found}) == 3
    scores = [s.score for s in found]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores) and sum(scores) <= 1.0 + 1e-9
    assert model.suggest("小区长期漏水，希望尽快解决", k=1) == found[:1]
    assert all(isinstance(s, Suggestion) for s in found)


def test_batch_probabilities_cover_every_class(model: RoutingModel) -> None:
    classes, proba = model.predict_proba_batch(["水管漏水", "学生校车", ""])
    assert classes == ["road", "school", "water"] == model.classes
    assert proba.shape == (3, 3)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert classes[int(proba[0].argmax())] == "water"
    assert classes[int(proba[1].argmax())] == "school"


def test_confidence_is_higher_on_clear_than_on_mixed_texts(model: RoutingModel) -> None:
    clear = model.suggest("停水 自来水 水压 水管 漏水")[0].score
    mixed = model.suggest("停水 学校 公路")[0].score
    assert clear > 0.8
    assert mixed < clear


def test_dumps_loads_round_trip_gives_identical_suggestions(model: RoutingModel) -> None:
    blob = model.dumps()
    loaded = RoutingModel.loads(blob)
    for text in ["A市停水", "老师学生", "公交堵车", "无关的内容"]:
        assert loaded.suggest(text) == model.suggest(text)
    assert loaded.classes == model.classes
    assert (loaded.version, loaded.n_samples, loaded.trained_at) == (
        model.version,
        model.n_samples,
        model.trained_at,
    )


def test_loads_refuses_other_blobs() -> None:
    import pickle

    with pytest.raises(ValueError, match="routing model"):
        RoutingModel.loads(pickle.dumps({"not": "a model"}))


def test_metadata_and_in_place_training() -> None:
    texts, labels = synthetic(10)
    at = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    fresh = RoutingModel()
    with clock.frozen(at):
        returned = fresh.train(texts, labels)
    assert returned is fresh
    assert fresh.trained_at == at
    assert fresh.n_samples == 30
    assert fresh.classes == ["road", "school", "water"]
    assert fresh.version


def test_tiny_bootstrap_data_with_one_example_per_label() -> None:
    # The catalogue bootstrap may give a unit a single phrase; training must still work.
    model = train_model(["供水 停水", "学校 教育", "道路 交通", "垃圾 噪音"], ["W", "S", "R", "E"])
    assert model.suggest("小区停水了")[0].label == "W"
    assert len(model.suggest("噪音", k=10)) == 4


def test_two_labels_and_punctuation_only_texts() -> None:
    model = train_model(
        ["停水！", "学校？", "。。", "停水停水"], ["water", "school", "water", "water"]
    )
    assert model.suggest("学校")[0].label == "school"
    assert train_model(["！", "？"], ["a", "b"]).suggest("？")[0].score <= 1.0


def test_training_needs_two_labels_and_matching_lengths() -> None:
    with pytest.raises(ValueError, match="two distinct labels"):
        train_model(["停水", "漏水"], ["water", "water"])
    with pytest.raises(ValueError, match="labels"):
        train_model(["停水"], ["water", "school"])
    with pytest.raises(RuntimeError, match="not trained"):
        RoutingModel().suggest("停水")


def test_normalise_hides_place_codes_and_digits() -> None:
    assert normalise("A2区和K3县、E11县到A市") == "某区和某县、某县到某市"
    assert normalise("2019年8月") == "0年0月"
    assert normalise("ABC公司") == "abc公司"  # not followed by 市/区/县: only lower-cased


def test_words_drop_punctuation() -> None:
    assert words("自来水停水了！！") and all(w.strip("！") for w in words("自来水停水了！！"))
