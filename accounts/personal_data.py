"""Personal data rights in one registry: where each person's data lives, what their export
holds, and what anonymising a leaver does.

Every model that holds data about a person joins with an `Entry`: how to find the person's rows
(`about`: records about them; `by`: records they made or acted in about others), which fields
go into their download, and what anonymisation does to each identifying or free-text field.
Apps register their own models in a `<app>/personal_data.py` module, found by autodiscovery, so
accounts never imports them. Models with a django-simple-history history join by themselves:
their historical model gets an entry derived from theirs (change reasons removed).
tests/accounts/test_anonymisation.py fails when a model with a foreign key to the user model
is missing, so supervision and CPD join from their first migration.

A leaver is anonymised, never deleted: names, email and free text give way to a pseudonym
("Former member 7f3a9c"), ratings and dates stay so service figures stay right.
"""

from __future__ import annotations

import csv
import datetime
import enum
import io
import json
import secrets
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from .audit import record_event
from .models import AuditEvent, Membership, SupervisionRelationship, User

PSEUDONYM_PREFIX = "former-"
REMOVED_TEXT = "[removed]"

# A lookup finds a person's rows: a field path ("therapist", "assessment__therapist") compared
# with the person, or a function of the person giving a filter (rows naming them without a key).
Lookup = str | Callable[[User], Q]


class Scrub(enum.Enum):
    """What anonymisation writes into one field of the person's rows."""

    KEEP = "kept"
    BLANK = "emptied"
    REMOVED = "replaced by [removed] when it had text"
    USERNAME = "replaced by the pseudonym (former-7f3a9c)"
    FORMER = 'replaced by "Former"'
    MEMBER = 'replaced by "member 7f3a9c"'
    FORMER_NAME = 'replaced by "Former member 7f3a9c"'

    def written(self, token: str) -> str:
        """The new value, for the person whose pseudonym token is `token`."""
        return {
            Scrub.BLANK: "",
            Scrub.REMOVED: REMOVED_TEXT,
            Scrub.USERNAME: f"{PSEUDONYM_PREFIX}{token}",
            Scrub.FORMER: "Former",
            Scrub.MEMBER: f"member {token}",
            Scrub.FORMER_NAME: f"Former member {token}",
        }[self]


@dataclass(frozen=True)
class Entry:
    """One model's part in the export and in anonymisation.

    `export` lists field paths as `QuerySet.values()` takes them (empty: every column).
    `scrub_about` applies to the rows found by `about`, `scrub_by` to those found by `by`;
    fields not named are kept. `delete` removes the person's rows instead (addresses, sign-in
    secrets and logs that would still name them). `description` is what the "Your data" page
    says about it; `note` says what a reader of anonymised rows sees.
    """

    model: type[models.Model]
    about: tuple[Lookup, ...] = ()
    by: tuple[Lookup, ...] = ()
    export: tuple[str, ...] = ()
    scrub_about: Mapping[str, Scrub] = field(default_factory=dict)
    scrub_by: Mapping[str, Scrub] = field(default_factory=dict)
    delete: bool = False
    description: str = ""
    note: str = ""
    # File fields whose files go into the download beside the rows (evidence uploads).
    files: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def lookup_names(self) -> set[str]:
        """The field paths among the lookups (the functions have no name to check)."""
        return {lookup for lookup in (*self.about, *self.by) if isinstance(lookup, str)}

    @property
    def columns(self) -> tuple[str, ...]:
        return self.export or tuple(f.attname for f in self.model._meta.concrete_fields)

    def about_rows(self, person: User) -> models.QuerySet:
        return self._rows(self.about, person)

    def by_rows(self, person: User) -> models.QuerySet:
        return self._rows(self.by, person)

    def rows(self, person: User) -> models.QuerySet:
        """Every row of the person's, about them or by them."""
        found = _matching(self.about, person) | _matching(self.by, person)
        return self.model._default_manager.filter(found).order_by("pk")

    def export_rows(self, person: User) -> list[dict[str, Any]]:
        return list(self.rows(person).values(*self.columns))

    def _rows(self, lookups: tuple[Lookup, ...], person: User) -> models.QuerySet:
        if not lookups:
            return self.model._default_manager.none()
        return self.model._default_manager.filter(_matching(lookups, person))


def _matching(lookups: tuple[Lookup, ...], person: User) -> Q:
    """Rows matching any of the lookups; a filter matching nothing when there are none."""
    found = Q(pk__in=[])
    for lookup in lookups:
        found |= lookup(person) if callable(lookup) else Q(**{lookup: person})
    return found


_registry: dict[type[models.Model], Entry] = {}
_discovered = False


def register(entry: Entry) -> Entry:
    """Add a model to the registry (once); called from each app's `personal_data` module."""
    if entry.model in _registry:
        raise ValueError(f"{entry.label} is already in the personal data registry.")
    _registry[entry.model] = entry
    return entry


