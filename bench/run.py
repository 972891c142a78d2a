"""Benchmark: the main pages in-process and under gunicorn, on generated data.

Prints figures and how they compare with the targets; asserts nothing (beyond every response
being the one a browser expects), and never runs in the test suite. By default it uses its own
SQLite file (var/bench.sqlite3), which it rebuilds. For PostgreSQL, point DATABASE_URL at a
database whose name contains "bench":

    createdb -h 127.0.0.1 -U postgres comb_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/comb_bench .venv/bin/python bench/run.py \\
        --therapists 5000 --teams 60 --cycles 4

Data (bench/generate.py): --therapists N (2000), --teams N (40), --cycles N submitted cycles per
therapist (3); --reuse keeps the data of the last run instead of rebuilding it.
National scale (bench/national.py): --national builds --services N (300) services with --teams
(1500), --therapists (15000) and --cycles (8) by default, about 10 million ratings, and measures
the login page, the service heatmap, the national view, a profile, the supervisor dashboard and
the anonymised exports (with peak memory); a page that answers 404 (not built yet) is reported
as not available:

    createdb -h 127.0.0.1 -U postgres national_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/national_bench .venv/bin/python bench/run.py \
        --national
In-process: --requests N per page (50); --profile N profiles the N slowest pages with cProfile.
Under gunicorn: --http-requests N per page (200), --workers N sync workers (2), --clients N
concurrent client threads (4); --no-http skips it.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import resource
import subprocess
import sys
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comb_tracker.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-key")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")
# Measure the production configuration, whatever a developer's .env says.
os.environ["DEBUG"] = "false"
# Viewers are signed in directly (no code to type): pages are measured as they are once a
# second factor has been given, which adds no query to a request.
os.environ["MFA_REQUIRED_ROLES"] = ""

import warnings  # noqa: E402

import django  # noqa: E402

django.setup()
warnings.filterwarnings("ignore", "No directory at")

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.handlers.base import BaseHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.backends.utils import CursorWrapper  # noqa: E402
from django.template import engines  # noqa: E402
from django.template.base import Template  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import SupervisionRelationship, User  # noqa: E402
from accounts.permissions import services_led_by  # noqa: E402
from assessments import questionnaire  # noqa: E402
from assessments.framework_io import import_framework, parse_yaml  # noqa: E402
from assessments.models import ItemRating, SelfAssessment  # noqa: E402
from bench import load  # noqa: E402
from bench.cpd import add_cpd_load  # noqa: E402
from bench.figures import per_second, percentile  # noqa: E402
from bench.generate import SERVICE_SLUG, generate  # noqa: E402
from bench.national import (  # noqa: E402
    COMMISSIONER,
    generate_national,
    lead_username,
    service_slug,
)
from bench.supervision import add_supervision_load  # noqa: E402
from cpd.models import CpdGoal  # noqa: E402

P95_TARGET_MS = 150
IMPORT_TARGET_S = 2.0
SAVES_PER_SECOND_TARGET = 20
LOGIN_RATIO_TARGET = 0.5


@dataclass
class Page:
    """A page as one person sees it; `autosave` makes it that person's background saves, and
    `form` (the fields of the n-th request) makes it a form posted and redirected."""

    label: str
    viewer: User | None
    path: str
    autosave: load.Autosave | None = None
    form: Callable[[int], dict[str, str]] | None = None


@dataclass
class InProcess:
    page: Page
    timings_ms: list[float]
    first_ms: float
    queries: int


def guard_database() -> None:
    name = str(settings.DATABASES["default"]["NAME"])
    if "bench" not in name:
        sys.exit(f"Refusing to use database {name!r}: its name must contain 'bench'.")


def main() -> None:
    args = parse_args()
    guard_database()
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.STORAGES["staticfiles"]["BACKEND"] = (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    call_command("migrate", verbosity=0)
    if args.national:
        national_main(args)
        return
    print(
        f"COM-B Tracker benchmark on {connection.vendor} "
        f"({settings.DATABASES['default']['NAME']}), cache {settings.CACHES['default']['BACKEND']}"
    )
    if args.reuse:
        print(f"reusing the data of the last run: {ItemRating.objects.count():,} item ratings")
    else:
        build(args)
    print_import_time()

    pages = bench_pages()
    # The generated objects are long-lived: keep them out of the collector's way, so the
    # timings show a server's steady state rather than collection pauses.
    gc.collect()
    gc.freeze()
    results = [time_in_process(page, args.requests) for page in pages]
    results.append(time_in_process(activity_save_page(), args.requests))
    print_in_process(results, args.requests)
    print_chart_render(pages)
    print_section_saves(args.requests)
    print_entry_saves(args.requests)
    if args.profile:
        slowest = sorted(results, key=lambda r: percentile(r.timings_ms, 0.5), reverse=True)
        for result in slowest[: args.profile]:
            profile_page(result.page, args.requests)
    if not args.no_http:
        time_under_gunicorn(args)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--national", action="store_true", help="the national dataset")
    parser.add_argument("--services", type=int, default=300, help="with --national")
    parser.add_argument("--therapists", type=int, help="2000 (15000 with --national)")
    parser.add_argument("--teams", type=int, help="40 (1500 with --national)")
    parser.add_argument("--cycles", type=int, help="submitted cycles per therapist: 3 (8)")
    parser.add_argument("--reuse", action="store_true", help="keep the last run's data")
    parser.add_argument("--requests", type=int, default=50, help="per page, in-process")
    parser.add_argument("--profile", type=int, default=0, help="profile the N slowest pages")
    parser.add_argument("--http-requests", type=int, default=200, help="per page, over HTTP")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--no-http", action="store_true", help="skip the gunicorn run")
    args = parser.parse_args()
    defaults = (15_000, 1_500, 8) if args.national else (2_000, 40, 3)
    for name, default in zip(("therapists", "teams", "cycles"), defaults, strict=True):
        if getattr(args, name) is None:
            setattr(args, name, default)
    if args.cycles < 1:
        parser.error("--cycles must be at least 1: the profile pages need a submitted cycle.")
    return args


def build(args: argparse.Namespace) -> None:
    call_command("flush", interactive=False, verbosity=0)
    text = settings.FRAMEWORK_FIXTURE.read_text(encoding="utf-8")
    version = import_framework(parse_yaml(text), publish=True)
    generated = generate(version, therapists=args.therapists, teams=args.teams, cycles=args.cycles)
    supervisor = add_supervision_load(version)
    plans = add_cpd_load(version, supervisor)
    print(
        f"generated {generated.therapists:,} therapists in {generated.teams} teams, "
        f"{generated.cycles} cycles each: {generated.submitted:,} submitted and "
        f"{generated.in_progress:,} open assessments, {generated.ratings:,} item ratings, "
        f"{generated.moved} moved team; {plans} CPD plans"
    )
    print(
        f"generation: {generated.seconds:.1f} s ({generated.ratings_per_second:,.0f} ratings/s); "
        f"ANALYZE: {generated.analyze_seconds:.1f} s; "
        f"stored reliability: {generated.reliability_seconds:.1f} s"
    )
    if connection.vendor == "postgresql":
        # What autovacuum would do soon after such a load (hint bits, visibility map); done
        # now so that it does not run during the timings.
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM")
        print(f"VACUUM: {time.perf_counter() - start:.1f} s")


def print_import_time() -> None:
    """Import the shipped framework as a new version, timed, and roll it back."""
    text = settings.FRAMEWORK_FIXTURE.read_text(encoding="utf-8")
    with transaction.atomic():
        start = time.perf_counter()
        version = import_framework(parse_yaml(text), publish=True)
        seconds = time.perf_counter() - start
        items = version.items.count()
        transaction.set_rollback(True)
    print(
        f"framework import: {items} items in {seconds * 1000:.0f} ms "
        f"(target < {IMPORT_TARGET_S:.0f} s)"
    )


def bench_pages() -> list[Page]:
    """The pages, each seen by the person it is for: the first therapist (who has submitted
    cycles and an assessment in progress), their supervisor, the service lead."""
    therapist = User.objects.get(username="t00000")
    supervisor = User.objects.get(username="s0000")
    lead = User.objects.get(username="bench-lead")
    draft = therapist.self_assessments.in_progress().get()
    supervisees = SupervisionRelationship.objects.filter(supervisor=supervisor).count()
    return [
        Page("login", None, reverse("account_login")),
        Page("my training", therapist, reverse("assessments:my_training")),
        Page("framework", therapist, reverse("assessments:framework")),
        Page(f"dashboard ({supervisees})", supervisor, reverse("supervision:supervisees")),
        Page(
            "supervisee page",
            supervisor,
            reverse("supervision:supervisee", args=[therapist.pk]),
        ),
        Page("supervision log", therapist, reverse("supervision:log")),
        Page("CPD plan", therapist, reverse("cpd:plan")),
        Page("CPD activities", therapist, reverse("cpd:activities")),
        Page(
            "service overview",
            lead,
            reverse("accounts:service_overview", args=[SERVICE_SLUG]),
        ),
        Page("profile", therapist, reverse("assessments:profile", args=[therapist.pk])),
        Page("profile chart", therapist, chart_path(therapist)),
        Page(
            "questionnaire section",
            therapist,
            reverse("assessments:questionnaire_section", args=[draft.pk, 1]),
        ),
        autosave_page(draft),
        Page(
            "questionnaire review",
            therapist,
            reverse("assessments:questionnaire_review", args=[draft.pk]),
        ),
    ]


def chart_path(therapist: User) -> str:
    """The chart's URL as the profile page links it: the bare URL redirects there."""
    response = signed_in(therapist).get(reverse("assessments:profile_chart", args=[therapist.pk]))
    return response["Location"] if response.status_code == 302 else response.request["PATH_INFO"]


