"""Serve the app with gunicorn, as in production, and drive its pages over HTTP from a few
client threads, as browsers would.

Standard library only: the runner signs people in (sessions in the database) and hands over
their session cookies. Traffic goes to 127.0.0.1 only, and gunicorn is always stopped.
"""

from __future__ import annotations

import http.client
import json
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

HOST = "127.0.0.1"
LOGIN_PATH = "/accounts/login/"
REQUEST_TIMEOUT_S = 120
STARTUP_TIMEOUT_S = 60
# The CSRF middleware compares the header with the cookie; any 32-character secret will do.
CSRF_SECRET = secrets.token_hex(16)


@dataclass
class Autosave:
    """A therapist's background saves of one section: the whole form with one answer changed
    each time, carrying the revision the previous save returned, as the page's script does."""

    keys: list[str]
    revision: int

    def fields(self, n: int) -> dict[str, str]:
        data = {f"rating_{key}": "3" for key in self.keys}
        data[f"rating_{self.keys[n % len(self.keys)]}"] = str(1 + n % 5)
        data["revision"] = str(self.revision)
        return data

    def saved(self, payload: Mapping) -> None:
        self.revision = payload["revision"]


@dataclass
class Visit:
    """One person's requests to a page: GETs, or background saves when `autosave` is set."""

    path: str
    session: str | None = None  # the sessionid cookie; None for an anonymous visitor
    autosave: Autosave | None = None

    def request(self, n: int) -> tuple[str, bytes | None, dict[str, str]]:
        cookies = {"csrftoken": CSRF_SECRET}
        if self.session:
            cookies["sessionid"] = self.session
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        if self.autosave is None:
            return "GET", None, headers
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["X-CSRFToken"] = CSRF_SECRET
        return "POST", urlencode(self.autosave.fields(n)).encode(), headers

    def problem(self, status: int, body: bytes) -> str | None:
        """What is wrong with a response (None if it is what a browser would expect)."""
        if status != 200:
            return f"{self.path}: HTTP {status} {body[:200]!r}"
        if self.autosave is not None:
            try:
                self.autosave.saved(json.loads(body))
            except (ValueError, KeyError) as error:
                return f"{self.path}: unexpected answer {body[:200]!r} ({error!r})"
        return None


@dataclass
class Run:
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def fetch(port: int, method: str, path: str, body: bytes | None, headers: dict) -> tuple:
    """One request on a new connection (gunicorn's sync workers close each one)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    try:
        connection.request(method, path, body, headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def drive(port: int, visits: list[Visit], requests: int, threads: int) -> Run:
    """`requests` requests from `threads` concurrent clients; client t plays visits[t % n].
    Timed from the moment every client is ready until the last response."""
    run = Run()
    ready = threading.Barrier(threads + 1)

    def client(number: int) -> None:
        visit = visits[number % len(visits)]
        count = requests // threads + (number < requests % threads)
        ready.wait()
        for n in range(count):
            method, body, headers = visit.request(n)
            start = time.perf_counter()
            try:
                status, content = fetch(port, method, visit.path, body, headers)
            except (OSError, http.client.HTTPException) as error:
                run.problems.append(f"{visit.path}: {error!r}")
                continue
            run.latencies_ms.append((time.perf_counter() - start) * 1000)
            problem = visit.problem(status, content)
            if problem:
                run.problems.append(problem)

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    ready.wait()
    start = time.perf_counter()
    for worker in workers:
        worker.join()
    run.seconds = time.perf_counter() - start
    return run


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(env: Mapping[str, str], workers: int, cwd: Path, log: Path) -> Iterator[int]:
    """Run `gunicorn comb_tracker.wsgi:application` on a free local port until the block
    ends (however it ends); yields the port once the login page answers."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "comb_tracker.wsgi:application",
        f"--bind={HOST}:{port}",
        f"--workers={workers}",
        "--worker-class=sync",
        f"--timeout={REQUEST_TIMEOUT_S}",
    ]
    with log.open("w") as output:
        server = subprocess.Popen(
            command, cwd=cwd, env=dict(env), stdout=output, stderr=subprocess.STDOUT
        )
    try:
        _wait_until_up(server, port, log)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_up(server: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{log.read_text()}")
        try:
            status, _ = fetch(port, "GET", LOGIN_PATH, None, {})
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return
        raise RuntimeError(f"gunicorn answered {LOGIN_PATH} with {status}:\n{log.read_text()}")
    raise RuntimeError(f"gunicorn did not answer within {STARTUP_TIMEOUT_S} s:\n{log.read_text()}")