def entries() -> list[Entry]:
    """Every entry: those registered by the apps, then one per historical model."""
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("personal_data")
    registered = list(_registry.values())
    return registered + [_history_entry(model) for model in _historised_models()]


def entry_for(model: type[models.Model]) -> Entry | None:
    return next((entry for entry in entries() if entry.model is model), None)


def _historised_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if getattr(model._meta, "simple_history_manager_attribute", None)
    ]


def _history_entry(model: type[models.Model]) -> Entry:
    """The historical model of `model`: rows about the person as `model`'s entry finds them,
    and rows whose change they made (`history_user`, kept). A change reason may name people,
    so it is removed; the recorded values follow `model`'s own scrubs."""
    manager = getattr(model, model._meta.simple_history_manager_attribute)  # type: ignore[attr-defined]
    base = _registry.get(model) or Entry(model=model)
    reason = {"history_change_reason": Scrub.REMOVED}
    return replace(
        base,
        model=manager.model,
        by=(*base.by, "history_user"),
        export=(),
        files=(),  # the history keeps the stored name, not the file
        scrub_about={**base.scrub_about, **reason},
        scrub_by={**base.scrub_by, **reason},
        description="",
        note="Who changed what stays recorded; the change reason is removed.",
    )


# The entries of accounts' own models and of the libraries' models that name a person.


def _the_person(person: User) -> Q:
    return Q(pk=person.pk)


def _admin_log_about(person: User) -> Q:
    """Admin log lines about the person's own user record (their name is in `object_repr`)."""
    return Q(content_type=ContentType.objects.get_for_model(User), object_id=str(person.pk))


def _by_username(person: User) -> Q:
    return Q(username=person.username)


register(
    Entry(
        model=User,
        about=(_the_person,),
        export=(
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "date_joined",
            "last_login",
            "is_active",
        ),
        scrub_about={
            "username": Scrub.USERNAME,
            "first_name": Scrub.FORMER,
            "last_name": Scrub.MEMBER,
            "email": Scrub.BLANK,
        },
        description="Your account: user name, names, email address, when you joined and last "
        "signed in.",
        note="The password becomes unusable and the account inactive.",
    )
)
register(
    Entry(
        model=Membership,
        about=("user",),
        export=(
            "id",
            "service__name",
            "team__name",
            "role",
            "starts_on",
            "ends_on",
            "contracted_hours",
        ),
        description="Your roles in services and teams, with their dates and contracted hours.",
        note='Kept with their dates, so team figures stay right; the person reads "Former '
        'member 7f3a9c".',
    )
)
register(
    Entry(
        model=SupervisionRelationship,
        about=("supervisee",),
        by=("supervisor",),
        export=(
            "id",
            "supervisor_id",
            "supervisor__first_name",
            "supervisor__last_name",
            "supervisee_id",
            "supervisee__first_name",
            "supervisee__last_name",
            "starts_on",
            "ends_on",
        ),
        description="Who supervised you, and whom you supervised, with the dates.",
        note="Kept with their dates. Records a leaver signed as a supervisor (supervision "
        'sessions) show "former supervisor" with the pseudonym.',
    )
)
register(
    Entry(
        model=AuditEvent,
        about=("subject",),
        by=("actor",),
        export=(
            "id",
            "at",
            "action",
            "detail",
            "actor_id",
            "actor__first_name",
            "actor__last_name",
            "subject_id",
            "subject__first_name",
            "subject__last_name",
        ),
        scrub_about={"detail": Scrub.REMOVED},
        description="The access record: who opened or downloaded your data, and whose data "
        "you opened.",
        note="Kept, naming the pseudonym; details of records about the leaver are removed.",
    )
)
register(
    Entry(
        model=LogEntry,
        about=(_admin_log_about,),
        by=("user",),
        export=(
            "id",
            "action_time",
            "action_flag",
            "content_type__model",
            "object_id",
            "object_repr",
            "change_message",
        ),
        scrub_about={"object_repr": Scrub.FORMER_NAME},
        description="Changes made through the administration pages to your account, or by you.",
        note="Kept; lines about the leaver's account show the pseudonym.",
    )
)


def _register_library_models() -> None:
    """Email addresses, second-factor devices and sign-in logs: the person's own, deleted on
    anonymising (they identify them and serve no figure)."""
    register(
        Entry(
            model=apps.get_model("account", "EmailAddress"),
            about=("user",),
            export=("email", "verified", "primary"),
            delete=True,
            description="Your email addresses as the sign-in pages know them.",
        )
    )
    register(
        Entry(
            model=apps.get_model("mfa", "Authenticator"),
            about=("user",),
            export=("type", "created_at", "last_used_at"),  # never the secrets themselves
            delete=True,
            description="Your two-factor devices: their kind and when they were set up and "
            "last used (not their secrets).",
        )
    )
    for name in ("AccessAttempt", "AccessFailureLog", "AccessLog"):
        model = apps.get_model("axes", name)
        register(
            Entry(
                model=model,
                about=(_by_username,),
                export=("attempt_time", "ip_address", "user_agent", "path_info"),
                delete=True,
                description="Sign-in records under your user name: when, from which address "
                "and browser.",
            )
        )


