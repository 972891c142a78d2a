"""Random and hostile input posted to every endpoint that writes (issue 16, item 7): no answer is
a server error, and no request writes half of something.

Each hypothesis example runs in its own savepoint, rolled back at its end, so examples never see
each other's writes. Around each request every table of the product and of the auth libraries
is hashed (tests/fuzz/hostile.py); a request that is refused (4xx, or a form shown again) must
leave every hash as it was, and one that is accepted must make exactly the change it asked for.

Endpoints that write, found from the URL resolver and the views:
- `assessments:questionnaire` (POST self-assessment/): starts or resumes a self-assessment.
- `assessments:questionnaire_section` (POST self-assessment/<pk>/section/<n>/): saves a section.
- `assessments:questionnaire_autosave` (POST …/autosave/): the same save from the page's script.
- `assessments:questionnaire_review` (POST self-assessment/<pk>/review/): submits.
- `accounts:my_data_download` (POST my-data/download/): the zip of one's data, recorded.
- `session_keepalive` (POST session/keepalive/): restarts the idle clock (the session only).
- `supervision:session_new` (POST supervision/log/new/): records a draft log entry, or records
  and submits it ("submit").
- `supervision:session_edit` (POST supervision/log/<pk>/): changes (and perhaps submits) one's
  own draft or returned entry, with a reply to the supervisor on a returned one; a page of an
  older revision answers 409. Both entry pages also carry the entry's sections (a rupture
  record, a CTS-R rating, agreed actions to add and to remove), fuzzed with each service's
  features switched on and off.
- `supervision:agenda` and `supervision:supervisee_agenda` (POST): add an agenda item, as the
  supervisee or a current supervisor; `supervision:agenda_close` (POST agenda/<pk>/close/):
  marks an item discussed or dropped; `supervision:action_done` (POST actions/<pk>/done/).
- `supervision:observer_new` (POST supervisees/<pk>/ratings/new/): a supervisor's rating.
- `supervision:reflection_new` (POST reflections/new/): a therapist's quick reflection.
- `cpd:plan` (POST cpd/): the renewal date that ends this CPD year; `cpd:goal_new` and
  `cpd:goal_edit` (a goal, new or changed); `cpd:suggestion_accept` and
  `cpd:suggestion_dismiss` (plain or htmx); `cpd:activity_new` and `cpd:activity_edit`
  (multipart, with evidence files: hostile names, contents and claimed types);
  `cpd:evidence_delete`; `cpd:comment_add` (a supervisor's review comment, plain or htmx);
  `cpd:reply_add` (the therapist's reply in a thread of the review of their own plan).
- `service_actions:action_new` and `service_actions:action_edit` (a service lead's action, new
  or changed, or a suggestion taken up or dropped with a `decision`); `service_actions:suggest`
  (a therapist's named suggestion to their service lead).
- `admin:assessments_framework_import`: uploads a framework file (multipart).
- Admin actions: `open_draft` (frameworks), `publish_drafts` (versions, with its confirmation),
  `anonymise_selected` (people, with its confirmation).
- allauth: `account_login`, `account_change_password`, `account_reset_password`,
  `account_email`; and, fuzzed together because no fuzzed input gets past their checks to a
  write (a recent password, an authenticator code, a signed key): `account_logout`,
  `account_signup` (closed), `account_reauthenticate`, `account_set_password`,
  `account_reset_password_from_key`, `mfa_activate_totp`, `mfa_deactivate_totp`,
  `mfa_generate_recovery_codes`, `mfa_reauthenticate`, `mfa_authenticate`.
Not fuzzed here: the admin's own add/change/delete forms (Django's, per model), and the copy
of a post that comb_tracker.sessions keeps in the session when it ends (sessions are not
watched: signing in and out writes them by design).
"""

from __future__ import annotations

import datetime
import io
import re
import uuid
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from allauth.account.models import EmailAddress
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Q
from django.http import HttpResponse, QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import int_to_base36
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import AuditEvent, Role, Service, SupervisionRelationship, User
from assessments import questionnaire
from assessments.framework_io import MAX_FILE_BYTES
from assessments.models import (
    Framework,
    FrameworkItem,
    FrameworkSection,
    FrameworkVersion,
    ItemRating,
    SelfAssessment,
)
from cpd import activities as cpd_activities
from cpd import comments
from cpd import evidence as evidence_files
from cpd import services as cpd_services
from cpd.models import (
    TITLE_LENGTH,
    ActivityType,
    CpdActivity,
    CpdComment,
    CpdEvidence,
    CpdGoal,
    CpdPlan,
    SuggestionDismissal,
)
from reports.models import AssessmentDomainScore
from service_actions import services as action_services
from service_actions.models import ServiceAction
from supervision import services as supervision_services
from supervision.agenda import add_agenda_item, close_agenda_item, suggest_agenda_item
from supervision.features import Features
from supervision.forms import MAX_DETAIL_LENGTH
from supervision.models import (
    CTSR_ITEMS,
    CTSR_MAX_SCORE,
    AgendaItem,
    AgreedAction,
    CtsrRating,
    Delivery,
    Format,
    ObserverRating,
    RepairOutcome,
    RuptureRecord,
    SessionComment,
    SessionReflection,
    SupervisionSession,
)
from supervision.observer import record_observer_rating
from supervision.reflections import record_reflection
from supervision.services import CTSR_FIELDS, KEEP, RUPTURE_FIELDS, EntryDetails, Keep
from tests import factories
from tests.framework_files import small_framework, with_line
from tests.fuzz.hostile import (
    FORM,
    NAUGHTY,
    Pairs,
    Part,
    Post,
    Upload,
    changed_tables,
    encode_multipart,
    extra_pairs,
    field,
    has_surrogate,
    huge_texts,
    posts,
    rows,
    shuffled,
    snapshot,
    texts,
    values,
)

FUZZ = hypothesis_settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)
RATINGS = ["1", "2", "3", "4", "5", "na"]
CHECKBOX = st.one_of(st.sampled_from(["on", "", "false", "FALSE", "0", "true", "1"]), texts())


def send(client: Client, url: str, post: Post) -> HttpResponse:
    return client.generic("POST", url, post.body, content_type=post.content_type)


def ticked(value: str | None) -> bool:
    """Whether Django's CheckboxInput reads `value` as ticked."""
    return value is not None and value != "" and value.lower() != "false"


def unchanged_when_refused(response: HttpResponse, before: dict, after: dict) -> None:
    assert response.status_code < 500
    assert changed_tables(before, after) == set(), response.status_code


def attempt(
    user: User | None,
    request: Callable[[Client], HttpResponse],
    inspect=None,
    prepare: Callable[[], None] | None = None,
) -> None:
    """Make `request` in a savepoint that is rolled back, from a new browser (a session cookie
    from an earlier example names a session that was rolled back), after `prepare()` if given.
    `inspect(response, before, after, captured)` checks what was written, `captured` being what
    its `capture()` read before; without one, nothing may be written at all."""
    with transaction.atomic():
        client = Client()
        if user is not None:
            client.force_login(user)
        if prepare is not None:
            prepare()
        captured = inspect.capture() if hasattr(inspect, "capture") else None
        before = snapshot()
        response = request(client)
        assert response.status_code < 500
        after = snapshot()
        event(f"answered {response.status_code}")
        event("wrote" if changed_tables(before, after) else "wrote nothing")
        if inspect is None:
            unchanged_when_refused(response, before, after)
        else:
            inspect(response, before, after, captured)
        transaction.set_rollback(True)


def posting(url: str, post: Post) -> Callable[[Client], HttpResponse]:
    return lambda client: send(client, url, post)


# The questionnaire


@dataclass
class Cast:
    therapist: User
    colleague: User
    newcomer: User
    supervisor: User
    mine: SelfAssessment  # the therapist's open assessment, every statement answered
    submitted: SelfAssessment  # the therapist's earlier, submitted one
    theirs: SelfAssessment  # the colleague's open assessment, partly answered
    sections: list[FrameworkSection]


@pytest.fixture
def cast(published_version, service, team, therapist, supervisor) -> Cast:
    service.framework = published_version.framework
    service.save()
    submitted = factories.filled_assessment(therapist, published_version)
    mine = factories.filled_assessment(therapist, published_version, default=4, submit=False)
    sections = list(questionnaire.rated_sections(published_version).prefetch_related("items"))
    colleague = factories.therapist(team=team)
    theirs = questionnaire.start_or_resume(colleague, published_version)
    first = sections[0]
    answers = {item.pk: questionnaire.Answer(2, "theirs") for item in first.items.all()[:3]}
    questionnaire.save_section(theirs, first, answers, revision=0, resume_at=0)
    return Cast(
        therapist=therapist,
        colleague=colleague,
        newcomer=factories.therapist(team=team),
        supervisor=supervisor,
        mine=mine,
        submitted=submitted,
        theirs=theirs,
        sections=sections,
    )


def assessment_ids(cast: Cast) -> st.SearchStrategy[str]:
    """Mostly the signed-in therapist's own open assessment; else another one's, a submitted
    one, or ids that exist nowhere or are not ids at all."""
    own = str(cast.mine.pk)
    others = [str(cast.submitted.pk), str(cast.theirs.pk)]
    nowhere = ["0", "-1", str(2**63), "9" * 30, "1.0", "x"]
    return st.sampled_from([own] * 5 + others + nowhere)


def section_numbers(count: int) -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(1, count).map(str),
        st.sampled_from(["0", "-1", str(count + 1), str(2**31), "9" * 25]),
    )


@st.composite
def section_posts(draw, cast: Cast) -> tuple[str, str, Post]:
    """An assessment id, a section number and a section form full of surprises: half of them
    a plausible save of the therapist's own page with hostile values, half anything at all."""
    wild = draw(st.booleans())
    count = len(cast.sections)
    pk = draw(assessment_ids(cast)) if wild else str(cast.mine.pk)
    number = draw(section_numbers(count) if wild else st.integers(1, count).map(str))
    in_range = number.isdigit() and 1 <= int(number) <= count
    section = cast.sections[int(number) - 1] if in_range else cast.sections[0]
    keys = [item.key for item in section.items.all()]
    revision = SelfAssessment.objects.get(pk=cast.mine.pk).revision
    statements = st.lists(st.sampled_from([*keys, "X99", "__all__"]), max_size=5, unique=True)
    rating = (
        st.one_of(st.sampled_from([*RATINGS, ""]), texts(6))
        if wild
        else st.sampled_from([*RATINGS, ""])
    )

    comments = values() if wild else st.one_of(st.text(max_size=30), texts(), st.just("x" * 2001))

    @st.composite
    def answered(draw_) -> Pairs:
        pairs: Pairs = []
        for key in draw_(statements):
            pairs += draw_(field(f"rating_{key}", rating))
            pairs += draw_(field(f"comment_{key}", comments))
            pairs += draw_(field(f"clear_{key}", CHECKBOX))
        return pairs

    revisions = (
        st.one_of(st.sampled_from([str(revision), str(revision - 1), str(revision + 1)]), texts(8))
        if wild
        else st.just(str(revision)).map(lambda r: [("revision", r)])
    )
    revision_pairs = field("revision", revisions) if wild else revisions
    actions = st.one_of(st.sampled_from(["next", "previous", "later"]), texts(8))
    form = shuffled(answered(), revision_pairs, field("action", actions), extra_pairs())
    return pk, number, draw(posts(form, wild=wild))


def my_ratings(assessment: SelfAssessment) -> dict[int, tuple[int | None, str]]:
    return {
        r.item_id: (r.value, r.comment) for r in ItemRating.objects.filter(assessment=assessment)
    }


def expected_ratings(before: dict, items: list[FrameworkItem], posted: QueryDict) -> dict | None:
    """The answers a save of `posted` must leave: what it rates set, what it clears gone, the
    rest as it was. None when the post holds a rating that may not be saved at all."""
    after = dict(before)
    for item in items:
        choice = posted.get(f"rating_{item.key}")
        if choice and choice not in RATINGS:
            return None
        if ticked(posted.get(f"clear_{item.key}")):
            after.pop(item.pk, None)
            continue
        if not choice:
            continue
        value = None if choice == "na" else int(choice)
        if f"comment_{item.key}" in posted:
            comment = posted[f"comment_{item.key}"].strip().replace("\r\n", "\n").strip()
        else:
            comment = before[item.pk][1] if item.pk in before else ""
        after[item.pk] = (value, comment)
    return after


ANSWER_TABLES = {
    "assessments.selfassessment",
    "assessments.historicalselfassessment",
    "assessments.itemrating",
}


class SectionSave:
    """The check of one section save: refused → nothing changed; accepted → exactly the
    answers the post carries, on the therapist's own open assessment, and a new revision."""

    def __init__(self, cast: Cast, pk: str, number: str, post: Post, *, background: bool):
        self.cast, self.pk, self.number, self.post = cast, pk, number, post
        self.background = background

    def capture(self):
        return my_ratings(self.cast.mine), SelfAssessment.objects.get(pk=self.cast.mine.pk)

    def accepted(self, response) -> bool:
        if self.background:
            return response.status_code == 200 and response.json().get("saved") is True
        location = response.get("Location", "")
        return response.status_code == 302 and any(
            page in location for page in ("/self-assessment/", "/my-training/")
        )

    def __call__(self, response, before, after, captured) -> None:
        ratings_before, assessment_before = captured
        if not self.accepted(response):
            unchanged_when_refused(response, before, after)
            return
        if self.pk != str(self.cast.mine.pk):
            assert not (changed_tables(before, after)), "wrote to someone else's assessment"
            return
        assert self.post.content_type == FORM
        section = self.cast.sections[int(self.number) - 1]
        items = list(section.items.all())
        expected = expected_ratings(ratings_before, items, self.post.form)
        assert expected is not None, "an invalid rating was accepted"
        saved = my_ratings(self.cast.mine)
        assert saved == expected
        assert all(v is None or 1 <= v <= 5 for v, _ in saved.values())
        assert all(len(c) <= 2000 and "\x00" not in c for _, c in saved.values())
        assert changed_tables(before, after) <= ANSWER_TABLES
        now = SelfAssessment.objects.get(pk=self.cast.mine.pk)
        if saved != ratings_before:
            assert now.revision == assessment_before.revision + 1
        assert now.status == SelfAssessment.Status.IN_PROGRESS
        moved = now.resume_section != assessment_before.resume_section
        assert not moved or 0 <= now.resume_section < len(self.cast.sections)


def section_url_of(pk: str, number: str, *, background: bool) -> str:
    url = f"/self-assessment/{pk}/section/{number}/"
    return url + "autosave/" if background else url


def test_section_url_shape_is_the_one_the_fuzzers_post_to(cast):
    pk, number = cast.mine.pk, 2
    assert section_url_of(str(pk), "2", background=False) == reverse(
        "assessments:questionnaire_section", args=[pk, number]
    )
    assert section_url_of(str(pk), "2", background=True) == reverse(
        "assessments:questionnaire_autosave", args=[pk, number]
    )


@FUZZ
@given(data=st.data())
def test_hostile_section_saves_save_all_of_a_valid_answer_or_nothing(cast, data):
    pk, number, post = data.draw(section_posts(cast))
    check = SectionSave(cast, pk, number, post, background=False)
    attempt(cast.therapist, posting(section_url_of(pk, number, background=False), post), check)


@FUZZ
@given(data=st.data())
def test_hostile_background_saves_save_all_of_a_valid_answer_or_nothing(cast, data):
    pk, number, post = data.draw(section_posts(cast))
    check = SectionSave(cast, pk, number, post, background=True)
    attempt(cast.therapist, posting(section_url_of(pk, number, background=True), post), check)


class Start:
    """Starting: either nothing changes, or one new open assessment of the signed-in therapist,
    with no answers, appears."""

    def __init__(self, who: User):
        self.who = who

    def capture(self):
        return set(SelfAssessment.objects.values_list("pk", flat=True))

    def __call__(self, response, before, after, known) -> None:
        if not changed_tables(before, after):
            return
        assert response.status_code == 302
        assert changed_tables(before, after) <= ANSWER_TABLES - {"assessments.itemrating"}
        new = SelfAssessment.objects.exclude(pk__in=known)
        assert [(a.therapist_id, a.status, a.revision) for a in new] == [
            (self.who.pk, SelfAssessment.Status.IN_PROGRESS, 0)
        ]
        assert not ItemRating.objects.filter(assessment__in=new).exists()


@FUZZ
@given(data=st.data())
def test_hostile_start_posts_start_one_empty_assessment_or_nothing(cast, data):
    who = data.draw(
        st.sampled_from([cast.therapist, cast.newcomer, cast.newcomer, cast.supervisor])
    )
    slugs = st.one_of(st.sampled_from(["comb-pd", "COMB-PD", "comb-pd/", "other"]), texts())
    post = data.draw(posts(shuffled(field("framework", slugs), extra_pairs())))
    attempt(who, posting(reverse("assessments:questionnaire"), post), Start(who))


class Submit:
    """Submitting: nothing changes, or the signed-in therapist's own complete assessment
    becomes submitted with the sharing choice the post made, its answers untouched."""

    def __init__(self, cast: Cast, pk: str, post: Post):
        self.cast, self.pk, self.post = cast, pk, post

    def capture(self):
        return my_ratings(self.cast.mine)

    def __call__(self, response, before, after, ratings_before) -> None:
        if not changed_tables(before, after):
            return
        assert response.status_code == 302
        assert self.pk == str(self.cast.mine.pk)
        # A submit also adds the assessment to the analytics summaries, in its transaction.
        summaries = {"reports.itemsummary", "reports.assessmentdomainscore"}
        assert (
            changed_tables(before, after) <= ANSWER_TABLES - {"assessments.itemrating"} | summaries
        )
        now = SelfAssessment.objects.get(pk=self.cast.mine.pk)
        assert now.status == SelfAssessment.Status.SUBMITTED
        assert now.team_id is not None and now.submitted_at is not None
        assert AssessmentDomainScore.objects.filter(assessment=now).exists()
        assert now.shares_sensitive == ticked(self.post.form.get("shares_sensitive"))
        assert my_ratings(self.cast.mine) == ratings_before


@FUZZ
@given(data=st.data())
def test_hostile_submits_submit_a_complete_own_assessment_or_nothing(cast, data):
    who = data.draw(st.sampled_from([cast.therapist, cast.therapist, cast.colleague]))
    pk = data.draw(assessment_ids(cast))
    post = data.draw(posts(shuffled(field("shares_sensitive", CHECKBOX), extra_pairs())))
    attempt(who, posting(f"/self-assessment/{pk}/review/", post), Submit(cast, pk, post))


# Signing in, passwords and the other allauth pages

PASSWORDS = st.one_of(
    st.text(
        st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=10, max_size=24
    ),
    values(),
)


@pytest.fixture
def no_rate_limits(settings) -> None:
    """allauth's own sign-in rate limit lives in the cache, which savepoints do not roll back.
    django-axes stays on: its failure records are rolled back with each example."""
    settings.ACCOUNT_RATE_LIMITS = False


def user_rows_except(user: User, *columns: str) -> dict:
    row = User.objects.filter(pk=user.pk).values().get()
    return {name: value for name, value in row.items() if name not in columns}


class SignIn:
    """Signing in: nothing changes, or the therapist, with the right password, is signed in
    and only their last sign-in time changes."""

    def __init__(self, therapist: User, post: Post):
        self.therapist, self.post = therapist, post

    def capture(self):
        return rows(User)

    def __call__(self, response, before, after, users_before) -> None:
        if not changed_tables(before, after):
            return
        assert response.status_code == 302
        assert changed_tables(before, after) == {"accounts.user"}
        assert self.post.form.get("password") == factories.PASSWORD
        differing = [old for old, new in zip(users_before, rows(User), strict=True) if old != new]
        assert [row[0] for row in differing] == [self.therapist.pk]
        assert user_rows_except(self.therapist, "last_login") == {
            name: value
            for name, value in User.objects.filter(pk=self.therapist.pk).values().get().items()
            if name != "last_login"
        }


