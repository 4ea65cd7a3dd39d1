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
# Users, units, roles and the knowledge base.
ADMIN_ROLES = frozenset({Role.ADMIN})

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
