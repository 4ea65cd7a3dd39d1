"""Offline evaluation: metrics on hand-made examples, split and CV runs, and the CLI contract."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import pytest

from service.routing.evaluate import (
    accuracy_at_coverage,
    add_arguments,
    evaluate_cv,
    evaluate_split,
    load_rows,
    metrics,
    run,
    run_parsed,
    stratified_folds,
)
from tests.routing.test_classifier import synthetic


def rows_of(n_per_class: int, seed: int = 0) -> list[dict[str, str]]:
    texts, labels = synthetic(n_per_class, seed)
    return [
        {"msg_id": str(i), "title": t[:6], "text": t, "label": lab}
        for i, (t, lab) in enumerate(zip(texts, labels, strict=True))
    ]


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_accuracy_at_coverage_keeps_the_most_confident() -> None:
    correct = [True, True, True, True, True, False, True, False, False, False]
    confidence = [0.99, 0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]
    got = accuracy_at_coverage(correct, confidence)
    assert got == {"100": 0.6, "90": 0.6667, "80": 0.75, "70": 0.8571, "50": 1.0}
    # The order of the input does not matter, only the confidences.
    assert accuracy_at_coverage(correct[::-1], confidence[::-1]) == got


def test_metrics_on_a_hand_made_example() -> None:
    truth = ["a", "a", "a", "b", "b", "c"]
    predicted = ["a", "a", "b", "b", "b", "a"]
    result = metrics(truth, predicted, [0.9, 0.8, 0.4, 0.9, 0.7, 0.3])
    assert result["accuracy"] == round(4 / 6, 4)
    assert result["per_class"]["a"] == {
        "precision": 0.6667,
        "recall": 0.6667,
        "f1": 0.6667,
        "support": 3,
    }
    assert result["per_class"]["b"] == {"precision": 0.6667, "recall": 1.0, "f1": 0.8, "support": 2}
    assert result["per_class"]["c"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert result["macro_f1"] == round((2 / 3 + 0.8 + 0.0) / 3, 4)
    assert result["confusion"] == {
        "labels": ["a", "b", "c"],
        "matrix": [[2, 1, 0], [0, 2, 0], [1, 0, 0]],
    }
    assert result["accuracy_at_coverage"]["50"] == 1.0  # the three most confident are right
    json.dumps(result)


def test_stratified_folds_are_balanced_and_repeatable() -> None:
    labels = ["a"] * 10 + ["b"] * 5 + ["c"] * 3
    folds = stratified_folds(labels, 3, seed=1)
    assert folds == stratified_folds(labels, 3, seed=1)
    for label in "abc":
        counts = [
            sum(1 for f, lab in zip(folds, labels, strict=True) if f == k and lab == label)
            for k in range(3)
        ]
        assert max(counts) - min(counts) <= 1
    sizes = [folds.count(k) for k in range(3)]
    assert max(sizes) - min(sizes) <= 1


def test_evaluate_split_on_synthetic_rows() -> None:
    result = evaluate_split(rows_of(20), rows_of(10, seed=3), ["title", "text"], "label")
    assert result["n_train"] == 60 and result["n_test"] == 30
    assert result["macro_f1"] >= 0.9
    assert set(result["per_class"]) == {"road", "school", "water"}
    coverage = result["accuracy_at_coverage"]
    assert list(coverage) == ["100", "90", "80", "70", "50"]
    assert coverage["50"] >= coverage["100"]


def test_evaluate_cv_pools_every_row() -> None:
    result = evaluate_cv(rows_of(12), 3, ["text"], "label", seed=0)
    assert sum(sum(r) for r in result["confusion"]["matrix"]) == 36
    assert result["n_test"] == 36 and result["folds"] == 3
    assert result["accuracy"] >= 0.9


def test_cli_cv_prints_json_last(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_csv(tmp_path / "data.csv", rows_of(10))
    assert run(["--cv", "3", str(data)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    result = json.loads(out[-1])
    assert result["n_test"] == 30 and result["macro_f1"] > 0.8


def test_cli_split_with_explicit_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train = write_csv(tmp_path / "train.csv", [{**r, "cat": r["label"]} for r in rows_of(15)])
    test = write_csv(tmp_path / "test.csv", [{**r, "cat": r["label"]} for r in rows_of(5, seed=9)])
    argv = ["--train", str(train), "--test", str(test), "--text-cols", "text", "--label-col", "cat"]
    assert run(argv) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (result["n_train"], result["n_test"]) == (45, 15)


def test_cli_missing_file_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["--cv", "5", str(tmp_path / "nope.csv")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().count("\n") == 0
    assert "no such file" in captured.err and "nope.csv" in captured.err
    assert "Traceback" not in captured.err


def test_cli_missing_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_csv(tmp_path / "data.csv", rows_of(5))
    assert run(["--cv", "2", str(data), "--label-col", "category"]) == 2
    assert "no column 'category'" in capsys.readouterr().err
    assert run(["--cv", "2", str(data), "--text-cols", "body"]) == 2
    assert "no column 'body'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--train", "a.csv"],
        ["--cv", "3"],
        ["--cv", "x", "a.csv"],
        ["--cv", "3", "a", "--test", "b"],
    ],
)
def test_cli_usage_errors_return_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(argv) == 2
    assert "error" in capsys.readouterr().err


def test_cli_single_label_and_too_many_folds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = write_csv(
        tmp_path / "one.csv", [{"text": "停水", "label": "w"}, {"text": "漏水", "label": "w"}]
    )
    assert run(["--cv", "2", str(one)]) == 2
    assert "two" in capsys.readouterr().err
    assert run(["--cv", "9", str(one)]) == 2
    assert "folds" in capsys.readouterr().err


def test_load_rows_reads_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufefftitle,label\n停水,w\n".encode())
    assert load_rows(path) == [{"title": "停水", "label": "w"}]


def test_add_arguments_lets_another_parser_host_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # How the civic CLI can register `routing evaluate` with its real options.
    parser = argparse.ArgumentParser(prog="civic")
    evaluate = parser.add_subparsers(dest="command").add_parser("evaluate")
    add_arguments(evaluate)
    data = write_csv(tmp_path / "data.csv", rows_of(6))
    assert run_parsed(parser.parse_args(["evaluate", "--cv", "2", str(data)])) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["folds"] == 2