@FUZZ
@given(data=st.data())
def test_hostile_sign_ins_sign_in_only_with_the_right_password(therapist, no_rate_limits, data):
    logins = st.one_of(
        st.sampled_from([therapist.username, therapist.username.upper(), f" {therapist.username}"]),
        texts(),
    )
    passwords = st.one_of(st.just(factories.PASSWORD), values())
    if wild := data.draw(st.booleans()):
        form = shuffled(
            field("login", logins),
            field("password", passwords),
            field("remember", CHECKBOX),
            extra_pairs(),
        )
    else:  # the form as the page sends it, one of its values hostile
        login, password = data.draw(logins), data.draw(passwords)
        form = shuffled(st.just([("login", login), ("password", password)]), extra_pairs())
    post = data.draw(posts(form, wild=wild))
    attempt(None, posting(reverse("account_login"), post), SignIn(therapist, post))


class PasswordChange:
    """Changing the password: nothing changes, or, given the old password and the same new one
    twice, exactly the therapist's password changes, to the new one."""

    def __init__(self, therapist: User, post: Post):
        self.therapist, self.post = therapist, post

    def capture(self):
        return user_rows_except(self.therapist, "password")

    def __call__(self, response, before, after, others_before) -> None:
        if not changed_tables(before, after):
            return
        form = self.post.form
        assert response.status_code == 302
        assert changed_tables(before, after) == {"accounts.user"}
        assert form.get("oldpassword") == factories.PASSWORD
        assert form.get("password1") == form.get("password2")
        therapist = User.objects.get(pk=self.therapist.pk)
        assert therapist.check_password(form["password1"])
        assert user_rows_except(self.therapist, "password") == others_before


@FUZZ
@given(data=st.data())
def test_hostile_password_changes_change_it_fully_or_not_at_all(therapist, no_rate_limits, data):
    new = data.draw(PASSWORDS)
    if wild := data.draw(st.booleans()):
        olds = st.one_of(st.just(factories.PASSWORD), values())
        repeats = st.one_of(st.just(new), values())
        form = shuffled(
            field("oldpassword", olds),
            field("password1", st.just(new)),
            field("password2", repeats),
            extra_pairs(),
        )
    else:  # a well-formed change, its new password hostile
        well_formed = [("oldpassword", factories.PASSWORD), ("password1", new), ("password2", new)]
        form = shuffled(st.just(well_formed), extra_pairs())
    post = data.draw(posts(form, wild=wild))
    url = reverse("account_change_password")
    attempt(therapist, posting(url, post), PasswordChange(therapist, post))


@pytest.fixture
def address(therapist) -> EmailAddress:
    """The therapist's address as allauth records it (it does so the first time it is needed,
    even on a refused request: recorded beforehand, it is not mistaken for a fuzzed write)."""
    return EmailAddress.objects.create(
        user=therapist, email=therapist.email, primary=True, verified=False
    )


@FUZZ
@given(data=st.data())
def test_hostile_password_reset_requests_write_nothing(therapist, address, no_rate_limits, data):
    emails = st.one_of(
        st.sampled_from([therapist.email, therapist.email.upper(), "nobody@example.org"]), texts()
    )
    post = data.draw(posts(shuffled(field("email", emails), extra_pairs())))
    attempt(None, posting(reverse("account_reset_password"), post))


class EmailChange:
    """The e-mail page: nothing changes, or (the page answering a redirect) only the signed-in
    person's addresses do, each a valid address, and their account's address is one of them
    (or empty, with none left)."""

    def __init__(self, therapist: User):
        self.therapist = therapist

    def capture(self):
        return user_rows_except(self.therapist, "email")

    def __call__(self, response, before, after, user_before) -> None:
        if response.status_code != 302:
            unchanged_when_refused(response, before, after)
            return
        assert changed_tables(before, after) <= {"account.emailaddress", "accounts.user"}
        assert user_rows_except(self.therapist, "email") == user_before
        addresses = list(EmailAddress.objects.all())
        for address in addresses:
            assert address.user_id == self.therapist.pk
            validate_email(address.email)
        account_email = User.objects.get(pk=self.therapist.pk).email
        if addresses:
            assert account_email.lower() in {a.email.lower() for a in addresses}
        else:  # allauth lets a person who signs in by username remove their only address
            assert account_email == ""


@FUZZ
@given(data=st.data())
def test_hostile_email_page_posts_add_only_valid_own_addresses(
    therapist, address, no_rate_limits, data
):
    actions = st.sampled_from(["action_add", "action_remove", "action_primary", "action_send"])
    emails = st.one_of(st.sampled_from(["new@example.org", therapist.email]), texts())
    if wild := data.draw(st.booleans()):
        form = shuffled(
            st.lists(actions, max_size=2).map(lambda names: [(n, "") for n in names]),
            field("email", emails),
            extra_pairs(),
        )
    else:  # one action, one address (a hostile one half the time)
        pair = st.tuples(actions.map(lambda name: (name, "")), emails.map(lambda e: ("email", e)))
        form = shuffled(pair.map(list), extra_pairs())
    post = data.draw(posts(form, wild=wild))
    attempt(therapist, posting(reverse("account_email"), post), EmailChange(therapist))


# allauth pages that write only after a step no fuzzed input passes (a recent password, a code
# from the authenticator app, a signed reset key); they must still write nothing.
GUARDED = [
    ("account_logout", True),
    ("account_signup", False),
    ("account_reauthenticate", True),
    ("account_set_password", True),
    ("mfa_activate_totp", True),
    ("mfa_deactivate_totp", True),
    ("mfa_generate_recovery_codes", True),
    ("mfa_reauthenticate", True),
    ("mfa_authenticate", False),
]
GUARDED_FIELDS = ["password", "password1", "password2", "code", "username", "email", "login"]


@pytest.mark.parametrize(("name", "signed_in"), GUARDED)
@FUZZ
@given(data=st.data())
def test_hostile_posts_to_guarded_account_pages_write_nothing(
    therapist, no_rate_limits, name, signed_in, data
):
    named = st.sampled_from(GUARDED_FIELDS).flatmap(lambda n: field(n, values()))
    post = data.draw(posts(shuffled(named, named, extra_pairs())))
    attempt(therapist if signed_in else None, posting(reverse(name), post))


@FUZZ
@given(data=st.data())
def test_hostile_password_reset_keys_write_nothing(therapist, no_rate_limits, data):
    uid = data.draw(st.sampled_from([int_to_base36(therapist.pk), "0", "zzzzzzzzzzzzzz"]))
    key = data.draw(st.one_of(st.sampled_from(["set-password", "x" * 300]), texts()))
    url = f"/accounts/password/reset/key/{uid}-{quote(key.encode('utf-8', 'surrogatepass'))}/"
    passwords = field("password1", PASSWORDS)
    post = data.draw(posts(shuffled(passwords, field("password2", PASSWORDS), extra_pairs())))
    attempt(None, posting(url, post))


# The admin: framework import and the framework actions

SMALL = small_framework("uploaded", "Uploaded test")
SMALL_CSV = (
    "section_key,section_kind,section_title,section_component,key,problem,target,primary\n"
    "capability,barriers,Capability,C,C1,Lack of knowledge,Have knowledge,C-Ps\n"
)
FILENAMES = st.one_of(
    st.sampled_from(
        [
            "framework.yaml",
            "framework.yml",
            "framework.csv",
            "FRAMEWORK.YAML",
            "framework.txt",
            "framework",
            "../../etc/passwd.yaml",
            "framework.yaml.exe",
            "a" * 300 + ".yaml",
        ]
    ),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20).map(
        lambda name: name + ".yaml"
    ),
)


@pytest.fixture
def admin() -> User:
    return factories.UserFactory(is_staff=True, is_superuser=True)


@st.composite
def framework_files(draw, *, wild: bool = True) -> bytes:
    """The small framework with a few lines broken (at most one unless `wild`), a CSV with a
    cell broken, nonsense, or a file over the size limit."""
    kinds = ["yaml", "yaml", "csv", "bytes", "text", "huge"] if wild else ["yaml"]
    kind = draw(st.sampled_from(kinds))
    if kind == "yaml":
        text = SMALL
        for _ in range(draw(st.integers(0, 2 if wild else 1))):
            number = draw(st.integers(1, len(text.splitlines())))
            line = text.splitlines()[number - 1].strip()
            name = line.split(":", 1)[0].lstrip("- ") if ":" in line else "key"
            value = draw(texts())
            text = with_line(text, number, draw(st.sampled_from([f"{name}: {value}", value])))
        return text.encode("utf-8", "surrogatepass")
    if kind == "csv":
        header, row = SMALL_CSV.splitlines()
        cells = row.split(",")
        cells[draw(st.integers(0, len(cells) - 1))] = draw(texts())
        return f"{header}\n{','.join(cells)}\n".encode("utf-8", "surrogatepass")
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    if kind == "text":
        return draw(st.text(max_size=300)).encode()
    return b"a" * (MAX_FILE_BYTES + 1)


def uploading(files: list[tuple[str, bytes]], fields: Pairs) -> Callable[[Client], HttpResponse]:
    data: dict[str, list] = {}
    for name, value in fields:
        if "\x00" in name or has_surrogate(name + value):
            continue  # the test client cannot encode these as multipart; raw posts cover them
        data.setdefault(name, []).append(value)
    data["file"] = [SimpleUploadedFile(name, content) for name, content in files]
    url = reverse("admin:assessments_framework_import")
    return lambda client: client.post(url, data)


NOT_FRAMEWORK = ("accounts.", "account.", "mfa.", "assessments.selfassessment", "assessments.item")


class Import:
    """Importing: nothing changes, or exactly one new version appears (and the page opens it),
    nobody's answers or accounts change, and a framework is renamed only when asked to."""

    def __init__(self, fields: Pairs):
        self.fields = QueryDict(mutable=True)
        for name, value in fields:
            self.fields.appendlist(name, value)

    def capture(self):
        return set(FrameworkVersion.objects.values_list("pk", flat=True)), rows(Framework)

    def __call__(self, response, before, after, captured) -> None:
        versions_before, frameworks_before = captured
        changed = changed_tables(before, after)
        if not changed:
            return
        assert response.status_code == 302
        assert not [t for t in changed if t.startswith(NOT_FRAMEWORK)], changed
        new = list(FrameworkVersion.objects.exclude(pk__in=versions_before))
        assert len(new) == 1
        url = reverse("admin:assessments_frameworkversion_change", args=[new[0].pk])
        assert response["Location"] == url
        assert new[0].items.exists()
        renamed = [row for row in frameworks_before if row not in rows(Framework)]
        assert not renamed or ticked(self.fields.get("rename"))


@FUZZ
@given(data=st.data())
def test_hostile_framework_uploads_import_a_whole_version_or_nothing(
    published_version, admin, data
):
    choice = data.draw(st.sampled_from(["well-formed", "wild", "raw"]))
    if choice == "well-formed":  # one YAML file, a line of it perhaps hostile
        fields = data.draw(shuffled(field("rename", CHECKBOX), field("publish", CHECKBOX)))
        file = data.draw(framework_files(wild=False))
        attempt(admin, uploading([("framework.yaml", file)], fields), Import(fields))
    elif choice == "wild":
        fields = data.draw(
            shuffled(
                field("slug", st.one_of(st.sampled_from(["uploaded", "comb-pd", ""]), texts())),
                field("name", values()),
                field("description", values()),
                field("rename", CHECKBOX),
                field("publish", CHECKBOX),
                field("allow_meaning_changes", CHECKBOX),
                extra_pairs(),
            )
        )
        files = data.draw(st.lists(st.tuples(FILENAMES, framework_files()), max_size=2))
        attempt(admin, uploading(files, fields), Import(fields))
    else:
        post = data.draw(posts(shuffled(field("file", values()), field("slug", texts()))))
        attempt(admin, posting(reverse("admin:assessments_framework_import"), post))


@pytest.fixture
def frameworks(published_version) -> tuple[Framework, Framework]:
    """The shipped framework, published with no draft, and a second framework whose only
    version is a draft ready to publish."""
    from assessments.framework_io import import_framework, parse_yaml

    other = import_framework(parse_yaml(small_framework("other", "Other"))).framework
    return published_version.framework, other


def selections(ids: list[int]) -> st.SearchStrategy[Pairs]:
    """Ticked rows: real ids, ids of nothing, values that are no ids at all ("x", "") and ids
    beyond 64 bits (the admin site refuses the selection: comb_tracker/admin.py)."""
    chosen = st.one_of(
        st.sampled_from([str(pk) for pk in ids] * 2 + ["0", "-1", "+1", " 1", "007"]),
        st.sampled_from(["", str(2**63), str(-(2**63) - 1), "9" * 30]),
        texts(8),
    )
    return st.lists(chosen, max_size=4).map(lambda vs: [("_selected_action", v) for v in vs])


@st.composite
def action_posts(draw, action: str, ids: list[int], extra: Sequence[tuple[str, str]] = ()) -> Post:
    """Half the time the action's own form with real rows ticked and a hostile extra, half the
    time anything: other actions, ids of nothing, a hostile index, "select all", confirmation."""
    if not draw(st.booleans()):
        ticked_ids = st.lists(st.sampled_from(ids), min_size=1, max_size=len(ids))
        rows_ = ticked_ids.map(lambda pks: [("_selected_action", str(pk)) for pk in pks])
        well_formed = [("action", action), ("index", "0"), *extra]
        form = shuffled(st.just(well_formed), rows_, extra_pairs())
        return draw(posts(form, wild=False))
    actions = st.one_of(st.just(action), st.sampled_from(["delete_selected", ""]), texts(10))
    confirms = st.sampled_from(ids).flatmap(lambda pk: field(f"confirm_{pk}", texts()))
    form = shuffled(
        field("action", actions),
        selections(ids),
        field("index", st.one_of(st.sampled_from(["0", "1", "-1"]), texts(4))),
        field("select_across", st.one_of(st.sampled_from(["0", "1"]), texts(4))),
        confirms,
        st.just(list(extra)),
        extra_pairs(),
    )
    return draw(posts(form))


def as_id(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def select_across(form: QueryDict) -> bool:
    value = form.get("select_across")
    return value not in (None, "", "0") and value.lower() != "false"


class FrameworkAction:
    """An admin action on frameworks or versions: nothing changes, or only framework tables do,
    each version that changed being a draft that was selected and is now published, and each
    new version a draft of a selected framework that had none."""

    def __init__(self, post: Post, selected_model: type):
        self.post, self.selected_model = post, selected_model

    def capture(self):
        return {
            pk: (framework, status)
            for pk, framework, status in FrameworkVersion.objects.values_list(
                "pk", "framework_id", "status"
            )
        }

    def selected(self, pk: int) -> bool:
        """Whether the post selects row `pk`, read as the database lookup reads an id."""
        form = self.post.form
        return select_across(form) or pk in map(as_id, form.getlist("_selected_action"))

    def __call__(self, response, before, after, versions_before) -> None:
        changed = changed_tables(before, after)
        if not changed:
            return
        assert not [t for t in changed if t.startswith(NOT_FRAMEWORK)], changed
        assert "assessments.framework" not in changed
        for pk, framework, status in FrameworkVersion.objects.values_list(
            "pk", "framework_id", "status"
        ):
            if pk not in versions_before:
                assert self.selected_model is Framework and self.selected(framework)
                assert status == FrameworkVersion.Status.DRAFT
                drafts = [s for f, s in versions_before.values() if f == framework]
                assert FrameworkVersion.Status.DRAFT not in drafts
            elif versions_before[pk][1] != status:
                assert self.selected_model is FrameworkVersion and self.selected(pk)
                assert (versions_before[pk][1], status) == (
                    FrameworkVersion.Status.DRAFT,
                    FrameworkVersion.Status.PUBLISHED,
                )


@FUZZ
@given(data=st.data())
def test_hostile_publish_actions_publish_selected_drafts_or_nothing(frameworks, admin, data):
    ids = list(FrameworkVersion.objects.order_by("pk").values_list("pk", flat=True))
    post = data.draw(action_posts("publish_drafts", ids))
    url = reverse("admin:assessments_frameworkversion_changelist")
    attempt(admin, posting(url, post), FrameworkAction(post, FrameworkVersion))


@FUZZ
@given(data=st.data())
def test_hostile_new_draft_actions_open_drafts_of_selected_frameworks_or_nothing(
    frameworks, admin, data
):
    ids = [framework.pk for framework in frameworks]
    post = data.draw(action_posts("open_draft", ids))
    url = reverse("admin:assessments_framework_changelist")
    attempt(admin, posting(url, post), FrameworkAction(post, Framework))


# The admin: anonymising leavers


class Anonymise:
    """The anonymise action: nothing changes, or, confirmed, exactly the selected people other
    than the administrator are anonymised (each wholly: signed out for good, recorded), nobody
    else's account changes and every rating keeps its value."""

    def __init__(self, post: Post, admin: User):
        self.post, self.admin = post, admin

    def capture(self):
        return people(), ratings()

    def __call__(self, response, before, after, captured) -> None:
        people_before, ratings_before = captured
        if not changed_tables(before, after):
            return
        form = self.post.form
        assert response.status_code == 302
        assert form.get("post") == "yes"
        anonymised = set(
            AuditEvent.objects.filter(action=AuditEvent.Action.ANONYMISED).values_list(
                "subject_id", flat=True
            )
        )
        chosen = {as_id(value) for value in form.getlist("_selected_action")}
        others = set(people_before) - {self.admin.pk}
        assert anonymised == (others if select_across(form) else others & chosen)
        people_after = people()
        for pk, person in people_after.items():
            if pk in anonymised:
                assert not person["is_active"]
                assert person["username"] != people_before[pk]["username"]
                assert not User.objects.get(pk=pk).has_usable_password()
            else:
                assert person == people_before[pk]
        assert ratings() == ratings_before


def people() -> dict[int, dict]:
    return {person["id"]: person for person in User.objects.values()}


def ratings() -> list[tuple]:
    return list(ItemRating.objects.order_by("pk").values_list("pk", "item_id", "value"))


@FUZZ
@given(data=st.data())
def test_hostile_anonymise_actions_anonymise_exactly_the_selected_leavers_or_nothing(
    cast, admin, data
):
    ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
    confirm = data.draw(st.one_of(st.just([("post", "yes")]), field("post", texts())))
    post = data.draw(action_posts("anonymise_selected", ids, extra=confirm))
    url = reverse("admin:accounts_user_changelist")
    attempt(admin, posting(url, post), Anonymise(post, admin))


# Session keep-alive and the download of one's own data


@FUZZ
@given(data=st.data())
def test_hostile_keepalives_write_nothing(therapist, data):
    post = data.draw(posts(extra_pairs()))
    signed_in = data.draw(st.booleans())
    attempt(therapist if signed_in else None, posting(reverse("session_keepalive"), post))


# Names a person may have (the admin's username rule is letters, digits and @.+-_), and text
# they may have typed: whatever is stored must come back out in the download.
USERNAMES = st.text(
    st.characters(codec="utf-8", categories=["L", "Nd"], include_characters="@.+-_"),
    min_size=1,
    max_size=30,
)
STORED_TEXT = st.one_of(
    st.sampled_from([n for n in NAUGHTY if "\x00" not in n and not has_surrogate(n)]),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=60),
)


class Download:
    """Downloading one's data: refused, nothing changes; given, a zip comes back and the only
    write is one access record of the person downloading their own data."""

    def __init__(self, person: User):
        self.person = person

    def __call__(self, response, before, after, _captured) -> None:
        if response.status_code != 200:
            unchanged_when_refused(response, before, after)
            return
        assert changed_tables(before, after) == {"accounts.auditevent"}
        event_ = AuditEvent.objects.order_by("-pk").first()
        assert (event_.actor_id, event_.subject_id) == (self.person.pk, self.person.pk)
        assert event_.action == AuditEvent.Action.EXPORTED_DATA
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            assert "data.json" in archive.namelist()
            assert archive.testzip() is None


@FUZZ
@given(data=st.data())
def test_hostile_data_downloads_give_the_whole_archive_and_one_record(cast, data):
    therapist = cast.therapist
    username, first, last, comment = (
        data.draw(USERNAMES),
        data.draw(STORED_TEXT),
        data.draw(STORED_TEXT),
        data.draw(STORED_TEXT),
    )

    def hostile_stored_data() -> None:
        User.objects.filter(pk=therapist.pk).update(
            username=username, first_name=first[:150], last_name=last[:150]
        )
        ItemRating.objects.filter(assessment=cast.mine).update(comment=comment)

    post = data.draw(posts(extra_pairs()))
    signed_in = data.draw(st.sampled_from([True, True, True, False]))
    attempt(
        therapist if signed_in else None,
        posting(reverse("accounts:my_data_download"), post),
        Download(therapist),
        prepare=hostile_stored_data,
    )


