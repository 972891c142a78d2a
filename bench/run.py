"""Benchmark: latency of the main pages and framework import time, on generated data.

Prints figures and how they compare with the targets; asserts nothing, and never runs in the
test suite. By default it uses its own SQLite file (var/bench.sqlite3), which it rebuilds.
For PostgreSQL, point DATABASE_URL at a database whose name contains "bench":

    createdb -h 127.0.0.1 -U postgres comb_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/comb_bench .venv/bin/python bench/run.py

Options: --therapists N (default 2000), --teams N (default 40), --requests N per page (50).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comb_tracker.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-key")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")

import warnings  # noqa: E402

import django  # noqa: E402

django.setup()
warnings.filterwarnings("ignore", "No directory at")

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import Membership, Role, Service, SupervisionRelationship, Team, User  # noqa: E402
from assessments.framework_io import import_framework, parse_yaml  # noqa: E402

P95_TARGET_MS = 150
IMPORT_TARGET_S = 2.0


def guard_database() -> None:
    name = str(settings.DATABASES["default"]["NAME"])
    if "bench" not in name:
        sys.exit(f"Refusing to rebuild database {name!r}: its name must contain 'bench'.")


def generate(therapists: int, teams: int) -> dict:
    """One service, `teams` teams, `therapists` therapists, a supervisor per 8 therapists."""
    service = Service.objects.create(name="Benchmark service", slug="bench")
    team_rows = Team.objects.bulk_create(
        Team(service=service, name=f"Team {n:03d}") for n in range(teams)
    )
    users = User.objects.bulk_create(
        User(username=f"t{n:05d}", first_name="T", last_name=f"{n:05d}") for n in range(therapists)
    )
    Membership.objects.bulk_create(
        Membership(user=u, service=service, team=team_rows[i % teams], role=Role.THERAPIST)
        for i, u in enumerate(users)
    )
    supervisors = User.objects.bulk_create(
        User(username=f"s{n:04d}", last_name=f"S{n:04d}") for n in range(max(1, therapists // 8))
    )
    Membership.objects.bulk_create(
        Membership(user=s, service=service, role=Role.SUPERVISOR) for s in supervisors
    )
    SupervisionRelationship.objects.bulk_create(
        SupervisionRelationship(supervisor=supervisors[i % len(supervisors)], supervisee=u)
        for i, u in enumerate(users)
    )
    lead = User.objects.create(username="bench-lead")
    Membership.objects.create(user=lead, service=service, role=Role.SERVICE_LEAD)
    return {"therapist": users[0], "supervisor": supervisors[0], "lead": lead}


def time_page(client: Client, url: str, requests: int) -> tuple[list[float], int]:
    client.get(url)  # warm caches and connections
    timings = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return timings, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--therapists", type=int, default=2000)
    parser.add_argument("--teams", type=int, default=40)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()

    guard_database()
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.STORAGES["staticfiles"]["BACKEND"] = (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)

    text = settings.FRAMEWORK_FIXTURE.read_text(encoding="utf-8")
    start = time.perf_counter()
    version = import_framework(parse_yaml(text), publish=True)
    import_seconds = time.perf_counter() - start

    start = time.perf_counter()
    people = generate(args.therapists, args.teams)
    generate_seconds = time.perf_counter() - start

    vendor = connection.vendor
    print(f"COM-B Tracker benchmark on {vendor}: {args.therapists} therapists, {args.teams} teams")
    print(f"data generated in {generate_seconds:.1f} s")
    print(
        f"framework import: {version.items.count()} items in {import_seconds * 1000:.0f} ms "
        f"(target < {IMPORT_TARGET_S:.0f} s)"
    )
    supervisees = SupervisionRelationship.objects.filter(supervisor=people["supervisor"]).count()
    pages = [
        ("therapist", "/my-training/"),
        ("therapist", "/framework/"),
        ("supervisor", f"/supervision/  ({supervisees} supervisees)"),
        ("lead", f"/services/bench/  ({args.teams} teams)"),
    ]
    print(f"\n{'page':<42}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'queries':>9}  target")
    for role, label in pages:
        url = label.split()[0]
        client = Client()
        client.force_login(people[role])
        timings, queries = time_page(client, url, args.requests)
        p50 = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[-1]
        verdict = "ok" if p95 <= P95_TARGET_MS else "OVER"
        print(
            f"{role + ' ' + label:<42}{p50:>8.1f}{p95:>8.1f}{max(timings):>8.1f}{queries:>9}"
            f"  p95 <= {P95_TARGET_MS} ms: {verdict}"
        )


if __name__ == "__main__":
    main()
