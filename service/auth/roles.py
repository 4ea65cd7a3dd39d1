"""What each staff role may do; the dependencies and pages read these sets, nothing else."""

from __future__ import annotations

from service.auth.models import Role

# Who may open a ticket page at all (handlers further limited to their unit's tickets).
# Deputies read published reports and the supervision drill-downs, which carry no free text:
# a ticket page shows descriptions and internal notes that may name people.
TICKET_READERS = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.HANDLER, Role.SUPERVISOR})
# Who may see a requester's personal data unmasked (each time logged, with a reason).
# Deputies read supervision without citizen PII; administrators run the system, not cases.
PII_UNMASKERS = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.HANDLER, Role.SUPERVISOR})
# The hotline console, the call-back list and the operator's own list.
HOTLINE_ROLES = frozenset({Role.OPERATOR, Role.SUPERVISOR})
# Users, units, roles, the knowledge base, webhooks and the dispatch catalogue's rules.
ADMIN_ROLES = frozenset({Role.ADMIN})
# Administrators keep the system and its configuration; they do no case work (dispatch, review,
# callbacks, appeals) and read no tickets, so each case-work set below leaves them out.
# Reading the dispatch catalogue, trying a text against it and replaying a draft.
CATALOGUE_READERS = frozenset({Role.DISPATCHER, Role.ADMIN})
# The triage queue, dispatching, reviewing returns and deciding extension requests.
DISPATCH_ROLES = frozenset({Role.DISPATCHER})
# Handling units: sign for, reply, ask for an extension or a return, appeal a rating.
UNIT_ROLES = frozenset({Role.HANDLER})
# The workbench queues: a handler sees their unit's, the hotline office sees every unit's.
WORKBENCH_ROLES = frozenset({Role.HANDLER, Role.DISPATCHER, Role.SUPERVISOR})
# The hotline office reviews units' replies; it is never the unit being rated.
OFFICE_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR})
# Callbacks (回访) are made by the hotline office, never by the unit being rated.
CALLBACK_ROLES = frozenset({Role.OPERATOR, Role.SUPERVISOR})
# Rates, rankings, published reports and hot topics (read-only for deputies).
SUPERVISION_READERS = frozenset({Role.SUPERVISOR, Role.DEPUTY})
# Who is sent each published report (e-mail with the PDF, a start-page notice): the readers.
# Leaders, NPC deputies and CPPCC members all sign in with the read-only deputy role; the
# supervisors who publish are not told what they just did.
REPORT_RECIPIENTS = frozenset({Role.DEPUTY})
# Deciding appeals, building and publishing reports, adopting the monthly topic.
SUPERVISORS = frozenset({Role.SUPERVISOR})
# The city's targets for the vulnerable groups' complaint rates: the hotline office head, or
# an administrator entering what the city government decided.
TARGET_SETTERS = frozenset({Role.SUPERVISOR, Role.ADMIN})

ROLE_LABELS: dict[Role, str] = {
    Role.OPERATOR: "Hotline operator",
    Role.DISPATCHER: "Dispatcher",
    Role.HANDLER: "Department handler",
    Role.SUPERVISOR: "Supervisor",
    Role.DEPUTY: "NPC deputy / CPPCC member (read-only)",
    Role.ADMIN: "Administrator",
}

ROLE_DUTIES: dict[Role, str] = {
    Role.OPERATOR: (
        "Logs calls, answers from the knowledge base, merges repeat calls, returns missed calls."
    ),
    Role.DISPATCHER: (
        "Routes tickets to units, reviews returns and extensions, supervises overdue work."
    ),
    Role.HANDLER: "Works on the tickets of one unit only (lead or assisting).",
    Role.SUPERVISOR: "Reads everything, runs the hotline office, reports and appeals.",
    Role.DEPUTY: "Reads published reports and drill-downs; no ticket pages, no personal data.",
    Role.ADMIN: "Manages staff accounts, units and the knowledge base; no access to tickets.",
}