def autosave_page(assessment: SelfAssessment) -> Page:
    """Background saves of the first section, from the assessment's current revision."""
    assessment.refresh_from_db()
    return Page(
        "section autosave (POST)",
        assessment.therapist,
        reverse("assessments:questionnaire_autosave", args=[assessment.pk, 1]),
        load.Autosave(first_section_keys(assessment), assessment.revision),
    )


def first_section_keys(assessment: SelfAssessment) -> list[str]:
    section = questionnaire.rated_sections(assessment.version)[0]
    return list(section.items.order_by("order").values_list("key", flat=True))


def activity_save_page() -> Page:
    """A new CPD activity with a reflection and a goal, each post a new form (a fresh token),
    by another therapist than the pages' (their plan grows by one activity a save). In-process
    only: over HTTP it would need the CSRF token the test client does without."""
    therapist = User.objects.get(username="t00001")
    goal = CpdGoal.objects.filter(plan__therapist=therapist).order_by("pk").first()

    def form(n: int) -> dict[str, str]:
        return {
            "token": str(uuid.uuid4()),
            "type": "workshop",
            "title": f"Workshop on agenda setting {n}",
            "done_on": timezone.localdate().isoformat(),
            "hours": "3",
            "provider": "BABCP",
            "goals": str(goal.pk) if goal else "",
            "learned": "How to agree an agenda with a client who brings a crisis.",
            "application": "Agree the agenda in the first five minutes.",
            "impact": "",
        }

    return Page("CPD activity save (POST)", therapist, reverse("cpd:activity_new"), form=form)


