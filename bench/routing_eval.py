"""The routing classifier's quality by 5-fold CV on the dev corpora: `python -m bench.routing_eval`.

Messages are read as title + text, titles alone as title. The data folder is $CIVIC_DATA_SHARED,
by default ../shared/data/citizen-messages-zh beside the repo. One JSON line per figure: one per
corpus for the CV, and one for the time of a single training on all of messages_dev.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from service.routing.classifier import train_model
from service.routing.evaluate import evaluate_cv, load_rows, texts_of

REPO = Path(__file__).resolve().parents[1]
CORPORA = (
    ("messages", "messages_dev.csv", ["title", "text"]),
    ("titles", "titles_dev.csv", ["title"]),
)


def data_dir() -> Path:
    return Path(
        os.environ.get("CIVIC_DATA_SHARED", REPO.parent / "shared/data/citizen-messages-zh")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.routing_eval", description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=[name for name, _, _ in CORPORA], help="one corpus")
    args = parser.parse_args(argv)
    folder = data_dir()
    for name, filename, cols in CORPORA:
        if args.only and name != args.only:
            continue
        path = folder / filename
        if not path.is_file():
            print(
                f"bench.routing_eval: no such file: {path} (set CIVIC_DATA_SHARED)", file=sys.stderr
            )
            return 2
        rows = load_rows(path)
        started = time.perf_counter()
        result = evaluate_cv(rows, args.folds, cols, "label", seed=args.seed)
        seconds = time.perf_counter() - started
        coverage = result["accuracy_at_coverage"]
        figure = {
            "bench": "routing",
            "data": name,
            "text_cols": ",".join(cols),
            "n": len(rows),
            "folds": args.folds,
            "macro_f1": result["macro_f1"],
            "accuracy": result["accuracy"],
            "acc_at_90": coverage["90"],
            "acc_at_80": coverage["80"],
            "acc_at_70": coverage["70"],
            "acc_at_50": coverage["50"],
            "per_class_f1": {k: v["f1"] for k, v in result["per_class"].items()},
            "seconds": round(seconds, 1),
        }
        print(json.dumps(figure, ensure_ascii=False), flush=True)
        if name == "messages":
            started = time.perf_counter()
            model = train_model(texts_of(rows, cols), [r["label"] for r in rows])
            train_seconds = time.perf_counter() - started
            line = {
                "bench": "routing",
                "data": name,
                "figure": "train_all",
                "n": len(rows),
                "seconds": round(train_seconds, 1),
                "model_bytes": len(model.dumps()),
            }
            print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
