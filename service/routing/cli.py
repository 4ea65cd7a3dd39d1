"""`civic routing evaluate ...` (the classifier's offline evaluation) and `civic routing train`."""

from __future__ import annotations

import argparse

from service.config import Settings


def cmd_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    from service.routing import evaluate

    return evaluate.run_parsed(args)


def cmd_train(args: argparse.Namespace, settings: Settings) -> int:
    from service.cli import UserError
    from service.db import make_engine, session_scope
    from service.routing import learning

    engine = make_engine(settings.effective_database_url)
    try:
        with session_scope(engine) as session:
            row = learning.train(session, bootstrap_if_empty=not args.no_bootstrap)
            print(
                f"routing model v{row.version}: {row.n_samples} examples, "
                f"{len(row.classes)} units, source {row.source}"
            )
    except learning.NotEnoughDataError as exc:
        raise UserError(str(exc)) from exc
    finally:
        engine.dispose()
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    routing = sub.add_parser("routing", help="routing classifier: evaluate, train").add_subparsers(
        dest="routing_command", required=True, metavar="ACTION"
    )
    from service.routing import evaluate

    evaluate_parser = routing.add_parser(
        "evaluate", help="evaluate the classifier on a labelled CSV (last line printed is JSON)"
    )
    evaluate.add_arguments(evaluate_parser)
    evaluate_parser.set_defaults(handler=cmd_evaluate)
    train = routing.add_parser("train", help="train and store a model from closed tickets")
    train.add_argument(
        "--no-bootstrap",
        action="store_true",
        help="fail instead of training from the category catalogue when history is too thin",
    )
    train.set_defaults(handler=cmd_train)