def request(client: Client, page: Page, n: int) -> None:
    if page.form is not None:
        response = client.post(page.path, page.form(n))
        assert response.status_code == 302, (page.path, response.status_code, response.content)
        return
    if page.autosave is None:
        response = client.get(page.path)
        assert response.status_code == 200, (page.path, response.status_code)
        return
    response = client.post(page.path, page.autosave.fields(n))
    assert response.status_code == 200, (page.path, response.status_code, response.content)
    page.autosave.saved(response.json())


def signed_in(viewer: User | None) -> Client:
    client = Client()
    if viewer is not None:
        client.force_login(viewer)
    return client


def time_in_process(page: Page, requests: int) -> InProcess:
    client = signed_in(page.viewer)
    start = time.perf_counter()
    request(client, page, 0)  # the first request warms caches and connections
    first_ms = (time.perf_counter() - start) * 1000
    timings = []
    for n in range(1, requests + 1):
        start = time.perf_counter()
        request(client, page, n)
        timings.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        request(client, page, requests + 1)
    return InProcess(page, timings, first_ms, len(queries))


def print_in_process(results: list[InProcess], requests: int) -> None:
    print(
        f"\nin-process (Django test client, {requests} requests a page after one warm-up; "
        f"{load_average()}):"
    )
    print(
        f"{'page':<28}{'first ms':>9}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'queries':>8}  target"
    )
    for result in results:
        p95 = percentile(result.timings_ms, 0.95)
        verdict = "ok" if p95 <= P95_TARGET_MS else "OVER"
        print(
            f"{result.page.label:<28}{result.first_ms:>9.1f}"
            f"{percentile(result.timings_ms, 0.5):>8.1f}{p95:>8.1f}"
            f"{max(result.timings_ms):>8.1f}{result.queries:>8}"
            f"  p95 <= {P95_TARGET_MS} ms: {verdict}"
        )