# The supervision log: a new entry, and a change to one

LOG = "/supervision/log/"
REPLY_TABLES = {"supervision.sessioncomment", "supervision.historicalsessioncomment"}
DETAIL_TABLES = {
    "supervision.rupturerecord",
    "supervision.historicalrupturerecord",
    "supervision.ctsrrating",
    "supervision.historicalctsrrating",
    "supervision.agreedaction",
    "supervision.historicalagreedaction",
}
SUPERVISION_TABLES = {
    "supervision.supervisionsession",
    "supervision.historicalsupervisionsession",
    "supervision.supervisionsession_items",
    *DETAIL_TABLES,
    *REPLY_TABLES,
}


@dataclass
class LogCast:
    therapist: User
    supervisor: User  # supervises the therapist since 30 days ago
    former: User  # supervised the therapist from 200 to 60 days ago
    theirs_supervisor: User  # supervises the colleague, not the therapist
    outsider: User  # no role anywhere
    colleague: User
    draft: SupervisionSession
    external: SupervisionSession  # a draft with an external supervisor
    returned: SupervisionSession
    submitted: SupervisionSession
    confirmed: SupervisionSession
    theirs: SupervisionSession  # the colleague's draft
    items: list[int]  # the statements of the therapist's framework
    foreign_items: list[int]  # statements of another framework, or not rated


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.fixture
def log_cast(published_version, service, team, therapist, supervisor) -> LogCast:
    from assessments.framework_io import import_framework, parse_yaml

    service.framework = published_version.framework
    service.save()
    former = factories.supervisor(team=team)
    factories.SupervisionFactory(
        supervisor=former, supervisee=therapist, starts_on=days_ago(200), ends_on=days_ago(60)
    )
    colleague = factories.therapist(team=team)
    theirs_supervisor = factories.supervisor(team=team)
    factories.SupervisionFactory(supervisor=theirs_supervisor, supervisee=colleague)
    rated = FrameworkItem.objects.filter(version=published_version).rated()
    items = list(rated.order_by("pk").values_list("pk", flat=True))
    other = import_framework(parse_yaml(small_framework("other", "Other")))
    unrated = FrameworkItem.objects.filter(version=published_version).exclude(pk__in=items)
    foreign = [
        *FrameworkItem.objects.filter(version=other).values_list("pk", flat=True),
        *unrated.values_list("pk", flat=True)[:2],
    ]

    def entry(who: User, by: User | None = None, **fields) -> SupervisionSession:
        base = {"held_on": days_ago(1), "duration_minutes": 60, "format": "individual"}
        base |= {"delivery": "remote", "supervisor": by} | fields
        return supervision_services.record_session(who, items=rated[:2], **base)

    def submitted() -> SupervisionSession:
        made = entry(therapist, supervisor)
        supervision_services.submit(made, by=therapist, revision=made.revision)
        return made

    returned, confirmed = submitted(), submitted()
    supervision_services.return_for_changes(
        returned, by=supervisor, revision=returned.revision, comment="Add the homework."
    )
    supervision_services.confirm(confirmed, by=supervisor, revision=confirmed.revision)
    return LogCast(
        therapist=therapist,
        supervisor=supervisor,
        former=former,
        theirs_supervisor=theirs_supervisor,
        outsider=factories.UserFactory(),
        colleague=colleague,
        draft=entry(therapist, supervisor, reflection="Worked on formulation."),
        external=entry(therapist, None, external_supervisor_name="Dr A Smith"),
        returned=returned,
        submitted=submitted(),
        confirmed=confirmed,
        theirs=entry(colleague, theirs_supervisor),
        items=items,
        foreign_items=foreign,
    )


def nhs_check(first_nine: str) -> int | None:
    """The modulus-11 check digit (written here again, not imported: the oracle of the
    validator's refusals must not be the validator)."""
    remainder = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True)) % 11
    return {0: 0, 1: None}.get(remainder, 11 - remainder)


NHS_SHAPE = re.compile(r"(?<![0-9])([0-9]{3})[ -]?([0-9]{3})[ -]?([0-9]{4})(?![0-9])")


def holds_nhs_number(text: str) -> bool:
    for match in NHS_SHAPE.finditer(text):
        digits = "".join(match.groups())
        if nhs_check(digits[:9]) == int(digits[9]):
            return True
    return False


@st.composite
def nhs_texts(draw) -> str:
    """Text holding a valid NHS number, whole or grouped 3-3-4, among other words."""
    first = draw(
        st.text("0123456789", min_size=9, max_size=9).filter(lambda d: nhs_check(d) is not None)
    )
    number = first + str(nhs_check(first))
    sep = draw(st.sampled_from(["", " ", "-"]))
    written = f"{number[:3]}{sep}{number[3:6]}{sep}{number[6:]}"
    before, after = (
        draw(st.sampled_from(["", "Seen ", "Client "])),
        draw(st.sampled_from(["", " today", "."])),
    )
    return before + written + after


ACTIVITIES = [
    "case_discussion",
    "role_play",
    "recording_reviewed",
    "formulation",
    "skills_practice",
]


def entry_fields(cast: LogCast) -> dict[str, st.SearchStrategy[str]]:
    """A hostile value for each field of the entry form."""
    dates = [days_ago(n).isoformat() for n in (0, 1, 5, 29, 31, 59, 61, 199, 201, 400, -1)]
    yesterday = days_ago(1)
    spelt = [
        yesterday.strftime("%d/%m/%Y"),
        yesterday.strftime("%m/%d/%Y"),
        yesterday.strftime("%d/%m/%y"),
        yesterday.isoformat() + "T00:00",
        "0001-01-01",
        "9999-12-31",
        "10000-01-01",
        "2024-02-30",
        "2024-13-01",
    ]
    people = [cast.supervisor.pk] * 3 + [
        cast.former.pk,
        cast.theirs_supervisor.pk,
        cast.outsider.pk,
        cast.therapist.pk,
        cast.colleague.pk,
    ]
    ids_of_nothing = ["", "0", "-1", " 1", "1.0", str(2**63 - 1), str(2**63), "9" * 30]
    item_ids = [str(pk) for pk in cast.items[:4] * 2 + cast.foreign_items]
    return {
        "held_on": st.one_of(st.sampled_from(dates + spelt), texts()),
        "duration_minutes": st.one_of(
            st.sampled_from(["-1", "0", "1", "60", "600", "601", "32768", str(2**63), "60.0"]),
            st.sampled_from([" 60", "٦٠", "1e2", ""]),
            texts(),
        ),
        "format": st.one_of(st.sampled_from([*Format.values, "GROUP", ""]), texts()),
        "group_size": st.one_of(
            st.sampled_from(["", "0", "1", "2", "3", "32767", "32768", str(2**63), "-2", "2.5"]),
            texts(),
        ),
        "delivery": st.one_of(st.sampled_from([*Delivery.values, ""]), texts()),
        "supervisor": st.one_of(
            st.sampled_from([str(pk) for pk in people] + ids_of_nothing), texts()
        ),
        "external_supervisor_name": st.one_of(
            st.sampled_from(["", "Dr A Smith", " Dr B Jones ", "x" * 200, "x" * 201]),
            nhs_texts(),
            texts(),
        ),
        "external_supervisor_accredited": CHECKBOX,
        "activities": st.one_of(
            st.sampled_from([*ACTIVITIES, "unknown", "", "FORMULATION"]), texts()
        ),
        # Ids beyond 64 bits too: the form refuses them before looking them up.
        "items": st.one_of(
            st.sampled_from([*item_ids, *ids_of_nothing, str(2**63), "9" * 30]), texts()
        ),
        "reflection": st.one_of(
            st.text(max_size=60),
            nhs_texts(),
            texts(),
            st.sampled_from(["x" * 20_000, " padded \r\n", "a\x00b"]),
            st.text(max_size=60),
            texts(),
            huge_texts(),
        ),
    }


MULTIPLE = {"activities", "items"}


@st.composite
def entry_posts(
    draw,
    cast: LogCast,
    extra: Sequence[tuple[str, st.SearchStrategy[str]]] = (),
    details: st.SearchStrategy[Pairs] | None = None,
) -> Post:
    """Half the time the form as the page sends it (each field once, plausible) with one or two
    values hostile; half the time anything: fields missing or repeated, raw bodies. With
    `details` (the pairs of the form's optional sections, see `detail_pairs`), whose checks
    need the entry's own fields to pass, mostly the page's form with at most one value
    hostile."""
    hostile = entry_fields(cast)
    named = [*hostile.items(), ("submit", st.sampled_from(["", "1"])), *extra]
    spoilt = 2 if details is None else 1
    details = st.just([]) if details is None else details
    if draw(st.booleans() if spoilt == 2 else st.sampled_from([True, False, False, False])):
        parts = [field(name, values_) for name, values_ in named]
        form = shuffled(*parts, details, extra_pairs())
        return draw(posts(form, wild=True))
    plausible: Pairs = [
        ("held_on", draw(st.sampled_from([days_ago(n).isoformat() for n in (0, 1, 7, 29)]))),
        ("duration_minutes", draw(st.sampled_from(["30", "60", "90"]))),
        ("format", draw(st.sampled_from(["individual", "peer", "live_observation"]))),
        ("group_size", ""),
        ("delivery", draw(st.sampled_from(Delivery.values))),
        ("supervisor", str(cast.supervisor.pk)),
        ("external_supervisor_name", ""),
        ("reflection", draw(st.text(max_size=40))),
        *[("activities", a) for a in draw(st.lists(st.sampled_from(ACTIVITIES), unique=True))],
        *[
            ("items", str(pk))
            for pk in draw(st.lists(st.sampled_from(cast.items[:6]), unique=True))
        ],
    ]
    for name, values_ in extra:
        plausible.append((name, draw(values_)))
    plausible += draw(details)
    if draw(st.booleans()):
        plausible.append(("submit", ""))
    for name in draw(st.lists(st.sampled_from(sorted(hostile)), max_size=spoilt, unique=True)):
        if name in MULTIPLE:
            plausible = [(n, v) for n, v in plausible if n != name]
            plausible += [(name, v) for v in draw(st.lists(hostile[name], max_size=3))]
        else:
            plausible = [(n, v) if n != name else (n, draw(hostile[name])) for n, v in plausible]
            if name == "external_supervisor_name" and draw(st.booleans()):
                plausible = [(n, "" if n == "supervisor" else v) for n, v in plausible]
    return draw(posts(shuffled(st.just(plausible), extra_pairs()), wild=False))


def cleaned(form_field, value: str | None):
    """`value` as a Django form field of that kind cleans it (the page's language), or a
    refusal."""
    with translation.override(settings.LANGUAGE_CODE):
        try:
            return form_field.clean(value)
        except ValidationError:
            return REFUSED


REFUSED = object()
SMALL = "PositiveSmallIntegerField"


def posted_entry(form: QueryDict) -> dict | None:
    """The entry an accepted post must store, read from the post alone (the last of repeated
    single fields, as Django reads them); None when a value in it may never be stored."""
    held_on = cleaned(forms.DateField(), form.get("held_on"))
    duration = cleaned(forms.IntegerField(min_value=1, max_value=600), form.get("duration_minutes"))
    format_, delivery = form.get("format"), form.get("delivery")
    group_size = cleaned(forms.IntegerField(required=False, min_value=2), form.get("group_size"))
    supervisor = form.get("supervisor") or None
    activities = form.getlist("activities")
    reflection = (form.get("reflection") or "").strip()
    if REFUSED in (held_on, duration, group_size) or held_on > timezone.localdate():
        return None
    if format_ not in Format.values or delivery not in Delivery.values:
        return None
    if format_ != Format.GROUP:
        group_size = None
    elif group_size is None or group_size > connection.ops.integer_field_range(SMALL)[1]:
        return None  # the column's range: 32767 on PostgreSQL, 64 bits on SQLite
    if not set(activities) <= set(ACTIVITIES) or len(set(activities)) != len(activities):
        return None
    if "\x00" in reflection or holds_nhs_number(reflection):
        return None
    if supervisor is not None:
        if as_id(supervisor) is None:  # the lookup reads an id as int() does (" 7" is 7)
            return None
        name, accredited = "", False
    else:
        name = (form.get("external_supervisor_name") or "").strip()
        accredited = ticked(form.get("external_supervisor_accredited"))
        if not name or len(name) > 200 or "\x00" in name or holds_nhs_number(name):
            return None
    items = form.getlist("items")
    if not all(pk.isascii() and pk.isdigit() and not pk.startswith("0") for pk in items):
        return None
    return {
        "held_on": held_on,
        "duration_minutes": duration,
        "format": format_,
        "group_size": group_size,
        "delivery": delivery,
        "supervisor_id": None if supervisor is None else as_id(supervisor),
        "external_supervisor_name": name,
        "external_supervisor_accredited": accredited,
        "activities": activities,
        "reflection": reflection,
        "items": {int(pk) for pk in items},
    }


def stored_entry(entry: SupervisionSession) -> dict:
    return {
        "held_on": entry.held_on,
        "duration_minutes": entry.duration_minutes,
        "format": entry.format,
        "group_size": entry.group_size,
        "delivery": entry.delivery,
        "supervisor_id": entry.supervisor_id,
        "external_supervisor_name": entry.external_supervisor_name,
        "external_supervisor_accredited": entry.external_supervisor_accredited,
        "activities": entry.activities,
        "reflection": entry.reflection,
        "items": set(entry.items.values_list("pk", flat=True)),
    }


def log_state() -> tuple[dict, list, set]:
    """Every entry's row, every entry's statements, and the history rows' ids."""
    entries = {row["id"]: row for row in SupervisionSession.objects.values()}
    through = SupervisionSession.items.through
    links = list(
        through.objects.order_by("pk").values_list("supervisionsession_id", "frameworkitem_id")
    )
    history = set(SupervisionSession.history.values_list("history_id", flat=True))
    return entries, links, history


# The entry form's optional sections: a rupture record, a CTS-R rating, agreed actions to add
# (three rows) and, on an entry that has some, actions to remove. Each section has its prefix.

ALL_FEATURES = Features(rupture_records=True, ctsr_ratings=True)
CTSR_NAMES = [name for name, _title in CTSR_ITEMS]
RUPTURE_TEXTS = [name for name in RUPTURE_FIELDS if name != "repair"]
SCORES = ["", *(str(n) for n in range(CTSR_MAX_SCORE + 1))]
ACTION_ROWS = (1, 2, 3)


def detail_texts() -> st.SearchStrategy[str]:
    """Hostile text for a section's field (now and then too long for the request)."""
    bad = ["x" * 5001, "a\x00b", " \r\n "]
    return st.one_of(st.sampled_from(bad), nhs_texts(), texts(), texts(), texts(), huge_texts())


def detail_dates() -> st.SearchStrategy[str]:
    odd = ["2024-02-30", "0001-01-01", "9999-12-31", "10000-01-01", days_ago(-1).isoformat()]
    odd.append(days_ago(1).strftime("%d/%m/%Y"))
    return st.one_of(st.sampled_from(odd), texts())


WORDS = st.sampled_from(["Went quiet at homework", " Said it felt rushed \r\n", "x" * 5000])
OPTIONAL_WORDS = st.one_of(st.just(""), WORDS)
PAST_DATES = st.sampled_from([days_ago(n).isoformat() for n in (0, 3, 30, 400)])
DUE_DATES = st.sampled_from([days_ago(n).isoformat() for n in (-14, -1, 0, 30, 4000)])
SCORE_VALUES = st.one_of(
    st.sampled_from(["7", "-1", " 4", "4.0", "\u0663", "06", "na", str(2**63)]), texts(4)
)
REPAIR_VALUES = st.one_of(st.sampled_from(["REPAIRED", "not yet", " partly"]), texts(8))
Named = Sequence[tuple[str, st.SearchStrategy[str], st.SearchStrategy[str]]]


@st.composite
def section_pairs(draw, prefix: str, named: Named) -> Pairs:
    """One section, each field (name, a good value, a hostile one): absent (not on the page,
    or not the page's post), empty, as the page sends it (each field once, good, perhaps one
    hostile), or each field missing or repeated, good or hostile."""
    shape = draw(st.sampled_from(["absent", "absent", "empty", "page", "page", "page", "wild"]))
    if shape == "absent":
        return []
    if shape == "empty":
        return [(f"{prefix}-{name}", "") for name, _good, _bad in named]
    if shape == "page":
        names = [name for name, _good, _bad in named]
        spoilt = draw(st.one_of(st.none(), st.none(), st.none(), st.sampled_from(names)))
        return [
            (f"{prefix}-{name}", draw(bad if name == spoilt else good)) for name, good, bad in named
        ]
    return [
        pair
        for name, good, bad in named
        for pair in draw(field(f"{prefix}-{name}", st.one_of(good, bad)))
    ]


@st.composite
def page_or_wild(draw, named: Named) -> Pairs:
    """A form of fields (name, a good value, a hostile one): two times in three as the page
    sends it (each field once, good, half the time one of them hostile), else each field
    missing or repeated, good or hostile."""
    if draw(st.sampled_from([True, True, False])):
        names = [name for name, _good, _bad in named]
        spoilt = draw(st.one_of(st.none(), st.sampled_from(names)))
        return [(name, draw(bad if name == spoilt else good)) for name, good, bad in named]
    return [pair for name, good, bad in named for pair in draw(field(name, st.one_of(good, bad)))]


@st.composite
def detail_pairs(draw, removable: Sequence[int] = ()) -> Pairs:
    """The pairs of the entry form's sections, hostile in places: rupture fields, CTS-R scores,
    new actions (in rows that exist and some that do not), and actions ticked for removal (the
    entry's own, other entries', and ids of nothing or not ids at all)."""
    texts_ = [(name, OPTIONAL_WORDS, detail_texts()) for name in RUPTURE_TEXTS if name != "markers"]
    repairs = st.sampled_from(["", *RepairOutcome.values])
    rupture = [("markers", WORDS, detail_texts()), *texts_, ("repair", repairs, REPAIR_VALUES)]
    scores = st.sampled_from(SCORES)
    ctsr = [("recording_on", st.one_of(st.just(""), PAST_DATES), detail_dates())]
    ctsr += [(name, scores, SCORE_VALUES) for name in CTSR_NAMES]
    pairs = draw(section_pairs("rupture", rupture)) + draw(section_pairs("ctsr", ctsr))
    rows = st.lists(st.sampled_from([*ACTION_ROWS, *ACTION_ROWS, 0, 4]), max_size=3, unique=True)
    for number in draw(rows):
        action = [("text", WORDS, detail_texts()), ("due_on", DUE_DATES, detail_dates())]
        pairs += draw(section_pairs(f"action-{number}", action))
    nothing = ["0", "-1", " 1", "1.0", str(2**63), "9" * 30]
    ids = st.one_of(st.sampled_from([str(pk) for pk in removable] * 3 + nothing), texts(8))
    pairs += [("actions-remove", pk) for pk in draw(st.lists(ids, max_size=3))]
    return pairs


@dataclass(frozen=True)
class PostedDetails:
    """What the sections of an accepted post must leave: a record's values, None (no record),
    or KEEP (as it was); the new actions as (text, due date)."""

    rupture: dict | Keep | None
    ctsr: dict | Keep | None
    new_actions: list[tuple[str, datetime.date]]


def detail_text(value: str | None) -> object:
    """A section's text as its form field cleans it, or REFUSED."""
    text = (value or "").strip()
    if len(text) > MAX_DETAIL_LENGTH or "\x00" in text or holds_nhs_number(text):
        return REFUSED
    return text


def optional_date(value: str | None) -> object:
    return cleaned(forms.DateField(required=False), value)


def posted_rupture(form: QueryDict) -> object:
    if not any(f"rupture-{name}" in form for name in RUPTURE_FIELDS):
        return KEEP
    record = {name: detail_text(form.get(f"rupture-{name}")) for name in RUPTURE_TEXTS}
    record["repair"] = form.get("rupture-repair") or ""
    if REFUSED in record.values() or record["repair"] not in ["", *RepairOutcome.values]:
        return REFUSED
    if not any(record.values()):
        return None
    if not record["markers"]:
        return REFUSED
    return record | {"repair": record["repair"] or RepairOutcome.NOT_YET}


