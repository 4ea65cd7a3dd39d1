"""Passwords are hashed with argon2; access codes with a keyed HMAC; API keys with SHA-256.

A password is chosen by a person and may be weak, so it gets a slow, salted hash. An access code
is a random bearer secret the server made: what protects it is the server's secret key (a stolen
database alone cannot test guesses offline) and the per-address lookup limit (online guessing),
so checking it costs microseconds, not the 90 ms of an argon2 hash that every filing and every
tracking look-up would otherwise spend.
"""

from __future__ import annotations

import hashlib
import hmac
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


ACCESS_CODE_SCHEME = "hmac-sha256$"


def _access_code_key(secret_key: str) -> bytes:
    # A key of its own, derived from the server secret, so no other HMAC of the service
    # (rate-limit keys, signed links) can be replayed as an access-code hash.
    return hashlib.sha256(b"civic access code\x00" + secret_key.encode()).digest()


def hash_access_code(code: str, secret_key: str) -> str:
    """The stored form of an access code: an HMAC with a key derived from the server secret."""
    mac = hmac.new(_access_code_key(secret_key), normalise_access_code(code).encode(), "sha256")
    return ACCESS_CODE_SCHEME + mac.hexdigest()


def access_code_matches(code: str, stored: str, secret_key: str) -> bool:
    """True when the typed code is the ticket's; compares in constant time.

    Tickets filed before codes were keyed hold an argon2 hash, checked the slow way.
    """
    if stored.startswith(ACCESS_CODE_SCHEME):
        return hmac.compare_digest(hash_access_code(code, secret_key), stored)
    if stored.startswith("$argon2"):
        return verify_password(normalise_access_code(code) or "x", stored)
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