def print_chart_render(pages: list[Page]) -> None:
    """The chart page with an empty cache: what the first view after a submission costs."""
    page = next(page for page in pages if page.label == "profile chart")
    client = signed_in(page.viewer)
    timings = []
    for _ in range(5):
        cache.clear()
        start = time.perf_counter()
        request(client, page, 0)
        timings.append((time.perf_counter() - start) * 1000)
    print(
        f"\nprofile chart with an empty cache: {percentile(timings, 0.5):.0f} ms "
        "(cached per assessment for a day, so the tables show the cached figure)"
    )


def print_entry_saves(requests: int) -> None:
    """POST a new supervision log entry (saved as a draft) as a supervisee would."""
    supervisor = User.objects.get(username="s0000")
    therapist = User.objects.get(username="t00001")
    client = signed_in(therapist)
    url = reverse("supervision:session_new")
    data = {
        "held_on": timezone.localdate().isoformat(),
        "duration_minutes": "60",
        "format": "individual",
        "delivery": "remote",
        "supervisor": str(supervisor.pk),
        "activities": ["case_discussion", "role_play"],
        "reflection": "Practised repairing a rupture in role play.",
    }
    timings = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.post(url, data)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 302, (url, response.status_code)
    print(
        f"\nsupervision entry save (POST, draft): p50 {percentile(timings, 0.5):.1f} ms, "
        f"p95 {percentile(timings, 0.95):.1f} ms over {requests} saves"
    )


def print_section_saves(requests: int) -> None:
    """POST a whole questionnaire section (the no-JavaScript form) as a therapist would; another
    therapist's assessment than the pages', whose revision chain goes on."""
    assessment = SelfAssessment.objects.in_progress().order_by("therapist__username")[1]
    form = load.Autosave(first_section_keys(assessment), assessment.revision)
    client = signed_in(assessment.therapist)
    url = reverse("assessments:questionnaire_section", args=[assessment.pk, 1])
    revision = assessment.revision
    start = time.perf_counter()
    for n in range(requests):
        data = form.fields(n) | {"action": "later", "revision": str(revision)}
        response = client.post(url, data)
        assert response.status_code == 302, (url, response.status_code)
        revision += 1  # each save counts one revision, and nobody else saves meanwhile
    rate = per_second(requests, time.perf_counter() - start)
    verdict = "ok" if rate >= SAVES_PER_SECOND_TARGET else "UNDER"
    print(
        f"questionnaire section saves (one client, sequential): {rate:.0f}/s "
        f"(target >= {SAVES_PER_SECOND_TARGET}/s: {verdict})"
    )