def posted_ctsr(form: QueryDict) -> object:
    if not any(f"ctsr-{name}" in form for name in CTSR_FIELDS):
        return KEEP
    recording_on = optional_date(form.get("ctsr-recording_on"))
    if recording_on is REFUSED or (recording_on and recording_on > timezone.localdate()):
        return REFUSED
    scores = {"recording_on": recording_on}
    for name in CTSR_NAMES:
        score = form.get(f"ctsr-{name}") or ""
        if score not in SCORES:
            return REFUSED
        scores[name] = int(score) if score else None
    return None if all(value is None for value in scores.values()) else scores


def posted_actions(form: QueryDict) -> object:
    found = []
    for number in ACTION_ROWS:
        text = detail_text(form.get(f"action-{number}-text"))
        due_on = optional_date(form.get(f"action-{number}-due_on"))
        if text is REFUSED or due_on is REFUSED or bool(text) != (due_on is not None):
            return REFUSED
        if text:
            found.append((text, due_on))
    return found


def posted_details(form: QueryDict, features: Features) -> PostedDetails | None:
    """The sections an accepted post must leave (a section whose feature is off is not on the
    form: whatever is posted for it changes nothing); None when one may not be stored."""
    rupture = posted_rupture(form) if features.rupture_records else KEEP
    ctsr = posted_ctsr(form) if features.ctsr_ratings else KEEP
    actions = posted_actions(form)
    if any(part is REFUSED for part in (rupture, ctsr, actions)):
        return None
    return PostedDetails(rupture, ctsr, actions)  # type: ignore[arg-type]


def posted_removals(form: QueryDict, actions: set[int]) -> set[int]:
    """The entry's actions the post ticks (an id written any other way is not one of them)."""
    return {int(pk) for pk in form.getlist("actions-remove") if pk in {str(a) for a in actions}}


@dataclass(frozen=True)
class DetailsState:
    ruptures: dict[int, dict]  # by entry
    ratings: dict[int, dict]  # by entry
    actions: dict[int, dict]  # by action
    comments: set[int]
    history: dict[type, set[int]]


def details_state() -> DetailsState:
    """Every entry's sections and review comments, and the sections' history rows' ids."""
    return DetailsState(
        ruptures={
            row["entry_id"]: {name: row[name] for name in RUPTURE_FIELDS}
            for row in RuptureRecord.objects.values()
        },
        ratings={
            row["entry_id"]: {name: row[name] for name in CTSR_FIELDS}
            for row in CtsrRating.objects.values()
        },
        actions={row["id"]: row for row in AgreedAction.objects.values()},
        comments=set(SessionComment.objects.values_list("pk", flat=True)),
        history={
            model: set(model.history.values_list("history_id", flat=True))
            for model in (RuptureRecord, CtsrRating, AgreedAction)
        },
    )


def without(rows: dict, key: int) -> dict:
    return {k: v for k, v in rows.items() if k != key}


class EntryWrite:
    """A new entry or a change to one: refused, nothing changes; accepted, exactly one entry of
    the signed-in therapist is created or changed, to the values posted, within the model's
    rules, with its history, and nobody else's entry is touched. Its sections (a rupture
    record, a CTS-R rating, agreed actions added or removed) become exactly what the post asks
    for, on that entry only; on an entry returned for changes, a reply is added when written
    (see `check_details`, `check_reply`)."""

    def __init__(
        self,
        cast: LogCast,
        post: Post,
        *,
        target: SupervisionSession | None = None,
        features: Features = ALL_FEATURES,
    ):
        self.cast, self.post, self.target, self.features = cast, post, target, features

    @property
    def revision(self) -> str:
        """The revision the post names (read only once the request was accepted: a body with
        too many fields cannot be read at all)."""
        return self.post.form.get("revision", "")

    def capture(self):
        return log_state(), details_state()

    def __call__(self, response, before, after, captured) -> None:
        (entries_before, links_before, history_before), details_before = captured
        changed = changed_tables(before, after)
        if not changed:
            if self.target is None and response.status_code == 302:
                assert response["Location"] != LOG, "said saved, stored nothing"
            return
        assert (response.status_code, response["Location"]) == (302, LOG)
        assert changed <= SUPERVISION_TABLES, changed
        entries_after, links_after, _ = log_state()
        touched = {pk for pk in entries_after if entries_after[pk] != entries_before.get(pk)}
        assert len(touched) <= 1, touched
        if not touched:  # a reply to the supervisor, the entry as it was
            assert self.target is not None and changed <= REPLY_TABLES, changed
            assert posted_entry(self.post.form) is not None
            assert posted_details(self.post.form, self.features) is not None
            self.check_reply(self.target.pk, entries_before[self.target.pk], details_before)
            return
        (pk,) = touched
        if self.target is None:
            assert pk not in entries_before
            assert set(entries_after) - set(entries_before) == {pk}
        else:
            assert pk == self.target.pk and set(entries_after) == set(entries_before)
        others = lambda links: [link for link in links if link[0] != pk]  # noqa: E731
        assert others(links_after) == others(links_before)
        entry = SupervisionSession.objects.get(pk=pk)
        old = entries_before.get(pk)
        old_items = {item for entry_id, item in links_before if entry_id == pk}
        details_changed = self.check_details(pk, details_before)
        changed_values = self.check_entry(entry, old, old_items, details_changed)
        self.check_reply(pk, old, details_before)
        new_history = SupervisionSession.history.exclude(history_id__in=history_before)
        assert {(h.id, h.history_user_id) for h in new_history} == {(pk, self.cast.therapist.pk)}
        submitted = entry.status == "submitted" and (old is None or old["status"] != "submitted")
        assert len(new_history) == (changed_values or details_changed) + submitted

    def check_entry(
        self, entry: SupervisionSession, old: dict | None, old_items: set, details_changed: bool
    ) -> bool:
        """Check the stored entry; whether its values (not only its status) changed."""
        form = self.post.form
        assert self.post.content_type == FORM
        assert entry.supervisee_id == self.cast.therapist.pk
        expected = posted_entry(form)
        assert expected is not None, "a value that may not be stored was accepted"
        assert stored_entry(entry) == expected
        # The model's rules, checked on what was stored.
        assert 1 <= entry.duration_minutes <= 600
        assert (entry.format == Format.GROUP) == (entry.group_size is not None)
        assert entry.group_size is None or entry.group_size >= 2
        assert (entry.supervisor_id is None) != (entry.external_supervisor_name == "")
        assert entry.supervisor_id is None or not entry.external_supervisor_accredited
        assert entry.held_on <= timezone.localdate()
        if entry.supervisor_id is not None:
            assert SupervisionRelationship.objects.filter(
                Q(ends_on__isnull=True) | Q(ends_on__gte=entry.held_on),
                supervisor_id=entry.supervisor_id,
                supervisee=self.cast.therapist,
                starts_on__lte=entry.held_on,
            ).exists()
        assert set(expected["items"]) <= set(self.cast.items)
        submit = "submit" in form
        if old is None:
            assert entry.status == ("submitted" if submit else "draft")
            assert entry.revision == (1 if submit else 0)
            assert entry.amends_id is None
            return True
        assert old["status"] in SupervisionSession.EDITABLE
        assert entry.status == ("submitted" if submit else old["status"])
        assert (entry.amends_id, entry.created_at) == (old["amends_id"], old["created_at"])
        was = {name: old[name] for name in expected if name != "items"} | {"items": old_items}
        changed_values = was != expected
        changed_any = changed_values or details_changed
        # A stale page may change nothing; one whose values are the stored ones may still submit.
        assert not changed_any or as_id(self.revision) == old["revision"]
        assert entry.revision == old["revision"] + changed_any + (entry.status != old["status"])
        return changed_values

    def check_details(self, pk: int, before: DetailsState) -> bool:
        """Check the entry's sections as stored, and that no other entry's changed; whether
        the entry's changed."""
        after = details_state()
        for kind in ("ruptures", "ratings"):
            old, new = getattr(before, kind), getattr(after, kind)
            assert without(new, pk) == without(old, pk), f"another entry's {kind} changed"
        foreign = lambda actions: {a: r for a, r in actions.items() if r["entry_id"] != pk}  # noqa: E731
        assert foreign(after.actions) == foreign(before.actions), "another entry's actions changed"
        wanted = posted_details(self.post.form, self.features)
        assert wanted is not None, "a section that may not be stored was accepted"
        rupture = before.ruptures.get(pk) if wanted.rupture is KEEP else wanted.rupture
        rating = before.ratings.get(pk) if wanted.ctsr is KEEP else wanted.ctsr
        assert after.ruptures.get(pk) == rupture
        assert after.ratings.get(pk) == rating
        own = {a: r for a, r in before.actions.items() if r["entry_id"] == pk}
        removed = set(own) & posted_removals(self.post.form, set(own))
        now = {a: r for a, r in after.actions.items() if r["entry_id"] == pk}
        assert {a: r for a, r in now.items() if a in own} == {
            a: r for a, r in own.items() if a not in removed
        }
        added = [r for a, r in now.items() if a not in before.actions]
        assert sorted((r["text"], r["due_on"]) for r in added) == sorted(wanted.new_actions)
        # The models' rules, checked on what was stored.
        assert rupture is None or (rupture["markers"] and rupture["repair"] in RepairOutcome)
        assert rating is None or all(
            rating[name] is None or 0 <= rating[name] <= CTSR_MAX_SCORE for name in CTSR_NAMES
        )
        assert all(r["text"] and r["done_on"] is None for r in added)
        rupture_changed = rupture != before.ruptures.get(pk)
        rating_changed = rating != before.ratings.get(pk)
        writes = {
            RuptureRecord: int(rupture_changed),
            CtsrRating: int(rating_changed),
            AgreedAction: len(added) + len(removed),
        }
        for model, count in writes.items():
            new_history = model.history.exclude(history_id__in=before.history[model])
            assert len(new_history) == count, model
            assert {(h.entry_id, h.history_user_id) for h in new_history} <= {
                (pk, self.cast.therapist.pk)
            }
        for name, count in [("rupture", rupture_changed), ("CTS-R", rating_changed)]:
            event(f"{name} written" if count else f"{name} as it was")
        event(f"actions: {len(added)} added, {len(removed)} removed")
        return bool(rupture_changed or rating_changed or added or removed)

    def check_reply(self, pk: int, old: dict | None, before: DetailsState) -> None:
        """A reply is added to an entry returned for changes when one is written, and only
        then (a draft's form has no reply)."""
        new = list(SessionComment.objects.exclude(pk__in=before.comments).values())
        text = (self.post.form.get("comment") or "").strip()
        if old is None or old["status"] != SupervisionSession.Status.RETURNED or not text:
            assert new == []
            return
        assert "\x00" not in text and not holds_nhs_number(text)
        assert [(c["entry_id"], c["author_id"], c["text"]) for c in new] == [
            (pk, self.cast.therapist.pk, text)
        ]


def revision_values(entry: SupervisionSession) -> st.SearchStrategy[str]:
    current = entry.revision
    return st.one_of(
        st.sampled_from([str(current)] * 4 + [str(current - 1), str(current + 1), f" {current}"]),
        st.sampled_from(["", "-1", str(2**63), "9" * 30, "1.0", "\u0660"]),
        texts(8),
    )


@FUZZ
@given(data=st.data())
def test_hostile_new_supervision_log_entries_create_one_valid_own_entry_or_nothing(log_cast, data):
    cast = log_cast
    who = data.draw(st.sampled_from([cast.therapist] * 6 + [cast.supervisor, cast.colleague, None]))
    post = data.draw(entry_posts(cast))
    url = reverse("supervision:session_new")
    check = EntryWrite(cast, post) if who == cast.therapist else None
    attempt(who, posting(url, post), check)


@FUZZ
@given(data=st.data())
def test_hostile_supervision_log_changes_change_only_that_own_entry_validly_or_nothing(
    log_cast, data
):
    cast = log_cast
    editable = [cast.draft] * 4 + [cast.returned, cast.external]
    target = data.draw(st.sampled_from([*editable, cast.submitted, cast.confirmed, cast.theirs]))
    revisions = revision_values(target)
    post = data.draw(entry_posts(cast, extra=[("revision", revisions)]))
    pk = data.draw(st.sampled_from([str(target.pk)] * 16 + ["0", str(2**63), "9" * 30]))
    who = data.draw(st.sampled_from([cast.therapist] * 12 + [cast.colleague, None]))
    check = EditCheck(cast, post, target=target if pk == str(target.pk) else None)
    attempt(who, posting(f"/supervision/log/{pk}/", post), check if who == cast.therapist else None)


class EditCheck(EntryWrite):
    """A change: as `EntryWrite`; and a page that answers 409 (stale) changed nothing."""

    def __call__(self, response, before, after, captured) -> None:
        if response.status_code == 409:
            unchanged_when_refused(response, before, after)
            assert as_id(self.revision) != self.target.revision
            return
        if self.target is None:
            unchanged_when_refused(response, before, after)
            return
        super().__call__(response, before, after, captured)


def test_supervision_log_urls_are_the_ones_the_fuzzers_post_to(log_cast):
    assert reverse("supervision:log") == LOG
    assert reverse("supervision:session_edit", args=[7]) == "/supervision/log/7/"


# The entry form's sections, on a new entry and on a change


@pytest.fixture
def detailed_log_cast(log_cast) -> LogCast:
    """The log cast, its entries with sections to keep, change or remove: the draft with a
    rupture record, a CTS-R rating and two actions (one done), the returned entry with a
    rupture record and an action; the submitted entry and the colleague's draft with an action
    each."""
    cast = log_cast
    rupture = {"markers": "Went quiet", "repair": RepairOutcome.PARTLY}
    rating = {"recording_on": days_ago(3), "agenda": 4, "feedback": 0, "homework": 6}
    for entry, details in [
        (cast.draft, EntryDetails(rupture=rupture, ctsr=rating, new_actions=two_actions())),
        (cast.returned, EntryDetails(rupture=rupture, new_actions=two_actions()[:1])),
        (cast.theirs, EntryDetails(rupture=rupture, new_actions=two_actions()[:1])),
    ]:
        supervision_services.update_session(
            entry, by=entry.supervisee, revision=entry.revision, details=details
        )
    first = AgreedAction.objects.filter(entry=cast.draft).order_by("pk")[:1]
    AgreedAction.objects.filter(pk__in=list(first.values_list("pk", flat=True))).update(
        done_on=days_ago(1)
    )
    AgreedAction.objects.create(entry=cast.submitted, text="Read the manual", due_on=days_ago(-9))
    return cast


def two_actions() -> list[tuple[str, datetime.date]]:
    return [("Try agenda setting", days_ago(-7)), ("Record a session", days_ago(-14))]


def feature_switches(cast: LogCast) -> st.SearchStrategy[tuple[Features, Callable[[], None]]]:
    """Mostly both features on; now and then one or both switched off for the therapist's
    service (in the example's savepoint)."""

    def switched(features: Features) -> tuple[Features, Callable[[], None]]:
        def prepare() -> None:
            Service.objects.filter(memberships__user=cast.therapist).update(
                rupture_records_enabled=features.rupture_records,
                ctsr_ratings_enabled=features.ctsr_ratings,
            )

        return features, prepare

    choices = [ALL_FEATURES] * 5 + [
        Features(rupture_records=False, ctsr_ratings=True),
        Features(rupture_records=True, ctsr_ratings=False),
        Features(rupture_records=False, ctsr_ratings=False),
    ]
    return st.sampled_from(choices).map(switched)


@FUZZ
@given(data=st.data())
def test_hostile_sections_of_new_entries_store_exactly_the_sections_posted_or_nothing(
    detailed_log_cast, data
):
    cast = detailed_log_cast
    who = data.draw(st.sampled_from([cast.therapist] * 8 + [cast.supervisor, None]))
    ids = list(AgreedAction.objects.values_list("pk", flat=True))
    post = data.draw(entry_posts(cast, details=detail_pairs(ids)))
    features, prepare = data.draw(feature_switches(cast))
    check = EntryWrite(cast, post, features=features) if who == cast.therapist else None
    attempt(who, posting(reverse("supervision:session_new"), post), check, prepare=prepare)


@FUZZ
@given(data=st.data())
def test_hostile_sections_of_changed_entries_change_exactly_the_sections_posted_or_nothing(
    detailed_log_cast, data
):
    cast = detailed_log_cast
    editable = [cast.draft] * 4 + [cast.returned] * 3 + [cast.external]
    target = data.draw(st.sampled_from([*editable, cast.submitted, cast.theirs]))
    ids = list(AgreedAction.objects.values_list("pk", flat=True))
    own = list(target.actions.values_list("pk", flat=True))
    replies = st.one_of(st.sampled_from(["", "Done: see the homework part."]), nhs_texts(), texts())
    current = st.just(str(target.revision))
    extra = [
        ("revision", st.one_of(current, current, revision_values(target))),
        ("comment", replies),
    ]
    post = data.draw(entry_posts(cast, extra=extra, details=detail_pairs(own * 3 + ids)))
    who = data.draw(st.sampled_from([cast.therapist] * 8 + [cast.colleague]))
    features, prepare = data.draw(feature_switches(cast))
    check = EditCheck(cast, post, target=target, features=features)
    url = reverse("supervision:session_edit", args=[target.pk])
    attempt(who, posting(url, post), check if who == cast.therapist else None, prepare=prepare)


# The agenda for the next supervision: adding an item, closing one, marking an action done

AGENDA_TABLES = {
    "supervision.agendaitem",
    "supervision.historicalagendaitem",
    "supervision.agendaitem_items",
}
ACTION_TABLES = {"supervision.agreedaction", "supervision.historicalagreedaction"}
ADDED_TEXT = "Talk about agenda setting"


@dataclass
class AgendaCast:
    log: LogCast
    repeated: AgendaItem  # the therapist's own open item, text ADDED_TEXT
    by_supervisor: AgendaItem  # open, added by the supervisor
    suggested: AgendaItem  # open, suggested by the product
    closed: AgendaItem  # the therapist's, dropped
    theirs: AgendaItem  # the colleague's, open
    sensitive: list[int]  # private statements of the therapist's framework


@pytest.fixture
def agenda_cast(detailed_log_cast) -> AgendaCast:
    cast = detailed_log_cast
    sensitive = FrameworkItem.objects.filter(pk__in=cast.items, is_sensitive=True)

    def added(who: User, by: User, text: str) -> AgendaItem:
        return add_agenda_item(who, by=by, text=text, items=[], token=0)[0]

    repeated = added(cast.therapist, cast.therapist, ADDED_TEXT)
    closed = added(cast.therapist, cast.therapist, "Dropped already")
    close_agenda_item(closed, by=cast.therapist, outcome=AgendaItem.Status.DROPPED)
    return AgendaCast(
        log=cast,
        repeated=repeated,
        by_supervisor=added(cast.therapist, cast.supervisor, "From the supervisor"),
        suggested=suggest_agenda_item(cast.therapist, "Motivation: low confidence"),
        closed=closed,
        theirs=added(cast.colleague, cast.colleague, ADDED_TEXT),
        sensitive=list(sensitive.values_list("pk", flat=True)),
    )


def agenda_rows() -> dict[int, tuple]:
    through = AgendaItem.items.through
    links: dict[int, set[int]] = {}
    for item_id, statement in through.objects.values_list("agendaitem_id", "frameworkitem_id"):
        links.setdefault(item_id, set()).add(statement)
    return {row["id"]: (row, links.get(row["id"], set())) for row in AgendaItem.objects.values()}


def agenda_token(value: str | None) -> int | None:
    token = (value or "").strip()
    if token == "0" or (token.isascii() and token.isdigit() and 0 < int(token) < 2**63):
        return int(token)
    return None


def current_supervisee(cast: LogCast, who: User | None, pk: int) -> User | None:
    """The person `pk` names, when `who` supervises them today."""
    pairs = {
        (cast.supervisor, cast.therapist.pk): cast.therapist,
        (cast.theirs_supervisor, cast.colleague.pk): cast.colleague,
    }
    return pairs.get((who, pk))


