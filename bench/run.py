"""Benchmark: latency of the main pages and framework import time, on generated data.

Prints figures and how they compare with the targets; asserts nothing, and never runs in the
test suite. By default it uses its own SQLite file (var/bench.sqlite3), which it rebuilds.
For PostgreSQL, point DATABASE_URL at a database whose name contains "bench":

    createdb -h 127.0.0.1 -U postgres comb_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/comb_bench .venv/bin/python bench/run.py

Options: --therapists N (default 2000), --teams N (default 40), --requests N per page (50),
--assessed N therapists given demo assessments (up to two cycles each; default 500).
"""

from __future__ import annotations

import argparse
import gc
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
from assessments import questionnaire  # noqa: E402
from assessments.charts import profile_chart_svg  # noqa: E402
from assessments.demo import build_demo_assessments  # noqa: E402
from assessments.framework_io import import_framework, parse_yaml  # noqa: E402
from assessments.models import ItemRating, SelfAssessment  # noqa: E402
from assessments.profile import therapist_profile  # noqa: E402

P95_TARGET_MS = 150
IMPORT_TARGET_S = 2.0
SAVES_PER_SECOND_TARGET = 20


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
    parser.add_argument("--assessed", type=int, default=500)
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
    therapists = list(User.objects.filter(username__startswith="t").order_by("username"))
    # The demo schedules: most have a baseline and a reassessment, some one or none.
    build_demo_assessments(version, therapists[: args.assessed])
    generate_seconds = time.perf_counter() - start
    # The generated objects are long-lived: keep them out of the collector's way, so the
    # timings show a server's steady state rather than collection pauses.
    gc.collect()
    gc.freeze()
    assessed = max(
        therapists[: args.assessed], key=lambda t: t.self_assessments.count(), default=None
    )
    people["assessed"] = assessed
    unassessed = therapists[args.assessed] if len(therapists) > args.assessed else therapists[0]
    draft = questionnaire.start_or_resume(unassessed, version)
    people["unassessed"] = unassessed

    vendor = connection.vendor
    print(f"COM-B Tracker benchmark on {vendor}: {args.therapists} therapists, {args.teams} teams")
    print(
        f"data generated in {generate_seconds:.1f} s "
        f"({ItemRating.objects.count()} item ratings in "
        f"{args.assessed} therapists' assessments)"
    )
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
        ("assessed", f"/therapists/{assessed.pk}/profile/"),
        ("assessed", f"/therapists/{assessed.pk}/profile/chart.svg"),
        ("unassessed", f"/self-assessment/{draft.pk}/section/1/"),
    ]
    print(f"\n{'page':<52}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'queries':>9}  target")
    for role, label in pages:
        url = label.split()[0]
        client = Client()
        client.force_login(people[role])
        timings, queries = time_page(client, url, args.requests)
        p50 = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[-1]
        verdict = "ok" if p95 <= P95_TARGET_MS else "OVER"
        print(
            f"{role + ' ' + label:<52}{p50:>8.1f}{p95:>8.1f}{max(timings):>8.1f}{queries:>9}"
            f"  p95 <= {P95_TARGET_MS} ms: {verdict}"
        )
    profile = therapist_profile(assessed, assessed)
    start = time.perf_counter()
    for _ in range(5):
        profile_chart_svg(profile.rows)
    print(
        f"\nprofile chart, uncached render: {(time.perf_counter() - start) / 5 * 1000:.0f} ms "
        "(cached per assessment for a day, so the table above shows the cached figure)"
    )
    rate = section_saves_per_second(people["unassessed"], draft.pk, args.requests)
    verdict = "ok" if rate >= SAVES_PER_SECOND_TARGET else "UNDER"
    print(
        f"\nquestionnaire section saves (one client, sequential): {rate:.0f}/s "
        f"(target >= {SAVES_PER_SECOND_TARGET}/s: {verdict})"
    )


def section_saves_per_second(person: User, assessment_pk: int, requests: int) -> float:
    """POST a whole questionnaire section (19 statements) as a therapist would, repeatedly."""
    client = Client()
    client.force_login(person)
    url = f"/self-assessment/{assessment_pk}/section/1/"
    section = questionnaire.rated_sections(SelfAssessment.objects.get(pk=assessment_pk).version)[0]
    keys = list(section.items.values_list("key", flat=True))
    start = time.perf_counter()
    for n in range(requests):
        data = {f"rating_{key}": str(1 + (n + i) % 5) for i, key in enumerate(keys)}
        data["action"] = "later"
        response = client.post(url, data)
        assert response.status_code == 302, response.status_code
    return requests / (time.perf_counter() - start)


if __name__ == "__main__":
    main()