def profile_page(page: Page, requests: int) -> None:
    """Where one page's time goes, from cProfile: the handler's layers, then the functions
    that spend the most time themselves. Nested figures overlap (SQL run while rendering
    counts in both)."""
    client = signed_in(page.viewer)
    request(client, page, 0)
    profiler = cProfile.Profile()
    profiler.enable()
    for n in range(1, requests + 1):
        request(client, page, n)
    profiler.disable()
    # (file, line, function) -> (primitive calls, calls, own time, cumulative time, callers)
    stats: dict[tuple[str, int, str], tuple] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]

    def ms(*functions: Callable) -> float:
        total = 0.0
        for function in functions:
            code = function.__code__
            key = (code.co_filename, code.co_firstlineno, code.co_name)
            total += stats.get(key, (0, 0, 0, 0))[3]
        return total * 1000 / requests

    processors = engines["django"].engine.template_context_processors  # type: ignore[attr-defined]
    whole = ms(BaseHandler.get_response)
    print(f"\nprofile of {page.label} {page.path} ({requests} requests; ms per request):")
    print(f"  handler, whole request       {whole:7.1f}")
    # Private methods, missing from the type stubs.
    view = ms(BaseHandler._get_response)  # type: ignore[attr-defined]
    sql = ms(CursorWrapper._execute)  # type: ignore[attr-defined]
    print(f"  middleware and URL routing   {whole - view:7.1f}")
    print(f"  view, rendering included     {view:7.1f}")
    print(f"  template rendering           {ms(Template.render):7.1f}")
    print(f"    context processors         {ms(*processors):7.1f}")
    print(f"  SQL execution                {sql:7.1f}")
    print("  most time spent in the function itself:")
    own = sorted(stats.items(), key=lambda entry: entry[1][2], reverse=True)[:10]
    for (filename, line, name), (_, calls, own_time, _, _) in own:
        where = _short(filename)
        print(
            f"    {own_time * 1000 / requests:6.2f} ms  {calls // requests:>6} calls  "
            f"{where}:{line}({name})"
        )
    print("  project code, by cumulative time:")
    ours = [
        entry
        for entry in stats.items()
        if entry[0][0].startswith(str(ROOT))
        and "/.venv/" not in entry[0][0]
        and "/bench/" not in entry[0][0]
    ]
    for (filename, line, name), (_, calls, _, cumulative, _) in sorted(
        ours, key=lambda entry: entry[1][3], reverse=True
    )[:8]:
        print(
            f"    {cumulative * 1000 / requests:6.2f} ms  {calls // requests:>6} calls  "
            f"{_short(filename)}:{line}({name})"
        )