class AgendaAdd:
    """Adding to an agenda: nothing changes, or exactly one new open item on the supervisee's
    agenda, added by the signed-in person (the supervisee or a current supervisor), with the
    words and statements posted (never a private one for a supervisor), and only when the
    form's token names no earlier copy of it."""

    def __init__(self, post: Post, viewer: User, supervisee: User | None, cast: AgendaCast):
        self.post, self.viewer, self.supervisee, self.cast = post, viewer, supervisee, cast

    def capture(self):
        return agenda_rows()

    def __call__(self, response, before, after, rows_before) -> None:
        changed = changed_tables(before, after)
        if not changed:
            return
        assert response.status_code == 302 and changed <= AGENDA_TABLES, changed
        assert self.supervisee is not None
        rows_after = agenda_rows()
        assert {pk: rows_after[pk] for pk in rows_before} == rows_before
        new = [rows_after[pk] for pk in set(rows_after) - set(rows_before)]
        assert len(new) == 1
        row, statements = new[0]
        form = self.post.form
        text = (form.get("text") or "").strip()
        assert text and len(text) <= 2000 and "\x00" not in text and not holds_nhs_number(text)
        assert (row["supervisee_id"], row["added_by_id"]) == (self.supervisee.pk, self.viewer.pk)
        assert (row["text"], row["status"], row["origin"]) == (text, "open", "added")
        assert row["closed_at"] is None and row["discussed_in_id"] is None
        posted = form.getlist("items")
        assert all(pk.isascii() and pk.isdigit() and not pk.startswith("0") for pk in posted)
        assert statements == {int(pk) for pk in posted}
        assert statements <= set(self.cast.log.items)
        if self.viewer != self.supervisee:
            assert not statements & set(self.cast.sensitive)
        token = agenda_token(form.get("token"))
        assert token is not None
        assert not any(
            (r["supervisee_id"], r["added_by_id"], r["origin"], r["text"])
            == (self.supervisee.pk, self.viewer.pk, "added", text)
            and pk > token
            for pk, (r, _links) in rows_before.items()
        ), "a repeat of the same form added a second item"


@st.composite
def agenda_posts(draw, cast: AgendaCast) -> Post:
    newest = AgendaItem.objects.order_by("-pk").values_list("pk", flat=True).first()
    words = st.sampled_from([ADDED_TEXT, f" {ADDED_TEXT} ", "Case formulation", "x" * 2000])
    hostile = st.one_of(st.sampled_from(["x" * 2001, "a\x00b", " "]), nhs_texts(), values())
    statements = [*cast.log.items[:3], *cast.sensitive, *cast.log.foreign_items]
    ids = st.one_of(
        st.sampled_from([str(pk) for pk in statements] + ["0", "-1", " 1", "07", str(2**63)]),
        texts(6),
    )
    tokens = st.one_of(
        st.sampled_from(["0", str(newest), str(cast.repeated.pk - 1), str(cast.repeated.pk)]),
        st.sampled_from(["", " 0", "-1", "00", str(2**63), str(2**63 - 1), "1.0"]),
        texts(6),
    )
    if draw(st.booleans()):  # the page's form, a value or two hostile
        form = shuffled(
            st.tuples(st.one_of(words, words, hostile), tokens).map(
                lambda pair: [("text", pair[0]), ("token", pair[1])]
            ),
            st.lists(ids, max_size=3).map(lambda pks: [("items", pk) for pk in pks]),
            extra_pairs(),
        )
        return draw(posts(form, wild=False))
    form = shuffled(
        field("text", st.one_of(words, hostile)),
        field("token", tokens),
        st.lists(ids, max_size=3).map(lambda pks: [("items", pk) for pk in pks]),
        extra_pairs(),
    )
    return draw(posts(form))


@FUZZ
@given(data=st.data())
def test_hostile_agenda_additions_add_one_valid_item_or_nothing(agenda_cast, data):
    cast = agenda_cast
    log = cast.log
    who = data.draw(st.sampled_from([log.therapist] * 6 + [log.supervisor, log.colleague, None]))
    post = data.draw(agenda_posts(cast))
    supervisee = who if who in (log.therapist, log.colleague) else None
    check = AgendaAdd(post, who, supervisee, cast)
    attempt(who, posting(reverse("supervision:agenda"), post), check if who else None)


@FUZZ
@given(data=st.data())
def test_hostile_agenda_additions_by_a_supervisor_add_one_valid_item_or_nothing(agenda_cast, data):
    cast = agenda_cast
    log = cast.log
    who = data.draw(st.sampled_from([log.supervisor] * 6 + [log.former, log.theirs_supervisor]))
    pk = data.draw(
        st.sampled_from([log.therapist.pk] * 6 + [log.colleague.pk, log.outsider.pk, 2**63 - 1])
    )
    post = data.draw(agenda_posts(cast))
    check = AgendaAdd(post, who, current_supervisee(log, who, pk), cast)
    url = reverse("supervision:supervisee_agenda", args=[pk])
    attempt(who, posting(url, post), check)


class AgendaClose:
    """Closing an item: nothing changes, or exactly that open item becomes discussed (in one
    of its supervisee's recent entries that the closer may open, or none) or dropped, by its
    supervisee or their current supervisor, as the post says."""

    def __init__(self, post: Post, viewer: User, item_pk: str, cast: AgendaCast):
        self.post, self.viewer, self.item_pk, self.cast = post, viewer, item_pk, cast

    def capture(self):
        return agenda_rows()

    def __call__(self, response, before, after, rows_before) -> None:
        changed = changed_tables(before, after)
        if not changed:
            return
        assert response.status_code == 302 and changed <= AGENDA_TABLES - {
            "supervision.agendaitem_items"
        }, changed
        rows_after = agenda_rows()
        touched = [pk for pk in rows_after if rows_after[pk] != rows_before.get(pk)]
        assert touched == [int(self.item_pk)] and set(rows_after) == set(rows_before)
        old, _ = rows_before[touched[0]]
        row, _ = rows_after[touched[0]]
        log = self.cast.log
        assert old["status"] == "open" and row["closed_at"] is not None
        assert self.viewer == log.therapist or (
            self.viewer == log.supervisor and old["supervisee_id"] == log.therapist.pk
        )
        form = self.post.form
        assert row["status"] == form.get("outcome") in ("discussed", "dropped")
        chosen = (form.get("discussed_in") or "").strip()
        if row["status"] == "dropped" or not chosen:
            assert row["discussed_in_id"] is None
            return
        assert chosen.isascii() and chosen.isdigit() and int(chosen) == row["discussed_in_id"]
        entry = SupervisionSession.objects.get(pk=row["discussed_in_id"])
        assert entry.supervisee_id == old["supervisee_id"]
        assert entry.held_on >= days_ago(90)
        assert self.viewer.pk == entry.supervisee_id or (
            entry.supervisor_id == self.viewer.pk and entry.status != "draft"
        )


@FUZZ
@given(data=st.data())
def test_hostile_agenda_closes_close_one_open_item_as_asked_or_nothing(agenda_cast, data):
    cast = agenda_cast
    log = cast.log
    items = [cast.repeated] * 3 + [cast.by_supervisor, cast.suggested, cast.closed, cast.theirs]
    pk = data.draw(st.sampled_from([str(item.pk) for item in items] + ["0", str(2**63), "9" * 30]))
    who = data.draw(
        st.sampled_from([log.therapist] * 3 + [log.supervisor] * 3 + [log.colleague, log.former])
    )
    entries = [log.draft, log.submitted, log.returned, log.confirmed, log.theirs, log.external]
    sessions = st.one_of(
        st.sampled_from(["", *(str(e.pk) for e in entries), f" {log.submitted.pk}"]),
        st.sampled_from(["0", "-1", str(2**63), "9" * 30, "1.0"]),
        texts(6),
    )
    outcomes = st.one_of(st.sampled_from(["discussed", "dropped", "open", "DROPPED", ""]), texts(8))
    form = shuffled(field("outcome", outcomes), field("discussed_in", sessions), extra_pairs())
    post = data.draw(posts(form, wild=data.draw(st.booleans())))
    url = f"/supervision/agenda/{pk}/close/"
    attempt(who, posting(url, post), AgendaClose(post, who, pk, cast))


class ActionDone:
    """Marking an action done: nothing changes, or exactly that action, one of the signed-in
    supervisee's not yet done, is done today, nothing else about it changed."""

    def __init__(self, viewer: User, action_pk: str):
        self.viewer, self.action_pk = viewer, action_pk

    def capture(self):
        return {row["id"]: row for row in AgreedAction.objects.values()}

    def __call__(self, response, before, after, rows_before) -> None:
        changed = changed_tables(before, after)
        if not changed:
            return
        assert response.status_code == 302 and changed <= ACTION_TABLES, changed
        rows_after = {row["id"]: row for row in AgreedAction.objects.values()}
        touched = [pk for pk in rows_after if rows_after[pk] != rows_before.get(pk)]
        assert touched == [int(self.action_pk)] and set(rows_after) == set(rows_before)
        old, new = rows_before[touched[0]], rows_after[touched[0]]
        assert old["done_on"] is None and new == old | {"done_on": timezone.localdate()}
        entry = SupervisionSession.objects.get(pk=new["entry_id"])
        assert entry.supervisee_id == self.viewer.pk


@FUZZ
@given(data=st.data())
def test_hostile_action_done_posts_mark_one_own_action_done_or_nothing(agenda_cast, data):
    log = agenda_cast.log
    ids = [str(pk) for pk in AgreedAction.objects.order_by("pk").values_list("pk", flat=True)]
    pk = data.draw(st.one_of(st.sampled_from(ids), st.sampled_from(["0", str(2**63), "9" * 30])))
    who = data.draw(st.sampled_from([log.therapist] * 4 + [log.supervisor, log.colleague, None]))
    post = data.draw(posts(extra_pairs()))
    url = f"/supervision/actions/{pk}/done/"
    attempt(who, posting(url, post), ActionDone(who, pk) if who else None)


def test_agenda_urls_are_the_ones_the_fuzzers_post_to():
    assert reverse("supervision:agenda_close", args=[7]) == "/supervision/agenda/7/close/"
    assert reverse("supervision:action_done", args=[7]) == "/supervision/actions/7/done/"


# Observer ratings and quick session reflections

OBSERVER_TABLES = {
    "supervision.observerrating",
    "supervision.historicalobserverrating",
    "supervision.observeritemrating",
    "supervision.historicalobserveritemrating",
}
REFLECTION_TABLES = {
    "supervision.sessionreflection",
    "supervision.historicalsessionreflection",
    "supervision.reflectionmark",
    "supervision.historicalreflectionmark",
}
USED_TOKEN = uuid.UUID("00000000-0000-4000-8000-000000000001")
OBSERVER_CHOICES = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "not_observed": None}


def behaviours(version: FrameworkVersion) -> list[FrameworkItem]:
    """What a supervisor may rate: the behaviour sections' statements, private ones left out
    (written here again from the framework, not taken from the view)."""
    items = FrameworkItem.objects.filter(version=version, section__kind="behaviours")
    return list(items.filter(is_sensitive=False).select_related("section").order_by("pk"))


def uuids() -> st.SearchStrategy[str]:
    fresh = st.uuids().map(str)
    spelt = st.uuids().flatmap(
        lambda u: st.sampled_from([u.hex, u.hex.upper(), f"{{{u}}}", f"urn:uuid:{u}", f" {u} "])
    )
    odd = st.sampled_from(["", "0", "not-a-uuid", str(USED_TOKEN)[:-1], str(USED_TOKEN) + "0"])
    return st.one_of(fresh, fresh, spelt, st.just(str(USED_TOKEN)), odd, texts(8))


class ObserverWrite:
    """Rating a supervisee: nothing changes, or exactly one new rating by the signed-in current
    supervisor of that supervisee, on the statements the post rates (1 to 5, or not observed,
    at least one rated), from the chosen section only, with the date, note and token posted;
    never a second rating for a token already used."""

    def __init__(
        self, post: Post, viewer: User, supervisee: User, items: list[FrameworkItem], used: set
    ):
        self.post, self.viewer, self.supervisee, self.items = post, viewer, supervisee, items
        self.used = used  # the tokens of this supervisor's earlier ratings of this supervisee

    def capture(self):
        return set(ObserverRating.objects.values_list("pk", flat=True))

    def __call__(self, response, before, after, known) -> None:
        changed = changed_tables(before, after)
        if not changed:
            return
        assert response.status_code == 302 and changed <= OBSERVER_TABLES, changed
        new = list(ObserverRating.objects.exclude(pk__in=known))
        assert len(new) == 1
        rating = new[0]
        form = self.post.form
        assert (rating.supervisor_id, rating.supervisee_id) == (self.viewer.pk, self.supervisee.pk)
        assert rating.rated_on == cleaned(forms.DateField(), form.get("rated_on"))
        assert rating.rated_on <= timezone.localdate()
        note = (form.get("note") or "").strip()
        assert rating.note == note and len(note) <= 2000
        assert "\x00" not in note and not holds_nhs_number(note)
        assert rating.token == cleaned(forms.UUIDField(), form.get("token"))
        assert rating.token not in self.used, "a form sent twice made a second rating"
        section = form.get("section")
        chosen = [i for i in self.items if section not in {x.section.key for x in self.items}]
        chosen = chosen or [i for i in self.items if i.section.key == section]
        expected = {}
        for item in chosen:
            choice = form.get(f"rating_{item.key}") or ""
            assert choice in ["", *OBSERVER_CHOICES]
            if choice:
                expected[item.pk] = OBSERVER_CHOICES[choice]
        assert any(value is not None for value in expected.values())
        stored = dict(rating.items.values_list("item_id", "value"))
        assert stored == expected
        assert rating.version_id == self.items[0].version_id


@pytest.fixture
def observer_cast(log_cast, published_version) -> LogCast:
    items = behaviours(published_version)
    record_observer_rating(
        log_cast.supervisor,
        log_cast.therapist,
        rated_on=days_ago(2),
        values={items[0].pk: 3},
        note="",
        token=USED_TOKEN,
    )
    return log_cast


@FUZZ
@given(data=st.data())
def test_hostile_observer_ratings_record_one_valid_rating_or_nothing(
    observer_cast, published_version, data
):
    cast = observer_cast
    items = behaviours(published_version)
    private = FrameworkItem.objects.filter(
        version=published_version, section__kind="behaviours", is_sensitive=True
    )
    keys = [item.key for item in items] + list(private.values_list("key", flat=True))
    sections = sorted({item.section.key for item in items})
    who = data.draw(
        st.sampled_from([cast.supervisor] * 6 + [cast.theirs_supervisor, cast.therapist, None])
    )
    pk = data.draw(st.sampled_from([cast.therapist.pk] * 6 + [cast.colleague.pk, 2**63 - 1]))
    good_choices = st.sampled_from([*OBSERVER_CHOICES, *OBSERVER_CHOICES, ""])
    bad_choices = st.one_of(st.sampled_from(["0", "6", " 3", "na", "NOT_OBSERVED"]), texts(6))
    rated = st.lists(st.sampled_from(keys), min_size=1, max_size=6, unique=True)
    named = [(f"rating_{key}", good_choices, bad_choices) for key in data.draw(rated)]
    named += [
        (
            "rated_on",
            st.sampled_from([days_ago(n).isoformat() for n in (0, 3, 400)]),
            st.one_of(st.sampled_from(["", "2024-02-30", days_ago(-1).isoformat()]), texts()),
        ),
        (
            "note",
            st.sampled_from(["", "Watched a recording", "x" * 2000]),
            st.one_of(st.just("x" * 2001), nhs_texts(), values()),
        ),
        ("token", st.uuids().map(str), uuids()),
        (
            "section",
            st.sampled_from(["", "", *sections]),
            st.one_of(st.just("capability"), texts(6)),
        ),
    ]
    form = shuffled(page_or_wild(named), extra_pairs())
    post = data.draw(posts(form, wild=data.draw(st.sampled_from([False, False, True]))))
    supervisee = current_supervisee(cast, who, pk)
    used = {USED_TOKEN} if who == cast.supervisor else set()
    check = ObserverWrite(post, who, supervisee, items, used) if supervisee else None
    url = reverse("supervision:observer_new", args=[pk])
    attempt(who, posting(url, post), check)


class ReflectionWrite:
    """A quick reflection: nothing changes, or exactly one new reflection of the signed-in
    therapist, dated in the last two weeks, with a mark for every in-session behaviour
    offered (happened exactly when the post ticks it) and the note and token posted; never a
    second one for a token already used."""

    def __init__(self, post: Post, viewer: User, offered: list[int]):
        self.post, self.viewer, self.offered = post, viewer, offered

    def capture(self):
        return set(SessionReflection.objects.values_list("pk", flat=True))

    def __call__(self, response, before, after, known) -> None:
        changed = changed_tables(before, after)
        if not changed:
            return
        assert response.status_code == 302 and changed <= REFLECTION_TABLES, changed
        new = list(SessionReflection.objects.exclude(pk__in=known))
        assert len(new) == 1
        reflection = new[0]
        form = self.post.form
        assert reflection.therapist_id == self.viewer.pk
        assert reflection.held_on == cleaned(forms.DateField(), form.get("held_on"))
        assert days_ago(14) <= reflection.held_on <= timezone.localdate()
        note = (form.get("note") or "").strip()
        assert reflection.note == note and len(note) <= 500
        assert "\x00" not in note and not holds_nhs_number(note)
        token = cleaned(forms.UUIDField(), form.get("token"))
        assert reflection.token == token
        assert not (self.viewer.pk == self.viewer_with_used_token and token == USED_TOKEN)
        ticked_ = form.getlist("happened")
        assert set(ticked_) <= {str(pk) for pk in self.offered}
        marks = dict(reflection.marks.values_list("item_id", "happened"))
        assert marks == {pk: str(pk) in ticked_ for pk in self.offered}

    viewer_with_used_token: int | None = None


@FUZZ
@given(data=st.data())
def test_hostile_reflections_record_one_valid_reflection_or_nothing(
    log_cast, published_version, data
):
    cast = log_cast
    in_session = FrameworkItem.objects.filter(version=published_version, in_session=True)
    offered = list(in_session.values_list("pk", flat=True))
    record_reflection(
        cast.therapist, held_on=days_ago(1), happened=offered[:1], note="", token=USED_TOKEN
    )
    ReflectionWrite.viewer_with_used_token = cast.therapist.pk
    who = data.draw(st.sampled_from([cast.therapist] * 6 + [cast.colleague, cast.supervisor]))
    others = [*cast.items[:2], *cast.foreign_items]
    ids = st.one_of(st.sampled_from([str(pk) for pk in others] + [" 1", "0", str(2**63)]), texts(6))
    happened = st.lists(st.sampled_from(offered), max_size=4, unique=True)
    hostile_happened = st.lists(st.one_of(st.sampled_from(offered).map(str), ids), max_size=4)
    named = [
        (
            "held_on",
            st.sampled_from([days_ago(n).isoformat() for n in (0, 1, 14)]),
            st.one_of(st.sampled_from(["", "2024-02-30", days_ago(15).isoformat()]), texts()),
        ),
        (
            "note",
            st.sampled_from(["", "Felt rushed", "x" * 500]),
            st.one_of(st.just("x" * 501), nhs_texts(), values()),
        ),
        ("token", st.uuids().map(str), uuids()),
    ]
    ticked_ids = st.one_of(happened.map(lambda pks: [str(pk) for pk in pks]), hostile_happened)
    form = shuffled(
        page_or_wild(named),
        ticked_ids.map(lambda pks: [("happened", pk) for pk in pks]),
        extra_pairs(),
    )
    post = data.draw(posts(form, wild=data.draw(st.sampled_from([False, False, True]))))
    check = ReflectionWrite(post, who, offered) if who != cast.supervisor else None
    attempt(who, posting(reverse("supervision:reflection_new"), post), check)


# The CPD plan: the renewal date, goals, suggestions, activities with evidence, the review

