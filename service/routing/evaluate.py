"""Offline evaluation of the routing classifier on labelled CSV files: a split or stratified K-fold.

Every figure is computed from pooled predictions: macro-F1, accuracy, per-class precision/recall/
F1, the confusion matrix, and accuracy over the most confident X% of predictions (the share a
confidence threshold could route automatically).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from service.routing.classifier import Params

Row = Mapping[str, str]
COVERAGES = (100, 90, 80, 70, 50)
DEFAULT_TEXT_COLS = ("title", "text")


class InputError(ValueError):
    """A file or column the evaluation needs is missing or unreadable."""


def load_rows(path: str | Path) -> list[dict[str, str]]:
    """The rows of a UTF-8 CSV file with a header line, as dicts."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"no such file: {p}")
    try:
        with p.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = [{k: v or "" for k, v in row.items() if k is not None} for row in reader]
            header = list(reader.fieldnames or [])
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{p} is not a readable UTF-8 CSV file: {exc}") from exc
    if not header:
        raise InputError(f"{p} is empty (no header line)")
    if not rows:
        raise InputError(f"{p} has a header but no rows")
    return rows


def check_columns(rows: Sequence[Row], columns: Sequence[str], source: str) -> None:
    """Raise InputError naming the first column the rows lack."""
    present = list(rows[0]) if rows else []
    for column in columns:
        if column not in present:
            raise InputError(f"{source} has no column {column!r} (columns: {', '.join(present)})")


def default_text_cols(rows: Sequence[Row]) -> list[str]:
    """title and text, those of them the rows have."""
    return [c for c in DEFAULT_TEXT_COLS if rows and c in rows[0]]


def texts_of(rows: Sequence[Row], text_cols: Sequence[str]) -> list[str]:
    """Each row's text columns joined by newlines, empty ones left out."""
    return ["\n".join(row[c] for c in text_cols if row[c]) for row in rows]


def metrics(
    truth: Sequence[str], predicted: Sequence[str], confidence: Sequence[float]
) -> dict[str, Any]:
    """Macro-F1, accuracy, per-class figures, confusion and accuracy at coverage of predictions."""
    if not (len(truth) == len(predicted) == len(confidence)) or not truth:
        raise ValueError("need equally many, and some, true labels, predictions and confidences")
    labels = sorted(set(truth) | set(predicted))
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in zip(truth, predicted, strict=True):
        matrix[index[t], index[p]] += 1
    per_class: dict[str, dict[str, float | int]] = {}
    f1s: list[float] = []
    for i, label in enumerate(labels):
        tp = int(matrix[i, i])
        support = int(matrix[i].sum())
        precision = _ratio(tp, int(matrix[:, i].sum()))
        recall = _ratio(tp, support)
        f1 = _ratio(2 * precision * recall, precision + recall)
        per_class[label] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": support,
        }
        if support:  # a label only ever predicted, never true, has no F1 to average
            f1s.append(f1)
    correct = np.array([t == p for t, p in zip(truth, predicted, strict=True)])
    return {
        "macro_f1": round(float(np.mean(f1s)), 4),
        "accuracy": round(float(correct.mean()), 4),
        "per_class": per_class,
        "confusion": {"labels": labels, "matrix": matrix.tolist()},
        "accuracy_at_coverage": accuracy_at_coverage(correct, confidence),
    }


def accuracy_at_coverage(
    correct: Sequence[bool] | npt.NDArray[np.bool_],
    confidence: Sequence[float],
    coverages: Sequence[int] = COVERAGES,
) -> dict[str, float]:
    """Accuracy over the most confident ceil(X% of n) predictions, for each coverage X."""
    hits = np.asarray(correct, dtype=bool)
    # Stable sort: equally confident predictions keep their input order, so results repeat.
    order = np.argsort(-np.asarray(confidence, dtype=np.float64), kind="stable")
    result: dict[str, float] = {}
    for coverage in coverages:
        kept = max(1, math.ceil(len(hits) * coverage / 100))
        result[str(coverage)] = round(float(hits[order[:kept]].mean()), 4)
    return result


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def _predict(
    train_texts: Sequence[str],
    train_labels: Sequence[str],
    test_texts: Sequence[str],
    params: Params | None,
) -> tuple[list[str], list[float]]:
    from service.routing.classifier import train_model  # scikit-learn loads only when needed

    model = train_model(train_texts, train_labels, params)
    classes, proba = model.predict_proba_batch(test_texts)
    best = proba.argmax(axis=1)
    return [classes[i] for i in best], [float(proba[r, i]) for r, i in enumerate(best)]


def evaluate_split(
    train_rows: Sequence[Row],
    test_rows: Sequence[Row],
    text_cols: Sequence[str],
    label_col: str,
    params: Params | None = None,
) -> dict[str, Any]:
    """Train on one set of rows, score on another."""
    check_columns(train_rows, [*text_cols, label_col], "the training data")
    check_columns(test_rows, [*text_cols, label_col], "the test data")
    truth = [row[label_col] for row in test_rows]
    predicted, confidence = _predict(
        texts_of(train_rows, text_cols),
        [row[label_col] for row in train_rows],
        texts_of(test_rows, text_cols),
        params,
    )
    result = metrics(truth, predicted, confidence)
    result.update(n_train=len(train_rows), n_test=len(test_rows))
    return result