def load_average() -> str:
    """The machine's load before a table: other work on it slows every figure down."""
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def _short(filename: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def time_under_gunicorn(args: argparse.Namespace, pages: list[Page] | None = None) -> None:
    """Every page (`bench_pages` unless given) under gunicorn, from concurrent clients, against
    the login page's rate (the first page)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "comb_tracker.settings",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "false",
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity=0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    pages = bench_pages() if pages is None else pages
    visits = {page.label: http_visits(page, args.clients) for page in pages}
    log = ROOT / "var" / "bench-gunicorn.log"
    print(
        f"\nunder gunicorn ({args.workers} sync workers, {args.clients} client threads, "
        f"{args.http_requests} requests a page after a warm-up; {load_average()}; "
        f"log in {_short(str(log))}):"
    )
    print(
        f"{'page':<28}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'req/s':>8}{'of login':>10}"
        f"  >= {LOGIN_RATIO_TARGET:.0%} of login"
    )
    with load.gunicorn(env, args.workers, ROOT, log) as port:
        login_rate = 0.0
        # More warm-up clients than workers keep every worker busy, so each has served (and
        # compiled the templates of) the page before the timed run.
        warm_clients = max(args.clients, 2 * args.workers)
        for page in pages:  # the login page first: the others are measured against it
            load.drive(port, visits[page.label], 3 * warm_clients, warm_clients)
            run = load.drive(port, visits[page.label], args.http_requests, args.clients)
            if run.problems:
                sys.exit(f"{page.label}: {len(run.problems)} failed, e.g. {run.problems[0]}")
            rate = per_second(len(run.latencies_ms), run.seconds)
            if page.viewer is None:
                login_rate = rate
            ratio = rate / login_rate
            verdict = (
                "" if page.viewer is None else ("yes" if ratio >= LOGIN_RATIO_TARGET else "NO")
            )
            print(
                f"{page.label:<28}{percentile(run.latencies_ms, 0.5):>8.1f}"
                f"{percentile(run.latencies_ms, 0.95):>8.1f}{max(run.latencies_ms):>8.1f}"
                f"{rate:>8.1f}{ratio:>10.0%}"
                f"  {verdict}"
            )


def http_visits(page: Page, clients: int) -> list[load.Visit]:
    """Who requests the page over HTTP: its viewer for every client, except background saves,
    where each client is another therapist saving their own assessment (one revision chain
    each, as in real use)."""
    if page.autosave is None:
        session = signed_in(page.viewer).cookies["sessionid"].value if page.viewer else None
        return [load.Visit(page.path, session)]
    open_ones = SelfAssessment.objects.in_progress().order_by("therapist__username")[:clients]
    visits = []
    for assessment in open_ones.select_related("therapist", "version"):
        saves = autosave_page(assessment)
        session = signed_in(saves.viewer).cookies["sessionid"].value
        visits.append(load.Visit(saves.path, session, saves.autosave))
    return visits


# National scale (--national): bench/national.py's dataset and the pages that must stay fast on it.

NATIONAL_P95_TARGETS_MS = {"service heatmap": 150, "profile": 150, "national view": 300}
NATIONAL_QUERY_TARGET_MS = 50
EXPLAIN_REPEATS = 20
NATIONAL_TABLES = (
    "assessments_itemrating",
    "assessments_selfassessment",
    "reports_itemsummary",
    "reports_assessmentdomainscore",
    "accounts_user",
    "accounts_membership",
)


@dataclass
class Measured:
    """One page at national scale; `status` is what the first request answered, and a page
    that is not there yet (404) is reported as such instead of timed."""

    page: Page
    status: int
    timings_ms: list[float] = field(default_factory=list)
    queries: int = 0
    slowest_query_ms: float = 0.0
    slowest_sql: str = ""
    peak_kib: float = 0.0
    size_kib: float = 0.0

    @property
    def available(self) -> bool:
        return self.status == 200


def national_main(args: argparse.Namespace) -> None:
    print(
        f"COM-B Tracker national benchmark on {connection.vendor} "
        f"({settings.DATABASES['default']['NAME']}; {load_average()})"
    )
    if args.reuse:
        print(f"reusing the data of the last run: {ItemRating.objects.count():,} item ratings")
    else:
        build_national(args)
    print_table_sizes()
    pages = national_pages()
    gc.collect()
    gc.freeze()
    results = [measure(page, args.requests) for page in pages]
    print_national(results, args.requests)
    print_whole_export()
    national = next(r for r in results if r.page.label == "national view")
    if national.available:
        print_query_time(national)
    if not args.no_http:
        available = [r.page for r in results if r.available]
        time_under_gunicorn(args, available)


def build_national(args: argparse.Namespace) -> None:
    call_command("flush", interactive=False, verbosity=0)
    text = settings.FRAMEWORK_FIXTURE.read_text(encoding="utf-8")
    version = import_framework(parse_yaml(text), publish=True)
    print(
        f"generating {args.services} services, {args.teams:,} teams, "
        f"{args.therapists:,} therapists, {args.cycles} cycles each:"
    )
    made = generate_national(
        version,
        services=args.services,
        teams=args.teams,
        therapists=args.therapists,
        cycles=args.cycles,
        progress=lambda line: print(f"  {line}", flush=True),
    )
    print(
        f"generated {made.submitted:,} submitted and {made.in_progress:,} open assessments, "
        f"{made.ratings:,} item ratings, {made.supervisors:,} supervisors, {made.moved} moved "
        f"team, in {made.seconds:.0f} s ({made.ratings / made.seconds:,.0f} ratings/s overall); "
        f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    if connection.vendor == "postgresql":
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM")
        print(f"VACUUM: {time.perf_counter() - start:.1f} s")


def print_table_sizes() -> None:
    if connection.vendor != "postgresql":
        return
    print("table sizes (rows as ANALYZE estimates them; size with indexes):")
    with connection.cursor() as cursor:
        for table in NATIONAL_TABLES:
            cursor.execute(
                "SELECT reltuples::bigint, pg_total_relation_size(oid) FROM pg_class "
                "WHERE relname = %s",
                [table],
            )
            row = cursor.fetchone()
            if row:
                print(f"  {table:<32}{row[0]:>12,} rows {row[1] / 2**20:>9,.0f} MB")
        cursor.execute("SELECT pg_database_size(current_database())")
        print(f"  {'whole database':<32}{'':>17}{cursor.fetchone()[0] / 2**20:>9,.0f} MB")


def national_pages() -> list[Page]:
    """Each page seen by the person it is for: the first service's lead, the commissioner,
    a therapist of the first service, their supervisor (eight supervisees)."""
    lead = User.objects.get(username=lead_username(0))
    commissioner = User.objects.get(username=COMMISSIONER)
    therapist = User.objects.get(username="t00001")
    supervisor = SupervisionRelationship.objects.get(supervisee=therapist).supervisor
    supervisees = SupervisionRelationship.objects.filter(supervisor=supervisor).count()
    slug = service_slug(0)
    return [
        Page("login", None, reverse("account_login")),
        Page("service heatmap", lead, reverse("reports:heatmap", args=[slug])),
        Page("national view", commissioner, reverse("reports:national")),
        Page("profile", therapist, reverse("assessments:profile", args=[therapist.pk])),
        Page(f"dashboard ({supervisees})", supervisor, reverse("supervision:supervisees")),
        Page("export of one service", lead, reverse("reports:responses_csv", args=[slug])),
    ]


def fetch_whole(client: Client, path: str) -> tuple[int, int]:
    """GET a page and read all of it, streamed or not: (status, bytes)."""
    response = client.get(path)
    if getattr(response, "streaming", False):
        chunks: Iterable[bytes] = response.streaming_content  # type: ignore[attr-defined]
        size = sum(len(chunk) for chunk in chunks)
    else:
        size = len(response.content)
    return response.status_code, size


def measure(page: Page, requests: int) -> Measured:
    """Time `requests` requests after a warm-up, count the queries of one and find its slowest,
    and trace the Python memory one request allocates at its peak."""
    client = signed_in(page.viewer)
    status, size = fetch_whole(client, page.path)  # warms caches; says whether it is there
    result = Measured(page, status, size_kib=size / 1024)
    if not result.available:
        return result
    for _ in range(requests):
        start = time.perf_counter()
        fetch_whole(client, page.path)
        result.timings_ms.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        fetch_whole(client, page.path)
    result.queries = len(queries)
    if queries.captured_queries:
        slowest = max(queries.captured_queries, key=lambda query: float(query["time"]))
        result.slowest_query_ms = float(slowest["time"]) * 1000
        result.slowest_sql = slowest["sql"]
    tracemalloc.start()
    fetch_whole(client, page.path)
    result.peak_kib = tracemalloc.get_traced_memory()[1] / 1024
    tracemalloc.stop()
    return result


def print_national(results: list[Measured], requests: int) -> None:
    print(
        f"\nin-process at national scale (Django test client, {requests} requests a page after "
        f"one warm-up; {load_average()}):"
    )
    print(
        f"{'page':<24}{'p50 ms':>8}{'p95 ms':>8}{'req/s':>8}{'of login':>9}{'queries':>8}"
        f"{'slowest q ms':>13}{'peak KiB':>10}{'KiB':>8}  target"
    )
    login_ms = 0.0
    for result in results:
        if not result.available:
            print(f"{result.page.label:<24}not available ({result.status})")
            continue
        p50 = percentile(result.timings_ms, 0.5)
        p95 = percentile(result.timings_ms, 0.95)
        rate = per_second(len(result.timings_ms), sum(result.timings_ms) / 1000)
        if result.page.viewer is None:
            login_ms = sum(result.timings_ms)
        ratio = login_ms / sum(result.timings_ms) if login_ms else 0.0
        target = NATIONAL_P95_TARGETS_MS.get(result.page.label)
        verdict = (
            "" if target is None else f"p95 <= {target} ms: " + ("ok" if p95 <= target else "OVER")
        )
        print(
            f"{result.page.label:<24}{p50:>8.1f}{p95:>8.1f}{rate:>8.0f}{ratio:>9.0%}"
            f"{result.queries:>8}{result.slowest_query_ms:>13.1f}{result.peak_kib:>10,.0f}"
            f"{result.size_kib:>8,.0f}  {verdict}"
        )
    print(
        "(req/s: one client in-process, sequential; peak KiB: Python memory one request "
        "allocates at its peak, tracemalloc; KiB: the response's size)"
    )


def print_query_time(result: Measured) -> None:
    """The national view's slowest query alone: re-run, and on PostgreSQL EXPLAIN ANALYZEd."""
    timings = []
    with connection.cursor() as cursor:
        for _ in range(EXPLAIN_REPEATS):
            start = time.perf_counter()
            cursor.execute(result.slowest_sql)
            cursor.fetchall()
            timings.append((time.perf_counter() - start) * 1000)
        p95 = percentile(timings, 0.95)
        verdict = "ok" if p95 <= NATIONAL_QUERY_TARGET_MS else "OVER"
        print(
            f"\nnational view's slowest query, run {EXPLAIN_REPEATS} times: "
            f"p50 {percentile(timings, 0.5):.1f} ms, p95 {p95:.1f} ms "
            f"(target <= {NATIONAL_QUERY_TARGET_MS} ms: {verdict})\n  {result.slowest_sql[:600]}"
        )
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {result.slowest_sql}")
            print("\n".join(f"  {line}" for (line,) in cursor.fetchall()))


def print_whole_export() -> None:
    """The anonymised export of every service, each streamed by its lead in turn through the
    view, with the largest Python memory peak of any one of them and of the process."""
    leads = User.objects.filter(username__startswith="lead").order_by("username")
    first = True
    total_bytes, largest_peak, seconds = 0, 0, 0.0
    for lead in leads:
        slug = services_led_by(lead).values_list("slug", flat=True).get()
        client = signed_in(lead)
        tracemalloc.start()
        start = time.perf_counter()
        status, size = fetch_whole(client, reverse("reports:responses_csv", args=[slug]))
        seconds += time.perf_counter() - start
        largest_peak = max(largest_peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        if status != 200:
            print(f"\nexport of the whole dataset: not available ({status})")
            return
        total_bytes += size
        first = False
    if first:
        return
    print(
        f"\nexport of the whole dataset, service by service ({leads.count()} streams): "
        f"{seconds:.1f} s, {total_bytes / 2**20:,.1f} MB of CSV; largest peak of one stream "
        f"{largest_peak / 1024:,.0f} KiB (traced); process peak "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