_register_library_models()


# Export


def export_archive(person: User) -> bytes:
    """A zip of the person's data: data.json with every entry, and one CSV per model that holds
    rows of theirs."""
    data: dict[str, list[dict[str, Any]]] = {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in entries():
            rows = entry.export_rows(person)
            data[entry.label] = rows
            if rows:
                archive.writestr(f"{entry.label}.csv", _csv(entry.columns, rows))
            for name in entry.files:
                _add_files(archive, entry, name, person)
        document = {
            "exported_at": timezone.now(),
            "person": person.username,
            "models": data,
        }
        archive.writestr(
            "data.json", json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        )
    return buffer.getvalue()


def _add_files(archive: zipfile.ZipFile, entry: Entry, name: str, person: User) -> None:
    """Each stored file of the person's rows, as files/<model>/<row id>-<stored name>; one
    missing from storage is left out rather than failing the download."""
    for row in entry.rows(person).exclude(**{name: ""}):
        stored = getattr(row, name)
        try:
            with stored.open("rb") as handle:
                content = handle.read()
        except FileNotFoundError:
            continue
        archive.writestr(f"files/{entry.label}/{row.pk}-{Path(stored.name).name}", content)


def _csv(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue()


# Anonymisation


class CannotAnonymiseSelf(Exception):
    """An administrator asked to anonymise their own account."""


def is_anonymised(person: User) -> bool:
    return AuditEvent.objects.filter(subject=person, action=AuditEvent.Action.ANONYMISED).exists()


def anonymised_people() -> models.QuerySet[AuditEvent, Any]:
    """The ids of everyone anonymised (as a subquery)."""
    return AuditEvent.objects.filter(action=AuditEvent.Action.ANONYMISED).values("subject_id")


@transaction.atomic
def anonymise(person: User, *, by: User | None, reason: str = "") -> bool:
    """Replace the person's names, email and free text by a pseudonym everywhere the registry
    lists, delete their addresses, devices and sign-in logs, end their sign-in, and record it.

    Ratings, memberships and supervision stay (with their dates) so figures stay right. Returns
    False, changing nothing, if they were anonymised before; `person` is refreshed.
    """
    if by is not None and by.pk == person.pk:
        raise CannotAnonymiseSelf("You cannot anonymise your own account.")
    User.objects.select_for_update().filter(pk=person.pk).get()
    if is_anonymised(person):
        return False
    token = _new_token()
    for entry in entries():
        if entry.delete:
            entry.rows(person).delete()
            continue
        _scrub(entry.about_rows(person), entry.scrub_about, token)
        _scrub(entry.by_rows(person), entry.scrub_by, token)
    # A new password hash also ends every session the person has open.
    User.objects.filter(pk=person.pk).update(is_active=False, password=make_password(None))
    record_event(by, person, AuditEvent.Action.ANONYMISED, reason)
    person.refresh_from_db()
    return True


def _new_token() -> str:
    while True:
        token = secrets.token_hex(3)
        if not User.objects.filter(username=Scrub.USERNAME.written(token)).exists():
            return token


def _scrub(rows: models.QuerySet, scrubs: Mapping[str, Scrub], token: str) -> None:
    changes = {name: scrub for name, scrub in scrubs.items() if scrub is not Scrub.KEEP}
    if not changes:
        return
    removed = [name for name, scrub in changes.items() if scrub is Scrub.REMOVED]
    others = {
        name: scrub.written(token) for name, scrub in changes.items() if scrub is not Scrub.REMOVED
    }
    if others:
        rows.update(**others)
    for name in removed:  # empty text stays empty, so a reader sees nothing was written
        rows.exclude(**{name: ""}).exclude(**{f"{name}__isnull": True}).update(
            **{name: REMOVED_TEXT}
        )


# Retention


def leavers(cutoff: datetime.date) -> models.QuerySet[User]:
    """People due for anonymisation: not anonymised yet, holding no role on or after `cutoff`,
    not signed in (nor joined) since, and either with roles that have all ended or inactive.
    Someone who never held a role and is still active (an administrator) is never a leaver."""
    since = datetime.datetime.combine(
        cutoff, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    recent_role = Membership.objects.filter(user=OuterRef("pk")).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=cutoff)
    )
    return (
        User.objects.exclude(pk__in=anonymised_people())
        .exclude(Exists(recent_role))
        .exclude(last_login__gte=since)
        .exclude(date_joined__gte=since)
        .annotate(last_role_ended=Max("memberships__ends_on"))
        .filter(Q(last_role_ended__isnull=False) | Q(is_active=False))
        .order_by("pk")
    )
