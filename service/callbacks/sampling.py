"""Which direct answers (直办) are called back: a share drawn from the ticket number alone.

The draw is the first 8 bytes of SHA-256 of the ticket number read as a fraction of 2**64, so
anyone holding the number (an auditor, a deputy) recomputes it, and nobody chooses which
answers are checked: numbers are handed out in order at intake, before the answer is given.
"""

from __future__ import annotations

import hashlib

SCALE = 2**64


def draw(number: str) -> float:
    """The ticket's draw in [0, 1), the same every time for the same number."""
    digest = hashlib.sha256(number.strip().upper().encode("ascii")).digest()
    return int.from_bytes(digest[:8], "big") / SCALE


def sampled(number: str, share: float) -> bool:
    """A direct answer is called back when its draw falls below the share (0 none, 1 all)."""
    return draw(number) < share
