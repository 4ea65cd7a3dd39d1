"""Real servers for benches and load tests: a process group on 127.0.0.1, stopped by the caller."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx


def free_port() -> int:
    """A port nothing listens on now (the OS picks it; taken again by the server at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def civic_command() -> list[str]:
    """The installed `civic` command of this interpreter's environment."""
    return [str(Path(sys.executable).with_name("civic"))]


class Server:
    """A server process (and its workers) started in its own process group.

    `start()` waits until GET /healthz answers 200; `kill()` sends SIGKILL to the whole group,
    as a crash or an OOM kill would; `stop()` asks politely first.
    """

    def __init__(
        self, argv: Sequence[str], *, port: int, env: dict[str, str], log: Path | None = None
    ) -> None:
        self.argv = list(argv)
        self.port = port
        self.env = {**os.environ, **env}
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> Server:
        output = self.log.open("ab") if self.log else None
        try:
            self.process = subprocess.Popen(  # noqa: S603 - our own command line
                self.argv,
                env=self.env,
                stdout=output or subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            if output is not None:
                output.close()  # the child has its own copy of the descriptor
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}: {self.argv}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1.0).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer /healthz within {timeout:.0f} s: {self.argv}")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by every process of the server's group."""
        if self.process is None:
            return 0.0
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended while we looked
            # After the command: state, ppid, pgrp, ... utime is field 14, stime 15 (1-based).
            if int(fields[2]) == self.process.pid:
                total += int(fields[11]) + int(fields[12])
        return total / ticks

    def kill(self) -> None:
        """SIGKILL to every process of the server: no clean-up, no finished requests."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process = None

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM (in-flight requests finish), then SIGKILL if it does not go."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