def stratified_folds(labels: Sequence[str], folds: int, seed: int = 0) -> list[int]:
    """Each row's fold: every label's rows are shuffled and dealt round-robin over the folds."""
    rng = np.random.default_rng(seed)
    fold_of = [0] * len(labels)
    start = 0
    for label in sorted(set(labels)):
        members = [i for i, lab in enumerate(labels) if lab == label]
        rng.shuffle(members)
        # Each label starts where the previous one stopped, so fold sizes stay even.
        for j, i in enumerate(members):
            fold_of[i] = (start + j) % folds
        start = (start + len(members)) % folds
    return fold_of


def evaluate_cv(
    rows: Sequence[Row],
    folds: int,
    text_cols: Sequence[str],
    label_col: str,
    seed: int = 0,
    params: Params | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Stratified K-fold: each row is predicted by the model trained on the other folds."""
    check_columns(rows, [*text_cols, label_col], "the data")
    if folds < 2 or folds > len(rows):
        raise InputError(f"--cv needs between 2 and {len(rows)} folds, not {folds}")
    texts = texts_of(rows, text_cols)
    labels = [row[label_col] for row in rows]
    fold_of = stratified_folds(labels, folds, seed)
    predicted = [""] * len(rows)
    confidence = [0.0] * len(rows)
    for f in range(folds):
        train = [i for i, g in enumerate(fold_of) if g != f]
        test = [i for i, g in enumerate(fold_of) if g == f]
        if len({labels[i] for i in train}) < 2:
            raise InputError(f"fold {f + 1} trains on fewer than two labels; use fewer folds")
        fold_pred, fold_conf = _predict(
            [texts[i] for i in train], [labels[i] for i in train], [texts[i] for i in test], params
        )
        for i, p, c in zip(test, fold_pred, fold_conf, strict=True):
            predicted[i], confidence[i] = p, c
        if progress:
            progress(f"fold {f + 1}/{folds}: trained on {len(train)}, predicted {len(test)}")
    result = metrics(labels, predicted, confidence)
    n_test = len(rows) // folds
    result.update(n_train=len(rows) - n_test, n_test=len(rows), folds=folds, seed=seed)
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The evaluate command's options, for a parser of its own or the civic CLI's subparser."""
    parser.add_argument("--train", metavar="TRAIN.csv", help="training rows")
    parser.add_argument("--test", metavar="TEST.csv", help="rows to score")
    parser.add_argument("--cv", type=int, metavar="K", help="K-fold cross-validation on DATA.csv")
    parser.add_argument("data", nargs="?", metavar="DATA.csv", help="rows for --cv")
    parser.add_argument(
        "--text-cols",
        metavar="COLS",
        help="comma-separated text columns (default: those of title,text in the file)",
    )
    parser.add_argument("--label-col", default="label", metavar="COL", help="default: label")
    parser.add_argument("--seed", type=int, default=0, help="fold shuffling seed for --cv")


DESCRIPTION = (
    "Evaluate the routing classifier on labelled CSV files, either on a train/test split "
    "or by stratified K-fold cross-validation. The last line printed is the JSON result."
)


def run(argv: list[str]) -> int:
    """The `civic routing evaluate` command: 0 with JSON as the last line, 2 on bad input."""
    parser = argparse.ArgumentParser(prog="civic routing evaluate", description=DESCRIPTION)
    add_arguments(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed usage and its message on stderr
        return exc.code if isinstance(exc.code, int) else 2
    return run_parsed(args)


def run_parsed(args: argparse.Namespace) -> int:
    """run() on arguments already parsed with add_arguments()."""
    split = args.train is not None or args.test is not None
    if split == (args.cv is not None) or (split and (not args.train or not args.test)):
        return _fail("give either --train TRAIN.csv --test TEST.csv, or --cv K DATA.csv")
    if args.cv is not None and args.data is None:
        return _fail("--cv K needs a DATA.csv")
    if split and args.data is not None:
        return _fail(f"unexpected argument {args.data!r} with --train/--test")
    try:
        if split:
            train_rows, test_rows = load_rows(args.train), load_rows(args.test)
            cols = _text_cols(args.text_cols, train_rows, args.train)
            check_columns(train_rows, [*cols, args.label_col], args.train)
            check_columns(test_rows, [*cols, args.label_col], args.test)
            _progress(f"training on {len(train_rows)} rows of {args.train} ({','.join(cols)})")
            result = evaluate_split(train_rows, test_rows, cols, args.label_col)
        else:
            rows = load_rows(args.data)
            cols = _text_cols(args.text_cols, rows, args.data)
            check_columns(rows, [*cols, args.label_col], args.data)
            _progress(f"{args.cv}-fold CV on {len(rows)} rows of {args.data} ({','.join(cols)})")
            result = evaluate_cv(rows, args.cv, cols, args.label_col, args.seed, progress=_progress)
    except InputError as exc:
        return _fail(str(exc))
    except ValueError as exc:  # e.g. a single label: nothing to tell apart
        return _fail(str(exc))
    print(json.dumps(result, ensure_ascii=False, separators=(",", ":")), flush=True)
    return 0


def _text_cols(given: str | None, rows: Sequence[Row], source: str) -> list[str]:
    cols = [c.strip() for c in given.split(",") if c.strip()] if given else default_text_cols(rows)
    if not cols:
        raise InputError(f"{source} has neither a title nor a text column; name some --text-cols")
    return cols


def _progress(line: str) -> None:
    # Progress goes to stderr so that stdout carries only the JSON result.
    print(line, file=sys.stderr, flush=True)


def _fail(message: str) -> int:
    print(f"civic routing evaluate: error: {message}", file=sys.stderr)
    return 2
