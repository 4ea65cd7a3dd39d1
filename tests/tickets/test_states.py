"""The transition table: every allowed move works, every other move is refused with a hint."""

from __future__ import annotations

import pytest

from service.tickets.states import (
    TRANSITIONS,
    Action,
    IllegalTransitionError,
    ReasonRequiredError,
    Status,
    allowed_actions,
    next_status,
)

ALLOWED = [
    (Status.INTAKE, Action.DIRECT_ANSWER, Status.ANSWERED),
    (Status.INTAKE, Action.TRANSFER, Status.CLOSED),
    (Status.INTAKE, Action.REJECT, Status.CLOSED),
    (Status.PENDING_DISPATCH, Action.REJECT, Status.CLOSED),
    (Status.INTAKE, Action.MERGE, Status.MERGED),
    (Status.PENDING_DISPATCH, Action.MERGE, Status.MERGED),
    (Status.INTAKE, Action.OPEN_WORK_ORDER, Status.PENDING_DISPATCH),
    (Status.PENDING_DISPATCH, Action.DISPATCH, Status.PENDING_SIGN_FOR),
    (Status.PENDING_SIGN_FOR, Action.SIGN_FOR, Status.HANDLING),
    (Status.PENDING_SIGN_FOR, Action.REQUEST_RETURN, Status.RETURN_REQUESTED),
    (Status.HANDLING, Action.REQUEST_RETURN, Status.RETURN_REQUESTED),
    (Status.RETURN_REQUESTED, Action.APPROVE_RETURN, Status.PENDING_DISPATCH),
    (Status.RETURN_REQUESTED, Action.REFUSE_RETURN, Status.HANDLING),
    (Status.HANDLING, Action.SUBMIT_REPLY, Status.REPLY_REVIEW),
    (Status.REPLY_REVIEW, Action.ACCEPT_REPLY, Status.PENDING_CALLBACK),
    (Status.REPLY_REVIEW, Action.SEND_BACK, Status.HANDLING),
    (Status.PENDING_CALLBACK, Action.CLOSE, Status.CLOSED),
    (Status.ANSWERED, Action.CLOSE, Status.CLOSED),
    (Status.PENDING_CALLBACK, Action.REOPEN, Status.HANDLING),
    (Status.CLOSED, Action.REOPEN, Status.HANDLING),
    (Status.ANSWERED, Action.SAMPLE_CALLBACK, Status.PENDING_CALLBACK),
    (Status.PENDING_CALLBACK, Action.REOPEN_AS_WORK_ORDER, Status.PENDING_DISPATCH),
]
ALLOWED_PAIRS = {(s, a) for s, a, _ in ALLOWED}
FORBIDDEN = [(s, a) for s in Status for a in Action if (s, a) not in ALLOWED_PAIRS]


def test_table_lists_exactly_the_documented_moves() -> None:
    table_pairs = {(s, t.action) for t in TRANSITIONS.values() for s in t.sources}
    assert table_pairs == ALLOWED_PAIRS


@pytest.mark.parametrize(("current", "action", "expected"), ALLOWED)
def test_allowed_transition(current: Status, action: Action, expected: Status) -> None:
    assert next_status(current, action, reason="because the citizen asked") == expected


@pytest.mark.parametrize(("current", "action"), FORBIDDEN)
def test_forbidden_transition_is_refused_with_what_is_allowed(
    current: Status, action: Action
) -> None:
    with pytest.raises(IllegalTransitionError) as info:
        next_status(current, action, reason="x")
    message = str(info.value)
    assert f"cannot {action.value}" in message
    for allowed in allowed_actions(current):
        assert allowed.value in message
    if not allowed_actions(current):
        assert "none" in message


@pytest.mark.parametrize("action", [t.action for t in TRANSITIONS.values() if t.needs_reason])
def test_actions_that_need_a_reason_refuse_a_blank_one(action: Action) -> None:
    source = next(iter(TRANSITIONS[action].sources))
    with pytest.raises(ReasonRequiredError):
        next_status(source, action, reason="   ")


def test_terminal_states_allow_only_what_the_life_cycle_says() -> None:
    assert allowed_actions(Status.MERGED) == []
    assert allowed_actions(Status.CLOSED) == [Action.REOPEN]
