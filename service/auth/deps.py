"""Staff authentication seam: CurrentUser and require_role(*roles).

Stand-in until branch `hotline` lands the real sign-in (sessions); it has the same names, so
routes written against it need no change. Without a sign-in every staff route answers 401.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException

from service.auth.models import Role, User


def get_current_user() -> User:
    """The signed-in staff user; the hotline branch replaces this with session sign-in."""
    raise HTTPException(status_code=401, detail="Sign in first.")


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_role(*roles: Role) -> Callable[[User], User]:
    """A dependency that lets only active users with one of these roles through (403 else)."""

    def dependency(user: CurrentUser) -> User:
        if not user.active or user.role not in roles:
            raise HTTPException(status_code=403, detail="Your role may not do this.")
        return user

    return dependency
