"""Passwords and access codes are hashed with argon2; API keys (high entropy) with SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_hasher = PasswordHash.recommended()

# Access codes avoid look-alike characters (0/O, 1/I/L) because citizens read them aloud.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def hash_password(plain: str) -> str:
    """An argon2 hash of a password or access code."""
    return str(_hasher.hash(plain))


@contextmanager
def light_hashing() -> Iterator[None]:
    """Generated demo history only: argon2 at its lowest cost inside the block.

    A thousand made-up tickets then hash their access codes in under a second instead of
    minutes; nobody holds those codes, and the hashes still verify like any other (argon2
    reads its cost from the hash). Never used for a password or a real citizen's code, and
    only before a server starts: the swap is process-wide.
    """
    global _hasher
    previous = _hasher
    _hasher = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    try:
        yield
    finally:
        _hasher = previous


def verify_password(plain: str, hashed: str) -> bool:
    """True only when the plain text matches the stored hash; never raises on bad hashes."""
    if not hashed:
        return False
    try:
        return bool(_hasher.verify(plain, hashed))
    except Exception:  # noqa: BLE001 - a malformed stored hash is a mismatch, not a crash
        return False


def new_access_code(length: int = 8) -> str:
    """A random code the citizen uses with the ticket number to follow the ticket."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(length))


def normalise_access_code(code: str) -> str:
    """Codes are case-insensitive and may be typed with spaces or dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def new_api_key() -> str:
    """A fresh API key: a fixed prefix for recognisability, then 256 random bits."""
    return "civic_" + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    """Keys carry 256 bits of entropy, so a fast hash is enough and keeps lookups indexed."""
    return hashlib.sha256(key.encode()).hexdigest()