PLAN_TABLES = {"cpd.cpdplan", "cpd.historicalcpdplan"}
GOAL_TABLES = {"cpd.cpdgoal", "cpd.historicalcpdgoal", "cpd.cpdgoal_items"}
DISMISSAL_TABLES = {"cpd.suggestiondismissal", "cpd.historicalsuggestiondismissal"}
EVIDENCE_TABLES = {"cpd.cpdevidence", "cpd.historicalcpdevidence"}
ACTIVITY_TABLES = {
    "cpd.cpdactivity",
    "cpd.historicalcpdactivity",
    "cpd.cpdactivity_goals",
    *EVIDENCE_TABLES,
}
COMMENT_TABLES = {"cpd.cpdcomment", "cpd.historicalcpdcomment"}
# Below 5, so each is a need of the latest self-assessment; M11 is private.
CPD_RATINGS = {"M1": 1, "M11": 1, "C1": 2, "O1": 3, "S1": 4}
PLAN_STARTED = 100  # days ago: the cast's plans started then, so an activity may be dated
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EVIDENCE_MAX = 2000  # bytes: CPD_EVIDENCE_MAX_BYTES while fuzzing, so "too large" stays small
# Fewer examples than the other fuzzers: the CPD endpoints share a CI budget of about 10 s.
CPD_FUZZ = hypothesis_settings(
    FUZZ, max_examples=max(7, hypothesis_settings.default.max_examples // 4)
)


@dataclass
class CpdCast:
    therapist: User
    colleague: User  # another therapist in the team, with a plan of their own
    supervisor: User  # supervises the therapist
    stranger: User  # a supervisor in the same team who supervises nobody
    plan: CpdPlan  # the therapist's, started PLAN_STARTED days ago
    rating_goal: CpdGoal  # a target rating on C1
    outcome_goal: CpdGoal  # a described outcome
    private_goal: CpdGoal  # about M11, a private statement the therapist did not share
    theirs_goal: CpdGoal  # the colleague's
    activity: CpdActivity  # the therapist's, with token USED_TOKEN and one evidence file
    theirs_activity: CpdActivity
    evidence: CpdEvidence
    theirs_evidence: CpdEvidence
    items: dict[str, int]  # the rated statements of the framework, by key
    foreign_items: list[int]  # statements of no version the therapist assessed, or not rated


def pdf_upload(name: str = "certificate.pdf") -> evidence_files.CheckedUpload:
    return evidence_files.check_upload(SimpleUploadedFile(name, PDF_BYTES))


@pytest.fixture
def cpd_cast(published_version, service, team, therapist, supervisor, settings) -> CpdCast:
    from assessments.framework_io import import_framework, parse_yaml

    settings.CPD_EVIDENCE_MAX_BYTES = EVIDENCE_MAX
    service.framework = published_version.framework
    service.save()
    colleague = factories.therapist(team=team)
    for person in (therapist, colleague):
        factories.submitted_assessment(person, published_version, CPD_RATINGS)
    rated = FrameworkItem.objects.filter(version=published_version).rated()
    items = dict(rated.values_list("key", "pk"))
    other = import_framework(parse_yaml(small_framework("other", "Other")))
    unrated = FrameworkItem.objects.filter(version=published_version).exclude(pk__in=items.values())
    foreign = [
        *FrameworkItem.objects.filter(version=other).values_list("pk", flat=True)[:2],
        *unrated.values_list("pk", flat=True)[:2],
    ]
    plans = {
        person: cpd_services.current_plan(person, today=days_ago(PLAN_STARTED))
        for person in (therapist, colleague)
    }
    statement = {key: FrameworkItem.objects.get(pk=pk) for key, pk in items.items()}

    def goal(person: User, title: str, keys: list[str], **fields) -> CpdGoal:
        base = {"measure": "target_rating", "target_rating": 4, "outcome": "", "description": ""}
        base |= {"target_on": plans[person].ends_on} | fields
        made, _ = cpd_services.add_goal(
            plans[person], by=person, items=[statement[k] for k in keys], title=title, **base
        )
        return made

    def activity(person: User, token: uuid.UUID) -> CpdActivity:
        made, _ = cpd_activities.add_activity(
            plans[person],
            by=person,
            token=token,
            files=[pdf_upload()],
            type="reading",
            title="Read about formulation",
            done_on=days_ago(3),
            hours=Decimal("1.5"),
            provider="",
            learned="A lot",
            application="In my next session",
            impact="",
        )
        return made

    mine, theirs = activity(therapist, USED_TOKEN), activity(colleague, uuid.uuid4())
    return CpdCast(
        therapist=therapist,
        colleague=colleague,
        supervisor=supervisor,
        stranger=factories.supervisor(team=team),
        plan=plans[therapist],
        rating_goal=goal(therapist, "Formulate with the client", ["C1"]),
        outcome_goal=goal(
            therapist, "Use the agenda", [], measure="outcome", target_rating=None, outcome="Set"
        ),
        private_goal=goal(therapist, "Look after myself", ["M11"]),
        theirs_goal=goal(colleague, "Formulate with the client", ["C1"]),
        activity=mine,
        theirs_activity=theirs,
        evidence=mine.evidence.get(),
        theirs_evidence=theirs.evidence.get(),
        items=items,
        foreign_items=foreign,
    )


def cpd_rows(model) -> dict[int, dict]:
    return {row["id"]: row for row in model.objects.values()}


def links(through, left: str, right: str) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for owner, other in through.objects.values_list(left, right):
        found.setdefault(owner, set()).add(other)
    return found


def goal_rows() -> dict[int, tuple[dict, set[int]]]:
    statements = links(CpdGoal.items.through, "cpdgoal_id", "frameworkitem_id")
    return {pk: (row, statements.get(pk, set())) for pk, row in cpd_rows(CpdGoal).items()}


def posted_ids(form: QueryDict, name: str) -> set[int] | None:
    """The ids a multiple choice posted, or None when one of them cannot be an id."""
    values = form.getlist(name)
    if not all(v.isascii() and v.isdigit() and not v.startswith("0") for v in values):
        return None
    return {int(v) for v in values}


def clean_text(value: str | None, limit: int | None = None) -> str:
    """What may be stored of a free-text field: stripped, within its limit, no NUL and no NHS
    number (asserted)."""
    text = (value or "").strip()
    assert "\x00" not in text and not holds_nhs_number(text), text
    assert limit is None or len(text) <= limit
    return text


def the_plan_of(who: User) -> CpdPlan:
    return CpdPlan.objects.get(therapist=who, starts_on=days_ago(PLAN_STARTED))


def own_goal_pks(who: User) -> set[int]:
    return set(CpdGoal.objects.filter(plan__therapist=who).values_list("pk", flat=True))


def cpd_ids(known: Sequence[int]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from([str(pk) for pk in known] + ["0", "-1", " 1", "07", str(2**63)]),
        texts(6),
    )


CPD_DATES = st.one_of(
    st.sampled_from(["", "2024-02-30", "31/12/2026", days_ago(-4000).isoformat()]), texts(10)
)


# The renewal date


class RenewalWrite:
    """Setting the renewal date: nothing changes, or exactly the signed-in therapist's plan now
    ends on the date posted (after its start, within two years), nothing else about it."""

    def __init__(self, post: Post, viewer: User):
        self.post, self.viewer = post, viewer

    def capture(self):
        return cpd_rows(CpdPlan)

    def __call__(self, response, before, after, rows_before) -> None:
        changed = changed_tables(before, after)
        if not changed:
            return
        assert response.status_code == 302 and changed <= PLAN_TABLES, changed
        rows_after = cpd_rows(CpdPlan)
        touched = [pk for pk in rows_after if rows_after[pk] != rows_before.get(pk)]
        assert set(rows_after) == set(rows_before) and len(touched) == 1
        old, new = rows_before[touched[0]], rows_after[touched[0]]
        assert old["therapist_id"] == self.viewer.pk
        day = cleaned(forms.DateField(), self.post.form.get("renewal_on"))
        assert new == old | {"accreditation_renewal_on": day, "ends_on": day}
        assert old["starts_on"] < day <= old["starts_on"] + datetime.timedelta(days=731)


@CPD_FUZZ
@given(data=st.data())
def test_hostile_renewal_dates_move_only_the_own_plans_end_or_nothing(cpd_cast, data):
    cast = cpd_cast
    who = data.draw(st.sampled_from([cast.therapist] * 5 + [cast.colleague, cast.supervisor, None]))
    # The plan started PLAN_STARTED days ago: its end may move up to two years from then.
    good = st.sampled_from([days_ago(n).isoformat() for n in (-1, -200, -600, -700, 0)])
    form = shuffled(field("renewal_on", st.one_of(good, good, good, CPD_DATES)), extra_pairs())
    post = data.draw(posts(form, wild=data.draw(st.sampled_from([False, False, True]))))
    check = RenewalWrite(post, who) if who in (cast.therapist, cast.colleague) else None
    attempt(who, posting(reverse("cpd:plan"), post), check)


# Goals: a new one, a change to one


def goal_named(cast: CpdCast, *, editing: bool) -> Named:
    statements = [*list(cast.items.values())[:3], cast.items["C1"], cast.items["M11"]]
    named = [
        (
            "title",
            st.sampled_from(["Formulate with the client", " Set agendas \r\n", "x" * 200]),
            st.one_of(st.sampled_from(["x" * 201, " ", "a\x00b"]), nhs_texts(), values()),
        ),
        (
            "description",
            st.sampled_from(["", "Read and practise"]),
            st.one_of(nhs_texts(), values()),
        ),
        (
            "measure",
            st.sampled_from(["target_rating", "outcome"]),
            st.one_of(st.sampled_from(["TARGET_RATING", "rating", ""]), texts(8)),
        ),
        (
            "target_rating",
            st.sampled_from(["", "1", "4", "5"]),
            st.one_of(st.sampled_from(["0", "6", " 4", "4.0", "\u0663"]), texts(4)),
        ),
        (
            "outcome",
            st.sampled_from(["", "Clients set the agenda with me"]),
            st.one_of(nhs_texts(), values()),
        ),
        (
            "target_on",
            st.sampled_from([days_ago(n).isoformat() for n in (-30, 0, -200, PLAN_STARTED)]),
            st.one_of(st.sampled_from([days_ago(PLAN_STARTED + 1).isoformat()]), CPD_DATES),
        ),
    ]
    if editing:
        named.append(
            (
                "status",
                st.sampled_from(["planned", "in_progress", "done", "dropped"]),
                st.one_of(st.sampled_from(["DONE", "met", ""]), texts(8)),
            )
        )
    else:
        newest = CpdGoal.objects.order_by("-pk").values_list("pk", flat=True).first()
        named.append(
            (
                "token",
                st.sampled_from(["0", str(newest), str(cast.rating_goal.pk - 1)]),
                st.one_of(st.sampled_from(["", "-1", " 0", "1.0", str(2**63)]), texts(6)),
            )
        )
    good_items = st.lists(st.sampled_from(statements), max_size=2, unique=True)
    item_ids = st.one_of(
        good_items.map(lambda pks: [str(pk) for pk in pks]),
        st.lists(cpd_ids([*statements, *cast.foreign_items]), max_size=3),
    )
    return named, item_ids.map(lambda pks: [("items", pk) for pk in pks])


@st.composite
def goal_posts(draw, cast: CpdCast, *, editing: bool) -> Post:
    named, items = goal_named(cast, editing=editing)
    if draw(st.booleans()):  # a goal as the page sends it, whole and valid but perhaps one field
        named = [*named]
        measure = draw(st.sampled_from(["target_rating", "outcome"]))
        fixed = {"measure": measure, "target_rating": "4" if measure == "target_rating" else ""}
        fixed["outcome"] = "" if measure == "target_rating" else "Clients set the agenda"
        named = [(n, st.just(fixed[n]) if n in fixed else good, bad) for n, good, bad in named]
        items = st.sampled_from([cast.items["C1"], cast.items["S1"]]).map(
            lambda pk: [("items", str(pk)), *([("items_sent", "1")] if editing else [])]
        )
    elif editing:  # the page marks that its list of statements was sent; a wild post may not
        items = st.tuples(items, st.booleans()).map(
            lambda drawn: [*drawn[0], *([("items_sent", "1")] if drawn[1] else [])]
        )
    form = shuffled(page_or_wild(named), items, extra_pairs())
    return draw(posts(form, wild=draw(st.sampled_from([False, False, True]))))


def posted_goal(form: QueryDict, names: Sequence[str], plan: dict) -> dict:
    """The fields of a goal an accepted post must store, for the `names` it sent."""
    values: dict = {}
    for name in names:
        value = form.get(name)
        if name in ("title", "description", "outcome"):
            values[name] = clean_text(value, TITLE_LENGTH if name == "title" else None)
        elif name == "target_rating":
            values[name] = int(value) if (value or "") in {"1", "2", "3", "4", "5"} else None
        elif name == "target_on":
            values[name] = cleaned(forms.DateField(), value)
            assert plan["starts_on"] <= values[name] <= plan["ends_on"]
        else:
            values[name] = value
    assert values.get("title", "x")
    return values


def check_goal_measure(row: dict, statements: set[int]) -> None:
    if row["measure"] == "target_rating":
        assert row["target_rating"] in range(1, 6) and row["outcome"] == "" and statements
    else:
        assert row["measure"] == "outcome" and row["target_rating"] is None and row["outcome"]


class GoalNew:
    """A new goal: nothing changes, or exactly one new goal in the signed-in therapist's plan,
    planned, with what was posted (a target rating with statements of their latest
    self-assessment, or an outcome), dated in the CPD year; never a second one for the same
    form (its token: the newest goal's id when the page was built)."""

    def __init__(self, post: Post, viewer: User, cast: CpdCast):
        self.post, self.viewer, self.cast = post, viewer, cast

    def capture(self):
        return goal_rows()

    def __call__(self, response, before, after, rows_before) -> None:
        changed = changed_tables(before, after)
        if not changed:
            return
        assert response.status_code == 302 and changed <= GOAL_TABLES, changed
        rows_after = goal_rows()
        assert {pk: rows_after[pk] for pk in rows_before} == rows_before
        new = [rows_after[pk] for pk in set(rows_after) - set(rows_before)]
        assert len(new) == 1
        row, statements = new[0]
        plan = cpd_rows(CpdPlan)[row["plan_id"]]
        assert plan["id"] == the_plan_of(self.viewer).pk
        form = self.post.form
        fields = ["title", "description", "measure", "target_on"]
        fields += ["target_rating"] if form.get("measure") == "target_rating" else ["outcome"]
        expected = posted_goal(form, fields, plan)
        assert {name: row[name] for name in expected} == expected
        assert row["status"] == "planned" and row["carried_from_id"] is None
        check_goal_measure(row, statements)
        assert statements == posted_ids(form, "items")
        assert statements <= set(self.cast.items.values())
        token = form.get("token") or ""
        assert token.isascii() and token.isdigit() and int(token) < 2**63
        assert not any(
            r["plan_id"] == row["plan_id"] and r["title"] == row["title"] and pk > int(token)
            for pk, (r, _items) in rows_before.items()
        ), "a repeat of the same form added a second goal"


@CPD_FUZZ
@given(data=st.data())
def test_hostile_new_goals_add_one_valid_own_goal_or_nothing(cpd_cast, data):
    cast = cpd_cast
    who = data.draw(st.sampled_from([cast.therapist] * 6 + [cast.colleague, cast.supervisor, None]))
    post = data.draw(goal_posts(cast, editing=False))
    check = GoalNew(post, who, cast) if who in (cast.therapist, cast.colleague) else None
    attempt(who, posting(reverse("cpd:goal_new"), post), check)


class GoalEdit:
    """A change to a goal: nothing changes, or only that goal of the signed-in therapist's,
    each field posted as posted and every other field as it was (except that choosing a measure
    clears the other measure's value), its statements those posted (the form's list always
    comes with it: none chosen sends none)."""

    def __init__(self, post: Post, viewer: User, goal_pk: int, cast: CpdCast):
        self.post, self.viewer, self.goal_pk, self.cast = post, viewer, goal_pk, cast

    def capture(self):
        return goal_rows()

    def __call__(self, response, before, after, rows_before) -> None:
        changed = changed_tables(before, after)
        if not changed:
            return
        assert response.status_code == 302 and changed <= GOAL_TABLES, changed
        rows_after = goal_rows()
        touched = [pk for pk in rows_after if rows_after[pk] != rows_before.get(pk)]
        assert touched == [self.goal_pk] and set(rows_after) == set(rows_before)
        assert self.goal_pk in own_goal_pks(self.viewer)
        (old, old_items), (row, statements) = rows_before[self.goal_pk], rows_after[self.goal_pk]
        form = self.post.form
        sent = [name for name in (*cpd_services.GOAL_FIELDS, "status") if name in form]
        plan = cpd_rows(CpdPlan)[row["plan_id"]]
        expected = old | posted_goal(form, sent, plan)
        if expected["measure"] == "target_rating":
            expected["outcome"] = ""
        else:
            expected["target_rating"] = None
        assert row == expected
        assert row["status"] in ("planned", "in_progress", "done", "dropped")
        check_goal_measure(row, statements)
        # Without the marker the form's list of statements was not sent: they stay as they were.
        assert statements == (posted_ids(form, "items") if "items_sent" in form else old_items)
        assert statements <= set(self.cast.items.values()) | old_items


@CPD_FUZZ
@given(data=st.data())
def test_hostile_goal_changes_change_only_what_was_posted_of_an_own_goal_or_nothing(cpd_cast, data):
    cast = cpd_cast
    goals = [cast.rating_goal] * 2 + [cast.outcome_goal] * 2 + [cast.private_goal, cast.theirs_goal]
    pk = data.draw(st.sampled_from([goal.pk for goal in goals] + [2**63 - 1]))
    who = data.draw(st.sampled_from([cast.therapist] * 6 + [cast.colleague, cast.supervisor]))
    post = data.draw(goal_posts(cast, editing=True))
    url = reverse("cpd:goal_edit", args=[pk])
    attempt(who, posting(url, post), GoalEdit(post, who, pk, cast))


# Suggestions: accept, dismiss


class SuggestionAnswer:
    """Accepting or dismissing a suggestion: nothing changes, or (accept) one new goal in the
    therapist's plan about the need's statement, when no goal of the plan was about it, or
    (dismiss) one new dismissal of that need, when it was not dismissed already."""

    def __init__(self, post: Post, viewer: User, cast: CpdCast, accept: bool):
        self.post, self.viewer, self.cast, self.accept = post, viewer, cast, accept

    def capture(self):
        dismissals = {
            (r["therapist_id"], r["item_key"]) for r in SuggestionDismissal.objects.values()
        }
        return goal_rows(), dismissals

    def __call__(self, response, before, after, captured) -> None:
        changed = changed_tables(before, after)
        if not changed:
            return
        goals_before, dismissals_before = captured
        key = self.post.form.get("item")
        assert key in CPD_RATINGS
        assert response.status_code in (200, 302)
        if not self.accept:
            assert changed <= DISMISSAL_TABLES, changed
            dismissals = {
                (r["therapist_id"], r["item_key"]) for r in SuggestionDismissal.objects.values()
            }
            assert dismissals - dismissals_before == {(self.viewer.pk, key)}
            assert dismissals >= dismissals_before
            return
        assert changed <= GOAL_TABLES, changed
        rows_after = goal_rows()
        assert {pk: rows_after[pk] for pk in goals_before} == goals_before
        new = [rows_after[pk] for pk in set(rows_after) - set(goals_before)]
        assert len(new) == 1
        row, statements = new[0]
        plan = the_plan_of(self.viewer)
        assert row["plan_id"] == plan.pk and statements == {self.cast.items[key]}
        assert row["measure"] == "target_rating" and row["status"] == "planned"
        assert row["target_rating"] > CPD_RATINGS[key]
        assert not any(
            r["plan_id"] == plan.pk and self.cast.items[key] in items
            for r, items in goals_before.values()
        ), "accepting twice added a second goal"


@CPD_FUZZ
@given(data=st.data())
def test_hostile_suggestion_answers_add_one_goal_or_dismissal_or_nothing(cpd_cast, data):
    cast = cpd_cast
    accept = data.draw(st.booleans())
    who = data.draw(st.sampled_from([cast.therapist] * 5 + [cast.colleague, cast.supervisor, None]))
    keys = st.one_of(
        st.sampled_from([*CPD_RATINGS, *CPD_RATINGS, "C2", "c1", " C1", "C1 ", ""]), texts(6)
    )
    if data.draw(st.booleans()):  # the page's form
        form = st.sampled_from(list(CPD_RATINGS)).map(lambda key: [("item", key)])
    else:
        form = shuffled(field("item", keys), extra_pairs())
    post = data.draw(posts(form, wild=data.draw(st.booleans())))
    name = "cpd:suggestion_accept" if accept else "cpd:suggestion_dismiss"
    check = SuggestionAnswer(post, who, cast, accept) if who else None
    htmx = data.draw(st.booleans())

    def request(client: Client) -> HttpResponse:
        headers = {"HX-Request": "true"} if htmx else {}
        return client.generic(
            "POST", reverse(name), post.body, content_type=post.content_type, headers=headers
        )

    attempt(who, request, check)


# Activities and their evidence files


def stored_evidence() -> set[str]:
    """The evidence files in storage (rows rolled back leave theirs: compare before and after)."""
    root = Path(settings.MEDIA_ROOT) / "cpd-evidence"
    return {path.relative_to(settings.MEDIA_ROOT).as_posix() for path in root.rglob("*.*")}


MAGIC = {
    "application/pdf": b"%PDF-",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
    evidence_files.DOCX: b"PK\x03\x04",
}
STORED_NAME = re.compile(r"cpd-evidence/\d{4}/\d{2}/[0-9a-f]{32}\.(pdf|png|jpg|docx)")


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def not_docx_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("evil.exe", "MZ")
    return buffer.getvalue()


GOOD_FILES = st.sampled_from(
    [PDF_BYTES, b"\x89PNG\r\n\x1a\n" + b"\0" * 20, b"\xff\xd8\xff\xe0" + b"\0" * 20, docx_bytes()]
)
BAD_FILES = st.one_of(
    st.sampled_from(
        [
            b"",
            b"MZ\x90\x00 an executable",
            b"<html><script>alert(1)</script></html>",
            b"%PDF",  # too short to be a PDF's start
            PDF_BYTES + b"0" * EVIDENCE_MAX,  # too large
            not_docx_zip(),
        ]
    ),
    st.binary(max_size=200),
)
PLAIN_NAMES = ["certificate.pdf", "notes.docx", "scan.png", "photo.jpg"]
HOSTILE_NAMES = st.one_of(
    st.sampled_from(
        [
            "../../x.pdf",
            "..\\..\\x.pdf",
            "/etc/passwd",
            "C:\\Windows\\x.pdf",
            "a\x00b.pdf",
            "a\nb.pdf",
            "a\r\nContent-Type: text/html\r\n\r\nx.pdf",
            '"quoted".pdf',
            "x" * 300 + ".pdf",
            "9434765919.pdf",
            "",
            ".",
            "..",
            "\u202efdp.exe",
            "certificate.pdf.exe",
        ]
    ),
    texts(40),
)
CLAIMED_TYPES = st.one_of(
    st.sampled_from(["application/pdf", "text/plain", "application/x-msdownload", "", "*/*"]),
    texts(12).filter(lambda t: "\r" not in t and "\n" not in t),
)


@st.composite
def evidence_parts(draw) -> list[Part]:
    """No file, one (plain or hostile in name, content and claimed type), or several."""
    count = draw(st.sampled_from([0, 1, 1, 1, 2]))
    return [
        Part(
            draw(st.sampled_from(["evidence"] * 5 + ["file", "evidence[]"])),
            draw(st.one_of(st.sampled_from(PLAIN_NAMES), HOSTILE_NAMES)),
            draw(CLAIMED_TYPES),
            draw(st.one_of(GOOD_FILES, GOOD_FILES, BAD_FILES)),
        )
        for _ in range(count)
    ]


def activity_named(cast: CpdCast, viewer_goals: list[int], *, editing: bool) -> Named:
    named = [
        (
            "type",
            st.sampled_from(["reading", "workshop", "role_play", "other"]),
            st.one_of(st.sampled_from(["", "READING", "webinar"]), texts(8)),
        ),
        (
            "title",
            st.sampled_from(["Workshop on formulation", " Read Beck \r\n", "x" * 200]),
            st.one_of(st.sampled_from(["x" * 201, " ", "a\x00b"]), nhs_texts(), values()),
        ),
        (
            "done_on",
            st.sampled_from([days_ago(n).isoformat() for n in (0, 10, PLAN_STARTED)]),
            st.one_of(
                st.sampled_from([days_ago(n).isoformat() for n in (-1, PLAN_STARTED + 1)]),
                CPD_DATES,
            ),
        ),
        (
            "hours",
            st.sampled_from(["1", "1.5", "0.25", "200", "7.00"]),
            st.one_of(
                st.sampled_from(["0", "0.1", "200.01", "1e3", "NaN", "Infinity", "-1", "1.234"]),
                texts(6),
            ),
        ),
        ("provider", st.sampled_from(["", "BABCP"]), st.one_of(st.just("x" * 201), values())),
        *(
            (name, st.sampled_from(["", "Noticed how I set the agenda"]), values())
            for name in ("learned", "application", "impact")
        ),
    ]
    if not editing:
        named.append(("token", st.uuids().map(str), uuids()))
    return named


@st.composite
def activity_posts(draw, cast: CpdCast, viewer_goals: list[int], *, editing: bool) -> Post:
    """Mostly a multipart post as the page sends it (with an evidence file or not); else a
    urlencoded one, or one of the wild shapes."""
    goals = st.lists(
        st.one_of(st.sampled_from(viewer_goals).map(str), cpd_ids([cast.theirs_goal.pk])),
        max_size=3,
    )
    parts = [
        page_or_wild(activity_named(cast, viewer_goals, editing=editing)),
        goals.map(lambda pks: [("goals", pk) for pk in pks]),
        extra_pairs(),
    ]
    if editing:
        parts.append(st.sampled_from([[("goals_sent", "1")], [("goals_sent", "1")], []]))
    pairs = shuffled(*parts)
    shape = draw(st.sampled_from(["multipart"] * 4 + ["form", "wild"]))
    if shape != "multipart":
        return draw(posts(pairs, wild=shape == "wild"))
    return encode_multipart(draw(pairs), draw(evidence_parts()))


def activity_state() -> tuple[dict, dict, dict]:
    goals = links(CpdActivity.goals.through, "cpdactivity_id", "cpdgoal_id")
    return cpd_rows(CpdActivity), goals, cpd_rows(CpdEvidence)


def posted_activity(form: QueryDict, names: Sequence[str], plan: CpdPlan) -> dict:
    """The fields of an activity an accepted post must store, for the `names` it sent."""
    values: dict = {}
    for name in names:
        value = form.get(name)
        if name == "type":
            assert value in {kind.value for kind in ActivityType}
            values[name] = value
        elif name == "hours":
            hours = cleaned(forms.DecimalField(max_digits=5, decimal_places=2), value)
            assert hours is not REFUSED and Decimal("0.25") <= hours <= Decimal("200")
            values[name] = hours
        elif name == "done_on":
            values[name] = cleaned(forms.DateField(), value)
            assert plan.starts_on <= values[name] <= timezone.localdate()
        else:
            limit = {"title": TITLE_LENGTH, "provider": 200}.get(name)
            values[name] = clean_text(value, limit)
    assert values.get("title", "x")
    return values


class ActivityWrite:
    """A new activity, or a change to one: nothing changes, or exactly that one activity of the
    signed-in therapist's plan (a new one: never a second for a token already used), with the
    fields posted and every other field as it was, its goals (of the same plan) those posted
    (a change: only when the form says it sent its goals), and at most one new evidence file,
    of an allowed type by its content, stored under a generated name with its row; no file is
    stored without a row."""

    def __init__(self, post: Post, viewer: User, cast: CpdCast, activity_pk: int | None):
        self.post, self.viewer, self.cast, self.activity_pk = post, viewer, cast, activity_pk

    def capture(self):
        return activity_state(), stored_evidence()

    def __call__(self, response, before, after, captured) -> None:
        (rows_before, goals_before, files_before), stored_before = captured
        rows_after, goals_after, files_after = activity_state()
        new_files = {r["file"] for pk, r in files_after.items() if pk not in files_before}
        assert stored_evidence() - stored_before == new_files, "a file was stored without a row"
        changed = changed_tables(before, after)
        if not changed:
            return
        assert response.status_code == 302 and changed <= ACTIVITY_TABLES, changed
        plan = the_plan_of(self.viewer)
        form = self.post.form
        names = list(cpd_activities.ACTIVITY_FIELDS)
        if self.activity_pk is None:
            added = set(rows_after) - set(rows_before)
            assert len(added) == 1
            pk = added.pop()
            row = rows_after[pk]
            assert row["plan_id"] == plan.pk
            token = cleaned(forms.UUIDField(), form.get("token"))
            assert row["token"] == token
            assert not (self.viewer == self.cast.therapist and token == USED_TOKEN)
            expected = posted_activity(form, names, plan)
            assert {name: row[name] for name in names} == expected
            assert goals_after.get(pk, set()) == posted_ids(form, "goals")
        else:
            pk = self.activity_pk
            assert set(rows_after) == set(rows_before)
            old, row = rows_before[pk], rows_after[pk]
            assert old["plan_id"] == plan.pk
            sent = [name for name in names if name in form]
            assert row == old | posted_activity(form, sent, plan)
            if "goals_sent" in form:
                assert goals_after.get(pk, set()) == posted_ids(form, "goals")
            else:
                assert goals_after.get(pk, set()) == goals_before.get(pk, set())
        assert {k: v for k, v in rows_after.items() if k != pk} == {
            k: v for k, v in rows_before.items() if k != pk
        }
        assert {k: v for k, v in goals_after.items() if k != pk} == {
            k: v for k, v in goals_before.items() if k != pk
        }
        assert goals_after.get(pk, set()) <= own_goal_pks(self.viewer)
        self.check_evidence(files_before, files_after, pk)

    def check_evidence(self, files_before: dict, files_after: dict, pk: int) -> None:
        assert {k: files_after[k] for k in files_before} == files_before
        new = [files_after[k] for k in set(files_after) - set(files_before)]
        posted = self.post.files.getlist("evidence") if isinstance(self.post, Upload) else []
        assert len(new) <= min(len(posted), 1)
        for row in new:
            assert row["activity_id"] == pk and STORED_NAME.fullmatch(row["file"]), row
            with storages["default"].open(row["file"], "rb") as handle:
                content = handle.read()
            assert content.startswith(MAGIC[row["content_type"]])
            assert 0 < row["size"] == len(content) <= EVIDENCE_MAX
            name = row["original_name"]
            assert name and len(name) <= 200 and not holds_nhs_number(name)
            assert not set(name) & {"/", "\\", "\x00", "\r", "\n"}
            assert name not in (".", "..")
        last = posted[-1] if posted else None
        if last is not None and last.name in PLAIN_NAMES and good_content(last):
            assert len(new) == 1, "an allowed file was dropped"


def good_content(upload) -> bool:
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    return content in (PDF_BYTES, docx_bytes()) or (
        content[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0") and len(content) == 24
    )


@CPD_FUZZ
@given(data=st.data())
def test_hostile_new_activities_add_one_valid_own_activity_or_nothing(cpd_cast, data):
    cast = cpd_cast
    who = data.draw(st.sampled_from([cast.therapist] * 6 + [cast.colleague, cast.supervisor, None]))
    mine = [cast.rating_goal.pk, cast.outcome_goal.pk, cast.private_goal.pk]
    post = data.draw(activity_posts(cast, mine, editing=False))
    check = (
        ActivityWrite(post, who, cast, None) if who in (cast.therapist, cast.colleague) else None
    )
    attempt(who, posting(reverse("cpd:activity_new"), post), check)


@CPD_FUZZ
@given(data=st.data())
def test_hostile_activity_changes_change_only_what_was_posted_of_an_own_activity_or_nothing(
    cpd_cast, data
):
    cast = cpd_cast
    pk = data.draw(
        st.sampled_from([cast.activity.pk] * 5 + [cast.theirs_activity.pk, 0, 2**63 - 1])
    )
    who = data.draw(st.sampled_from([cast.therapist] * 6 + [cast.colleague, cast.supervisor]))
    mine = [cast.rating_goal.pk, cast.outcome_goal.pk, cast.private_goal.pk]
    post = data.draw(activity_posts(cast, mine, editing=True))
    url = reverse("cpd:activity_edit", args=[pk]) if pk else reverse("cpd:activity_new")
    attempt(who, posting(url, post), ActivityWrite(post, who, cast, pk or None))


class EvidenceDelete:
    """Deleting an evidence file: nothing changes, or exactly that row of the signed-in
    therapist's goes (its file leaves storage only once that is committed)."""

    def __init__(self, viewer: User, evidence_pk: int):
        self.viewer, self.evidence_pk = viewer, evidence_pk

    def capture(self):
        return cpd_rows(CpdEvidence), stored_evidence()

    def __call__(self, response, before, after, captured) -> None:
        rows_before, files_before = captured
        assert stored_evidence() == files_before
        changed = changed_tables(before, after)
        if not changed:
            return
        assert response.status_code == 302 and changed <= EVIDENCE_TABLES, changed
        rows_after = cpd_rows(CpdEvidence)
        assert set(rows_before) - set(rows_after) == {self.evidence_pk}
        assert rows_after == {k: v for k, v in rows_before.items() if k != self.evidence_pk}
        owner = CpdActivity.objects.get(pk=rows_before[self.evidence_pk]["activity_id"])
        assert owner.plan.therapist_id == self.viewer.pk


@CPD_FUZZ
@given(data=st.data())
def test_hostile_evidence_deletes_delete_one_own_file_or_nothing(cpd_cast, data):
    cast = cpd_cast
    pk = data.draw(st.sampled_from([cast.evidence.pk] * 4 + [cast.theirs_evidence.pk, 2**63 - 1]))
    who = data.draw(st.sampled_from([cast.therapist] * 4 + [cast.colleague, cast.supervisor, None]))
    post = data.draw(posts(extra_pairs()))
    url = reverse("cpd:evidence_delete", args=[pk])
    attempt(who, posting(url, post), EvidenceDelete(who, pk) if who else None)


# The supervisor's review: comments


class CommentAdd:
    """A review comment: nothing changes, or exactly one new comment by the signed-in current
    supervisor on the supervisee's plan for this year, or on a goal of it they may see (never
    one about a private statement the supervisee did not share), with the words posted; never
    a second one the same as the author's latest there."""

    def __init__(self, post: Post, viewer: User, supervisee: User | None, cast: CpdCast):
        self.post, self.viewer, self.supervisee, self.cast = post, viewer, supervisee, cast

    def capture(self):
        return cpd_rows(CpdComment)

    def __call__(self, response, before, after, rows_before) -> None:
        changed = changed_tables(before, after)
        if not changed:
            return
        assert response.status_code in (200, 302) and changed <= COMMENT_TABLES, changed
        assert self.supervisee is not None
        rows_after = cpd_rows(CpdComment)
        assert {pk: rows_after[pk] for pk in rows_before} == rows_before
        new = [rows_after[pk] for pk in set(rows_after) - set(rows_before)]
        assert len(new) == 1
        row = new[0]
        form = self.post.form
        assert row["author_id"] == self.viewer.pk
        assert row["plan_id"] == the_plan_of(self.supervisee).pk
        text = clean_text(form.get("text"), 2000)
        assert text and row["text"] == text
        goal = form.get("goal") or ""
        assert row["goal_id"] == (int(goal) if goal else None)
        if row["goal_id"] is not None:
            assert row["goal_id"] in own_goal_pks(self.supervisee)
            assert row["goal_id"] != self.cast.private_goal.pk
        activity = (form.get("activity") or "").strip()
        if row["activity_id"] is not None:  # comments on activities: not required yet
            assert row["goal_id"] is None and str(row["activity_id"]) == activity
            assert CpdActivity.objects.get(pk=row["activity_id"]).plan_id == row["plan_id"]
        same_place = [
            r
            for r in rows_before.values()
            if (r["plan_id"], r["goal_id"], r["activity_id"], r["author_id"])
            == (row["plan_id"], row["goal_id"], row["activity_id"], row["author_id"])
        ]
        latest = max(same_place, key=lambda r: (r["created_at"], r["id"]), default=None)
        assert latest is None or latest["text"] != text, "a repeat added a second comment"


@CPD_FUZZ
@given(data=st.data())
def test_hostile_review_comments_add_one_comment_by_a_current_supervisor_or_nothing(cpd_cast, data):
    cast = cpd_cast
    comments.add_comment(cast.plan, by=cast.supervisor, text="Good start")
    who = data.draw(st.sampled_from([cast.supervisor] * 6 + [cast.stranger, cast.therapist, None]))
    pk = data.draw(st.sampled_from([cast.therapist.pk] * 6 + [cast.colleague.pk, 2**63 - 1]))
    goals = [cast.rating_goal.pk, cast.outcome_goal.pk, cast.private_goal.pk, cast.theirs_goal.pk]
    activities_ = [cast.activity.pk, cast.theirs_activity.pk]
    named = [
        (
            "text",
            st.sampled_from(["Good start", "Try a recording", " Bring it next week \r\n"]),
            st.one_of(st.sampled_from(["x" * 2001, " ", "a\x00b"]), nhs_texts(), values()),
        ),
        ("goal", st.sampled_from(["", *map(str, goals[:2])]), cpd_ids(goals)),
        ("activity", st.sampled_from(["", str(cast.activity.pk)]), cpd_ids(activities_)),
    ]
    form = shuffled(page_or_wild(named), extra_pairs())
    post = data.draw(posts(form, wild=data.draw(st.sampled_from([False, False, True]))))
    supervisee = cast.therapist if (who, pk) == (cast.supervisor, cast.therapist.pk) else None
    htmx = data.draw(st.booleans())

    def request(client: Client) -> HttpResponse:
        headers = {"HX-Request": "true"} if htmx else {}
        url = reverse("cpd:comment_add", args=[pk])
        return client.generic(
            "POST", url, post.body, content_type=post.content_type, headers=headers
        )

    attempt(who, request, CommentAdd(post, who, supervisee, cast) if who else None)


# The therapist's replies in the review

REPLY_TEXTS = st.sampled_from(["I will bring a recording", " Done \r\n", "Thanks, will do"])
BAD_REPLY_TEXTS = st.one_of(st.sampled_from(["x" * 2001, " ", "a\x00b"]), nhs_texts(), values())
THREADS = ("plan", "goal", "activity")


@pytest.fixture
def reply_cast(cpd_cast) -> CpdCast:
    """The CPD cast under review: the supervisor commented on the therapist's plan (where the
    therapist replied "Thanks, will do"), on the rating goal and on the activity; the
    therapist alone wrote on the outcome goal; a supervisor commented on the colleague's goal."""
    cast = cpd_cast
    comments.add_comment(cast.plan, by=cast.supervisor, text="Good start")
    comments.add_comment(cast.plan, by=cast.therapist, text="Thanks, will do")
    comments.add_comment(
        cast.plan, by=cast.supervisor, text="Try a recording", goal=cast.rating_goal
    )
    comments.add_comment(cast.plan, by=cast.supervisor, text="Useful", activity=cast.activity)
    comments.add_comment(cast.plan, by=cast.therapist, text="A note", goal=cast.outcome_goal)
    comments.add_comment(
        the_plan_of(cast.colleague), by=cast.stranger, text="Why?", goal=cast.theirs_goal
    )
    return cast


def thread_of(row: dict) -> tuple:
    return row["plan_id"], row["goal_id"], row["activity_id"]


class ReplyAdd:
    """A reply: nothing changes, or exactly one new comment by the signed-in therapist on their
    own plan for this year, in the one thread posted (the plan, or a goal or an activity of
    that plan) where someone else (a supervisor) commented before, with the words posted; never
    a second one the same as the therapist's latest there."""

    def __init__(self, post: Post, viewer: User):
        self.post, self.viewer = post, viewer

    def capture(self):
        return cpd_rows(CpdComment)

    def __call__(self, response, before, after, rows_before) -> None:
        changed = changed_tables(before, after)
        if not changed:
            return
        assert response.status_code in (200, 302) and changed <= COMMENT_TABLES, changed
        rows_after = cpd_rows(CpdComment)
        assert {pk: rows_after[pk] for pk in rows_before} == rows_before
        new = [rows_after[pk] for pk in set(rows_after) - set(rows_before)]
        assert len(new) == 1
        row = new[0]
        form = self.post.form
        plan = the_plan_of(self.viewer)
        assert row["author_id"] == self.viewer.pk and row["plan_id"] == plan.pk
        sent = {name: form.get(name) for name in THREADS if form.get(name)}
        assert len(sent) == 1, sent
        ((name, value),) = sent.items()
        where = {"plan": (None, None), "goal": (int(value), None), "activity": (None, int(value))}
        assert (row["goal_id"], row["activity_id"]) == where[name]
        if name == "plan":
            assert int(value) == plan.pk
        if row["goal_id"] is not None:
            assert row["goal_id"] in own_goal_pks(self.viewer)
        if row["activity_id"] is not None:
            assert CpdActivity.objects.get(pk=row["activity_id"]).plan_id == plan.pk
        thread = [r for r in rows_before.values() if thread_of(r) == thread_of(row)]
        assert any(r["author_id"] != self.viewer.pk for r in thread), "a reply to no comment"
        text = clean_text(form.get("text"), 2000)
        assert text and row["text"] == text
        mine = [r for r in thread if r["author_id"] == self.viewer.pk]
        latest = max(mine, key=lambda r: (r["created_at"], r["id"]), default=None)
        assert latest is None or latest["text"] != text, "a repeat added a second reply"


@st.composite
def reply_posts(draw, cast: CpdCast) -> Post:
    """Mostly the page's form (the words and the id of one thread); else any of the thread
    fields, missing, empty or repeated, with ids of anything."""
    plans = [cast.plan.pk, the_plan_of(cast.colleague).pk]
    goals = [cast.rating_goal.pk, cast.outcome_goal.pk, cast.private_goal.pk, cast.theirs_goal.pk]
    activities_ = [cast.activity.pk, cast.theirs_activity.pk]
    text = st.one_of(REPLY_TEXTS, REPLY_TEXTS, BAD_REPLY_TEXTS)
    if draw(st.sampled_from([True, True, True, False])):
        # The threads under review (twice over), then any other.
        under_review = [("goal", goals[0]), ("activity", activities_[0]), ("plan", cast.plan.pk)]
        thread = st.sampled_from(
            under_review * 2
            + [("plan", plans[1]), ("goal", goals[3])]
            + [("goal", pk) for pk in goals[1:3]]
            + [("activity", activities_[1])]
        ).map(lambda pair: [(pair[0], str(pair[1]))])
        form = shuffled(text.map(lambda words: [("text", words)]), thread)
    else:
        ids = {"plan": plans, "goal": goals, "activity": activities_}
        form = shuffled(
            field("text", text),
            *(field(name, st.one_of(st.just(""), cpd_ids(ids[name]))) for name in THREADS),
            extra_pairs(),
        )
    return draw(posts(form, wild=draw(st.sampled_from([False, False, True]))))


@CPD_FUZZ
@given(data=st.data())
def test_hostile_replies_add_one_reply_by_the_plans_therapist_under_a_comment_or_nothing(
    reply_cast, data
):
    cast = reply_cast
    who = data.draw(st.sampled_from([cast.therapist] * 6 + [cast.colleague, cast.supervisor, None]))
    post = data.draw(reply_posts(cast))
    htmx = data.draw(st.booleans())

    def request(client: Client) -> HttpResponse:
        headers = {"HX-Request": "true"} if htmx else {}
        return client.generic(
            "POST",
            reverse("cpd:reply_add"),
            post.body,
            content_type=post.content_type,
            headers=headers,
        )

    check = ReplyAdd(post, who) if who in (cast.therapist, cast.colleague) else None
    attempt(who, request, check)


# The service action list: a lead's actions, a therapist's named suggestions

SERVICE_ACTION_TABLES = {
    "service_actions.serviceaction",
    "service_actions.historicalserviceaction",
    "service_actions.serviceaction_items",
}
STATUSES = {"suggested", "planned", "in_progress", "done", "dropped"}
STARTING_STATUSES = {"planned", "in_progress", "done"}  # what a new action may start as
OPEN_STATUSES = {"suggested", "planned", "in_progress"}
LEAD_TOKEN = uuid.UUID("00000000-0000-4000-8000-000000000002")
THEIR_TOKEN = uuid.UUID("00000000-0000-4000-8000-000000000003")


@dataclass
class ActionCast:
    service: Service
    other_service: Service  # on the same framework, with a lead of its own
    lead: User  # leads the service
    other_lead: User  # leads the other service only
    former_lead: User  # led the service until a month ago
    therapist: User  # works in the service
    colleague: User  # a therapist in both services
    supervisor: User
    planned: ServiceAction  # the lead's, token LEAD_TOKEN
    suggestion: ServiceAction  # the therapist's, token USED_TOKEN, waiting
    done: ServiceAction  # the lead's, done
    theirs: ServiceAction  # the other service's, token THEIR_TOKEN
    items: dict[str, int]  # the rated statements of the framework, by key
    foreign_items: list[int]  # statements of another framework, or not rated


@pytest.fixture
def action_cast(published_version, service, team, therapist, supervisor) -> ActionCast:
    from assessments.framework_io import import_framework, parse_yaml

    service.framework = published_version.framework
    service.save()
    other_service = factories.ServiceFactory(framework=published_version.framework)

    def lead_of(led: Service, **dates) -> User:
        person = factories.UserFactory()
        factories.MembershipFactory(
            user=person, service=led, team=None, role=Role.SERVICE_LEAD, **dates
        )
        return person

    lead, other_lead = lead_of(service), lead_of(other_service)
    former_lead = lead_of(service, starts_on=days_ago(400), ends_on=days_ago(30))
    colleague = factories.therapist(team=team)
    factories.MembershipFactory(user=colleague, team=factories.TeamFactory(service=other_service))
    rated = FrameworkItem.objects.filter(version=published_version).rated()
    items = dict(rated.values_list("key", "pk"))
    other = import_framework(parse_yaml(small_framework("other", "Other")))
    unrated = FrameworkItem.objects.filter(version=published_version).exclude(pk__in=items.values())
    foreign = [
        *FrameworkItem.objects.filter(version=other).values_list("pk", flat=True)[:2],
        *unrated.values_list("pk", flat=True)[:2],
    ]

    def action(led: Service, by: User, token: uuid.UUID, status: str) -> ServiceAction:
        made, _ = action_services.add_action(
            led,
            by=by,
            token=token,
            items=[FrameworkItem.objects.get(pk=items["O1"])],
            title="Protected CPD time",
            description="Two hours a month",
            owner="Service lead",
            due_on=days_ago(-30),
            status=status,
        )
        return made

    suggestion, _ = action_services.suggest_action(
        therapist, service, title="A peer group", items=[], token=USED_TOKEN
    )
    return ActionCast(
        service=service,
        other_service=other_service,
        lead=lead,
        other_lead=other_lead,
        former_lead=former_lead,
        therapist=therapist,
        colleague=colleague,
        supervisor=supervisor,
        planned=action(service, lead, LEAD_TOKEN, "planned"),
        suggestion=suggestion,
        done=action(service, lead, uuid.uuid4(), "done"),
        theirs=action(other_service, other_lead, THEIR_TOKEN, "planned"),
        items=items,
        foreign_items=foreign,
    )


def action_rows() -> dict[int, tuple[dict, set[int]]]:
    statements = links(ServiceAction.items.through, "serviceaction_id", "frameworkitem_id")
    return {pk: (row, statements.get(pk, set())) for pk, row in cpd_rows(ServiceAction).items()}


def but_updated_at(row: dict) -> dict:
    return {name: value for name, value in row.items() if name != "updated_at"}


def posted_action(form: QueryDict, names: Sequence[str], statuses: set[str]) -> dict:
    """The fields of an action an accepted post must store, for the `names` it sent."""
    values: dict = {}
    for name in names:
        value = form.get(name)
        if name == "due_on":
            values[name] = cleaned(forms.DateField(required=False), value)
            assert values[name] is not REFUSED
        elif name == "status":
            assert value in statuses, value
            values[name] = value
        else:
            values[name] = clean_text(value, None if name == "description" else 200)
    assert values.get("title", "x")
    return values


def leads(cast: ActionCast) -> dict[User, Service]:
    """Who may change which service's list: its current lead."""
    return {cast.lead: cast.service, cast.other_lead: cast.other_service}


def action_named(cast: ActionCast, *, editing: bool) -> Named:
    named = [
        (
            "title",
            st.sampled_from(["Protected CPD time", " Peer group \r\n", "x" * 200]),
            st.one_of(st.sampled_from(["x" * 201, " ", "a\x00b"]), nhs_texts(), values()),
        ),
        (
            "description",
            st.sampled_from(["", "Two hours a month"]),
            st.one_of(nhs_texts(), values()),
        ),
        (
            "owner",
            st.sampled_from(["", "Service lead"]),
            st.one_of(st.just("x" * 201), nhs_texts(), values()),
        ),
        (
            "due_on",
            st.sampled_from(["", *(days_ago(n).isoformat() for n in (0, -30, -400))]),
            st.one_of(st.just(days_ago(1).isoformat()), CPD_DATES),
        ),
        (
            "status",
            st.sampled_from(sorted(STATUSES - {"suggested"} if editing else STARTING_STATUSES)),
            st.one_of(st.sampled_from(["suggested", "dropped", "PLANNED", ""]), texts(8)),
        ),
    ]
    if not editing:
        spent = st.sampled_from([str(LEAD_TOKEN), str(THEIR_TOKEN)])
        named += [
            ("token", st.uuids().map(str), st.one_of(spent, uuids())),
            (
                "barrier",
                st.sampled_from(["", "O1"]),
                st.one_of(st.sampled_from(["o1", "C1"]), texts(6)),
            ),
        ]
    return named


def action_items(cast: ActionCast) -> st.SearchStrategy[Pairs]:
    statements = [cast.items[key] for key in ("O1", "C1", "S1")]
    good = st.lists(st.sampled_from(statements), max_size=2, unique=True)
    bad = st.lists(cpd_ids([*statements, *cast.foreign_items]), max_size=3)
    ids = st.one_of(*[good.map(lambda pks: [str(pk) for pk in pks])] * 3, bad)
    return ids.map(lambda pks: [("items", pk) for pk in pks])


@st.composite
def service_action_posts(draw, cast: ActionCast, *, editing: bool) -> Post:
    """An action's form: mostly as the page sends it (a change: with its marker that the list
    of statements was sent; a wild one perhaps without), else any field missing or repeated."""
    parts = [page_or_wild(action_named(cast, editing=editing)), action_items(cast), extra_pairs()]
    if editing:
        parts.append(st.sampled_from([[("items_sent", "1")], [("items_sent", "1")], []]))
    form = shuffled(*parts)
    return draw(posts(form, wild=draw(st.sampled_from([False, False, True]))))


class ActionNew:
    """A new action: nothing changes, or exactly one new action of the lead's own service
    (by the URL) with what was posted, starting planned, under way or done, due from today on,
    targeting statements of the service's framework, its origin a reported barrier only when
    the form came from one it still targets; never a second for a token already used there."""

    def __init__(self, post: Post, viewer: User | None, service: Service, cast: ActionCast):
        self.post, self.viewer, self.service, self.cast = post, viewer, service, cast

    def capture(self):
        return action_rows()

    def __call__(self, response, before, after, rows_before) -> None:
        changed = changed_tables(before, after)
        if not changed:
            return
        assert response.status_code == 302 and changed <= SERVICE_ACTION_TABLES, changed
        assert leads(self.cast).get(self.viewer) == self.service
        rows_after = action_rows()
        assert {pk: rows_after[pk] for pk in rows_before} == rows_before
        new = [rows_after[pk] for pk in set(rows_after) - set(rows_before)]
        assert len(new) == 1
        row, statements = new[0]
        form = self.post.form
        assert (row["service_id"], row["created_by_id"]) == (self.service.pk, self.viewer.pk)
        assert row["suggested_by_id"] is None
        token = cleaned(forms.UUIDField(), form.get("token"))
        assert row["token"] == token
        used = {
            r["token"] for r, _items in rows_before.values() if r["service_id"] == self.service.pk
        }
        assert token not in used, "a form sent twice added a second action"
        expected = posted_action(form, action_services.ACTION_FIELDS, STARTING_STATUSES)
        assert {name: row[name] for name in expected} == expected
        assert row["due_on"] is None or row["due_on"] >= timezone.localdate()
        assert statements == posted_ids(form, "items")
        assert statements <= set(self.cast.items.values())
        barrier = (form.get("barrier") or "").strip()
        keys = {key for key, pk in self.cast.items.items() if pk in statements}
        assert row["origin"] == ("reported_barrier" if barrier in keys else "lead")


@CPD_FUZZ
@given(data=st.data())
def test_hostile_new_service_actions_add_one_valid_action_of_the_leads_service_or_nothing(
    action_cast, data
):
    cast = action_cast
    people = [cast.lead] * 6 + [cast.other_lead, cast.former_lead, cast.therapist, cast.supervisor]
    who = data.draw(st.sampled_from([*people, None]))
    service = data.draw(st.sampled_from([cast.service] * 4 + [cast.other_service]))
    post = data.draw(service_action_posts(cast, editing=False))
    url = reverse("service_actions:action_new", args=[service.slug])
    attempt(who, posting(url, post), ActionNew(post, who, service, cast) if who else None)


class ActionEdit:
    """A change to an action: nothing changes, or only that action of the lead's own service
    (by the URL) changes: with a `decision`, a waiting suggestion taken up (now planned) or an
    open action dropped, nothing else about it; without one, each field posted as posted and
    every other as it was (a status of "suggested" only for a therapist's suggestion), and its
    statements those posted when the form says it sent its list."""

    def __init__(self, post: Post, viewer: User, service: Service, pk: int, cast: ActionCast):
        self.post, self.viewer, self.service, self.pk, self.cast = post, viewer, service, pk, cast

    def capture(self):
        return action_rows()

    def __call__(self, response, before, after, rows_before) -> None:
        changed = changed_tables(before, after)
        if not changed:
            return
        assert response.status_code == 302 and changed <= SERVICE_ACTION_TABLES, changed
        assert leads(self.cast).get(self.viewer) == self.service
        rows_after = action_rows()
        touched = [pk for pk in rows_after if rows_after[pk] != rows_before.get(pk)]
        assert touched == [self.pk] and set(rows_after) == set(rows_before)
        (old, old_items), (row, statements) = rows_before[self.pk], rows_after[self.pk]
        assert old["service_id"] == self.service.pk
        form = self.post.form
        if "decision" in form:
            moves = {"take_up": ({"suggested"}, "planned"), "drop": (OPEN_STATUSES, "dropped")}
            assert form["decision"] in moves, form["decision"]
            allowed, status = moves[form["decision"]]
            assert old["status"] in allowed
            assert but_updated_at(row) == but_updated_at(old | {"status": status})
            assert statements == old_items
            return
        sent = [name for name in action_services.ACTION_FIELDS if name in form]
        statuses = STATUSES if old["status"] == "suggested" else STATUSES - {"suggested"}
        expected = old | posted_action(form, sent, statuses)
        assert but_updated_at(row) == but_updated_at(expected)
        assert statements == (posted_ids(form, "items") if "items_sent" in form else old_items)
        assert statements <= set(self.cast.items.values()) | old_items


@st.composite
def decision_posts(draw) -> Post:
    decisions = st.one_of(
        st.sampled_from(["take_up", "drop", "take_up", "drop", "TAKE_UP", "delete", ""]), texts(6)
    )
    return draw(
        posts(shuffled(field("decision", decisions), extra_pairs()), wild=draw(st.booleans()))
    )


@CPD_FUZZ
@given(data=st.data())
def test_hostile_service_action_changes_change_only_what_was_posted_of_one_action_or_nothing(
    action_cast, data
):
    cast = action_cast
    people = [cast.lead] * 6 + [cast.other_lead, cast.former_lead, cast.therapist, cast.supervisor]
    who = data.draw(st.sampled_from([cast.lead] * 4 + people))
    service = data.draw(st.sampled_from([cast.service] * 7 + [cast.other_service]))
    actions = [cast.planned] * 3 + [cast.suggestion] * 3 + [cast.done, cast.theirs]
    pk = data.draw(st.sampled_from([action.pk for action in actions] + [2**63 - 1]))
    if data.draw(st.sampled_from([True, False, False])):
        post = data.draw(decision_posts())
    else:
        post = data.draw(service_action_posts(cast, editing=True))
    url = reverse("service_actions:action_edit", args=[service.slug, pk])
    attempt(who, posting(url, post), ActionEdit(post, who, service, pk, cast))


class SuggestionSend:
    """A therapist's suggestion: nothing changes, or exactly one new suggestion, waiting, named
    by the signed-in therapist, to a service they work in as a therapist, with the words and
    statements posted; a token their own earlier suggestion there used adds nothing, and
    another person's token there is not reused."""

    def __init__(self, post: Post, viewer: User, cast: ActionCast):
        self.post, self.viewer, self.cast = post, viewer, cast

    def capture(self):
        return action_rows()

    def __call__(self, response, before, after, rows_before) -> None:
        changed = changed_tables(before, after)
        if not changed:
            return
        assert response.status_code == 302 and changed <= SERVICE_ACTION_TABLES, changed
        works_in = {self.cast.therapist: {self.cast.service.pk}}
        works_in[self.cast.colleague] = {self.cast.service.pk, self.cast.other_service.pk}
        rows_after = action_rows()
        assert {pk: rows_after[pk] for pk in rows_before} == rows_before
        new = [rows_after[pk] for pk in set(rows_after) - set(rows_before)]
        assert len(new) == 1
        row, statements = new[0]
        form = self.post.form
        assert row["service_id"] in works_in[self.viewer]
        assert row["service_id"] == int(form.get("service") or "")
        assert (row["suggested_by_id"], row["created_by_id"]) == (self.viewer.pk, self.viewer.pk)
        assert (row["origin"], row["status"]) == ("therapist", "suggested")
        assert (row["owner"], row["due_on"]) == ("", None)
        expected = posted_action(form, ["title", "description"], set())
        assert {name: row[name] for name in expected} == expected
        assert statements == posted_ids(form, "items")
        assert statements <= set(self.cast.items.values())
        token = cleaned(forms.UUIDField(), form.get("token"))
        there = {
            r["token"]: r
            for r, _items in rows_before.values()
            if r["service_id"] == row["service_id"]
        }
        if token in there:
            assert there[token]["suggested_by_id"] != self.viewer.pk, "a repeat sent it twice"
            assert row["token"] != token
        else:
            assert row["token"] == token


@CPD_FUZZ
@given(data=st.data())
def test_hostile_suggestions_send_one_named_suggestion_to_an_own_service_or_nothing(
    action_cast, data
):
    cast = action_cast
    people = [cast.therapist] * 5 + [cast.colleague] * 2 + [cast.lead, cast.supervisor]
    who = data.draw(st.sampled_from([*people, None]))
    services_ = [cast.service.pk] * 3 + [cast.other_service.pk]
    spent = st.sampled_from([str(USED_TOKEN), str(LEAD_TOKEN), str(THEIR_TOKEN)])
    named = [
        ("service", st.sampled_from([str(pk) for pk in services_]), cpd_ids(services_)),
        *action_named(cast, editing=False)[:2],
        ("token", st.one_of(st.uuids().map(str), spent), uuids()),
    ]
    form = shuffled(page_or_wild(named), action_items(cast), extra_pairs())
    post = data.draw(posts(form, wild=data.draw(st.sampled_from([False, False, True]))))
    check = SuggestionSend(post, who, cast) if who in (cast.therapist, cast.colleague) else None
    attempt(who, posting(reverse("service_actions:suggest"), post), check)


def test_service_action_urls_are_the_ones_the_fuzzers_post_to(action_cast):
    cast = action_cast
    slug, pk = cast.service.slug, cast.planned.pk
    assert reverse("service_actions:action_new", args=[slug]) == f"/services/{slug}/actions/new/"
    assert (
        reverse("service_actions:action_edit", args=[slug, pk]) == f"/services/{slug}/actions/{pk}/"
    )
    assert reverse("service_actions:suggest") == "/service-actions/suggest/"
    assert reverse("cpd:reply_add") == "/cpd/comments/reply/"
