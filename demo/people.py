"""Demo organisation for `make run`: one service, three teams, twenty therapists (one of whom
moved team), four supervisors, one lead and an administrator, all with one known password.

Only for DEBUG/DEMO_MODE installs; the command refuses otherwise.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Role, Service, SupervisionRelationship, Team, User

DEMO_PASSWORD = "comb-demo-2026"
DEMO_SERVICE_SLUG = "northshire"
# therapist02 worked in the North team, then moved to the Central team this many days ago.
MOVER = "therapist02"
MOVED_DAYS_AGO = 150
# Part-time therapists: contracted clinical hours a week (the rest are full time), so that the
# supervision log shows pro-rata standards, one of them at the 45-minute minimum.
PART_TIME_HOURS = {
    "therapist05": Decimal("22.5"),
    "therapist10": Decimal("18.75"),
    "therapist13": Decimal("30"),
    "supervisor4": Decimal("15"),
}
TEAM_NAMES = ["North team", "Central team", "South team"]
THERAPIST_NAMES = [
    ("Amara", "Okafor"),
    ("Ben", "Hughes"),
    ("Chloe", "Patel"),
    ("Daniel", "Murphy"),
    ("Ella", "Nowak"),
    ("Farah", "Hussain"),
    ("George", "Evans"),
    ("Hannah", "Price"),
    ("Isaac", "Adeyemi"),
    ("Jess", "Campbell"),
    ("Kiran", "Shah"),
    ("Laura", "Bennett"),
    ("Mohammed", "Rahman"),
    ("Niamh", "Kelly"),
    ("Oliver", "Wright"),
    ("Priya", "Nair"),
    ("Rhys", "Morgan"),
    ("Sofia", "Rossi"),
    ("Tom", "Fletcher"),
    ("Zara", "Ahmed"),
]
SUPERVISOR_NAMES = [
    ("Helen", "Carter"),
    ("David", "Osei"),
    ("Ruth", "Lindqvist"),
    ("Samir", "Haddad"),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str


@transaction.atomic
def build_demo_organisation(today: datetime.date | None = None) -> list[DemoLogin]:
    """Create or refresh the demo service; returns the logins to show. Idempotent."""
    today = today or timezone.localdate()
    password = make_password(DEMO_PASSWORD)
    service, _ = Service.objects.update_or_create(
        slug=DEMO_SERVICE_SLUG, defaults={"name": "Northshire Talking Therapies"}
    )
    teams = [Team.objects.get_or_create(service=service, name=name)[0] for name in TEAM_NAMES]

    def person(username: str, first: str, last: str, **extra) -> User:
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "password": password,
                "email": f"{username}@example.nhs.uk",
                **extra,
            },
        )
        return user

    started = today - datetime.timedelta(days=240)

    def member(
        user: User,
        role: str,
        team: Team | None,
        *,
        starts_on: datetime.date | None = None,
        ends_on: datetime.date | None = None,
    ) -> None:
        """One open membership, or (with ends_on) one ended one, however often it runs."""
        hours = PART_TIME_HOURS.get(user.username) if role == Role.THERAPIST else None
        Membership.objects.update_or_create(
            user=user,
            service=service,
            team=team,
            role=role,
            ends_on__isnull=ends_on is None,
            defaults={
                "starts_on": starts_on or started,
                "ends_on": ends_on,
                "contracted_hours": hours,
            },
        )

    person("admin", "Ada", "Admin", is_staff=True, is_superuser=True)
    # A commissioner: no role in the service, only the national view of every service.
    commissioner = person("commissioner", "Chidi", "Nwosu")
    commissioner.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="reports", codename="view_national_aggregates"
        )
    )
    lead = person("lead", "Grace", "Whitfield")
    member(lead, Role.SERVICE_LEAD, None)

    supervisors = []
    for number, (first, last) in enumerate(SUPERVISOR_NAMES, start=1):
        supervisor = person(f"supervisor{number}", first, last)
        # Three supervisors belong to a team; the fourth works across the service and also
        # sees clients in the Central team, so holds two roles.
        member(supervisor, Role.SUPERVISOR, teams[number - 1] if number <= 3 else None)
        supervisors.append(supervisor)
    member(supervisors[3], Role.THERAPIST, teams[1])

    therapists = []
    moved_on = today - datetime.timedelta(days=MOVED_DAYS_AGO)
    for number, (first, last) in enumerate(THERAPIST_NAMES, start=1):
        username = f"therapist{number:02d}"
        therapist = person(username, first, last)
        if username == MOVER:
            left_on = moved_on - datetime.timedelta(days=1)
            member(therapist, Role.THERAPIST, teams[0], ends_on=left_on)
            member(therapist, Role.THERAPIST, teams[1], starts_on=moved_on)
        else:
            member(therapist, Role.THERAPIST, teams[(number - 1) % 3])
        therapists.append(therapist)

    for index, therapist in enumerate(therapists):
        supervise(supervisors[index % 4], therapist, started)
    supervise(supervisors[0], supervisors[3], started)
    # A finished relationship, so that history is visible and no longer grants access.
    SupervisionRelationship.objects.update_or_create(
        supervisor=supervisors[1],
        supervisee=therapists[0],
        ends_on__isnull=False,
        defaults={
            "starts_on": started - datetime.timedelta(days=365),
            "ends_on": started - datetime.timedelta(days=1),
        },
    )
    return [
        DemoLogin("therapist01", "Therapist, North team (therapist01 to therapist20)"),
        DemoLogin(MOVER, "Therapist who moved from the North to the Central team"),
        DemoLogin("supervisor1", "Supervisor of five therapists and supervisor4"),
        DemoLogin("supervisor4", "Supervisor who is also a therapist"),
        DemoLogin("lead", "Service lead, Northshire Talking Therapies"),
        DemoLogin("commissioner", "Commissioner: services compared in the national view"),
        DemoLogin("admin", "Administrator: framework editing in the admin site"),
    ]


def supervise(supervisor: User, supervisee: User, starts_on: datetime.date) -> None:
    open_relationship = SupervisionRelationship.objects.filter(
        supervisor=supervisor, supervisee=supervisee, ends_on__isnull=True
    )
    if not open_relationship.exists():
        SupervisionRelationship.objects.create(
            supervisor=supervisor, supervisee=supervisee, starts_on=starts_on
        )
