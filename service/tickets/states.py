"""The ticket life cycle: one table of action → (from-states, to-state); nothing else moves one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    INTAKE = "intake"
    ANSWERED = "answered"
    PENDING_DISPATCH = "pending_dispatch"
    PENDING_SIGN_FOR = "pending_sign_for"
    HANDLING = "handling"
    RETURN_REQUESTED = "return_requested"
    REPLY_REVIEW = "reply_review"
    PENDING_CALLBACK = "pending_callback"
    CLOSED = "closed"
    MERGED = "merged"


class Action(StrEnum):
    DIRECT_ANSWER = "direct_answer"  # 直办
    TRANSFER = "transfer"  # to 110/119/120/122
    REJECT = "reject"  # out of scope or abuse, reason told
    MERGE = "merge"  # 并单
    OPEN_WORK_ORDER = "open_work_order"
    DISPATCH = "dispatch"  # 派单
    SIGN_FOR = "sign_for"  # 签收
    REQUEST_RETURN = "request_return"  # 退单 asked by the unit
    APPROVE_RETURN = "approve_return"
    REFUSE_RETURN = "refuse_return"
    SUBMIT_REPLY = "submit_reply"
    ACCEPT_REPLY = "accept_reply"
    SEND_BACK = "send_back"  # reply rejected: rework
    CLOSE = "close"  # 办结
    REOPEN = "reopen"  # 重办
    SAMPLE_CALLBACK = "sample_callback"  # a direct answer drawn for a callback (抽样回访)
    # A citizen dissatisfied with a direct answer: it becomes a work order for a unit.
    REOPEN_AS_WORK_ORDER = "reopen_as_work_order"


class CloseReason(StrEnum):
    RESOLVED = "resolved"
    DIRECT_ANSWER = "direct_answer"
    TRANSFERRED = "transferred"
    REJECTED = "rejected"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    target: Status
    needs_reason: bool = False


def _t(action: Action, sources: set[Status], target: Status, *, reason: bool = False) -> Transition:
    return Transition(action, frozenset(sources), target, reason)


S = Status
TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        _t(Action.DIRECT_ANSWER, {S.INTAKE}, S.ANSWERED),
        _t(Action.TRANSFER, {S.INTAKE}, S.CLOSED, reason=True),
        _t(Action.REJECT, {S.INTAKE, S.PENDING_DISPATCH}, S.CLOSED, reason=True),
        _t(Action.MERGE, {S.INTAKE, S.PENDING_DISPATCH}, S.MERGED),
        _t(Action.OPEN_WORK_ORDER, {S.INTAKE}, S.PENDING_DISPATCH),
        _t(Action.DISPATCH, {S.PENDING_DISPATCH}, S.PENDING_SIGN_FOR),
        _t(Action.SIGN_FOR, {S.PENDING_SIGN_FOR}, S.HANDLING),
        _t(
            Action.REQUEST_RETURN, {S.PENDING_SIGN_FOR, S.HANDLING}, S.RETURN_REQUESTED, reason=True
        ),
        _t(Action.APPROVE_RETURN, {S.RETURN_REQUESTED}, S.PENDING_DISPATCH, reason=True),
        _t(Action.REFUSE_RETURN, {S.RETURN_REQUESTED}, S.HANDLING, reason=True),
        _t(Action.SUBMIT_REPLY, {S.HANDLING}, S.REPLY_REVIEW),
        _t(Action.ACCEPT_REPLY, {S.REPLY_REVIEW}, S.PENDING_CALLBACK),
        _t(Action.SEND_BACK, {S.REPLY_REVIEW}, S.HANDLING, reason=True),
        _t(Action.CLOSE, {S.PENDING_CALLBACK, S.ANSWERED}, S.CLOSED),
        _t(Action.REOPEN, {S.PENDING_CALLBACK, S.CLOSED}, S.HANDLING, reason=True),
        _t(Action.SAMPLE_CALLBACK, {S.ANSWERED}, S.PENDING_CALLBACK),
        _t(Action.REOPEN_AS_WORK_ORDER, {S.PENDING_CALLBACK}, S.PENDING_DISPATCH, reason=True),
    )
}

OPEN_STATES: frozenset[Status] = frozenset(set(Status) - {S.ANSWERED, S.CLOSED, S.MERGED})


class IllegalTransitionError(ValueError):
    """Raised when an action is not allowed from the ticket's current state."""

    def __init__(self, action: Action, current: Status) -> None:
        allowed = ", ".join(sorted(a.value for a in allowed_actions(current))) or "none"
        super().__init__(
            f"cannot {action.value} a ticket that is {current.value}; allowed from "
            f"{current.value}: {allowed}"
        )
        self.action = action
        self.current = current


class ReasonRequiredError(ValueError):
    """Raised when an action that must carry a reason is given none."""

    def __init__(self, action: Action) -> None:
        super().__init__(f"{action.value} needs a reason")
        self.action = action


def allowed_actions(current: Status) -> list[Action]:
    """The actions the table allows from a state, in table order."""
    return [t.action for t in TRANSITIONS.values() if current in t.sources]


def next_status(current: Status, action: Action, reason: str = "") -> Status:
    """The state an action leads to from the current one, or IllegalTransitionError."""
    transition = TRANSITIONS[action]
    if current not in transition.sources:
        raise IllegalTransitionError(action, current)
    if transition.needs_reason and not reason.strip():
        raise ReasonRequiredError(action)
    return transition.target
