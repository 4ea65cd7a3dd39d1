"""SQLite's one writer, queued: a transaction takes the write turn before its first write.

SQLite lets one connection write at a time. Left to itself, a waiting writer sleeps and polls
(1, 2, 5 ... 100 ms) until the busy timeout, so under a burst of filings the turn goes to
whoever polls at the right moment: a few wait for seconds, and one that waited past the
timeout fails. Here every connection of a file database takes a turn first: a thread lock
inside the process (threads queue on it without polling), then an advisory `flock` on a file
beside the database shared by every worker process (only one thread per process waits on it).
The turn starts just before the first INSERT, UPDATE or DELETE of a transaction and ends when
the connection goes back to the pool (after its commit or rollback), so reads never queue,
and SQLite's own lock is then free at once.
A turn not had within the busy timeout raises OperationalError, which answers 503.
"""

from __future__ import annotations

import fcntl
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


class WriterQueue:
    """The write turn of one database file, for this process's connections."""

    def __init__(self, database: Path, timeout: float) -> None:
        self.timeout = timeout
        self._threads = threading.Lock()
        self._path = database.with_name(database.name + ".writer")
        self._fd: int | None = None
        # The DBAPI connection whose transaction has the turn (one per process at a time).
        self.holder: object | None = None

    def _file(self) -> int:
        if self._fd is None:
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        return self._fd

    def acquire(self) -> None:
        deadline = time.monotonic() + self.timeout
        if not self._threads.acquire(timeout=self.timeout):
            raise _locked(self.timeout)
        try:
            pause = 0.0005
            while True:
                try:
                    fcntl.flock(self._file(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise _locked(self.timeout) from None
                    # Only this process's next writer polls here; the others wait on the
                    # thread lock. Short pauses: a turn lasts a few milliseconds.
                    time.sleep(pause)
                    pause = min(pause * 2, 0.005)
        except BaseException:
            self._threads.release()
            raise

    def release(self) -> None:
        fcntl.flock(self._file(), fcntl.LOCK_UN)
        self._threads.release()


def _locked(timeout: float) -> OperationalError:
    return OperationalError(
        "waiting for the SQLite write turn",
        None,
        Exception(f"database is locked (no write turn within {timeout:g} s)"),
    )


def install(engine: Engine, database: Path, timeout: float) -> WriterQueue:
    """Queue this engine's writers; returns the queue (tests look at it)."""
    queue = WriterQueue(database, timeout)

    def _take_turn(
        connection: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        dbapi_connection = cursor.connection
        if queue.holder is dbapi_connection or not _WRITE.match(statement):
            return
        queue.acquire()
        queue.holder = dbapi_connection

    def _end_turn(dbapi_connection: Any, *_: Any) -> None:
        # Back in the pool means the transaction is over: committed, or rolled back on the
        # way in (the engine's commit event fires before SQLite has committed: too early).
        # An invalidated connection ends its turn too.
        if dbapi_connection is not None and queue.holder is dbapi_connection:
            queue.holder = None
            queue.release()

    event.listen(engine, "before_cursor_execute", _take_turn)
    event.listen(engine, "checkin", _end_turn)
    event.listen(engine, "invalidate", _end_turn)
    return queue
