"""Who is asking: the signed-in staff user, and role checks.

Interim version for the routing branch: the same names as the hotline branch's module
(get_current_user, CurrentUser, require_role), which replaces this file on merge. Staff sign-in
lives on that branch; until it is merged nobody is signed in here, so staff pages answer 401.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException

from service.auth.models import Role, User


def get_current_user() -> User:
    """The signed-in staff user; tests override this dependency to act as someone."""
    raise HTTPException(status_code=401, detail="Sign in first.")


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_role(*roles: Role) -> Callable[[User], User]:
    """A dependency admitting only these roles: `Depends(require_role(Role.ADMIN))`."""
    allowed = frozenset(roles)

    def check(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise HTTPException(status_code=403, detail="Your role does not allow this.")
        return user

    check.__name__ = "require_" + "_or_".join(r.value for r in roles)
    return check
