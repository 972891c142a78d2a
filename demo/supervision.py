"""Demo supervision log for `make run`: about four months of sessions for supervisor1's
supervisees (five therapists and supervisor4), in every state an entry can be in.

Every entry is written through `supervision.services`, as a supervisee and supervisor1 would
write it, so the history rows, the review comments and the database constraints are the real
ones. The plan below is fixed and its dates count back from today, so every run builds the same
log; a supervisee who already has entries is left alone, so running it again adds nothing.

What it shows: confirmed individual sessions whose months meet or miss the pro-rata standard
(three of the six are part time, see `demo.people.PART_TIME_HOURS`), a group of five (counted)
and one of eight (not counted), peer sessions (never counted), an accredited external
supervisor, entries awaiting supervisor1's review, one returned with a comment, one returned and
confirmed after changes, drafts, a confirmed entry with an amendment awaiting confirmation, and
agreed actions done, past due and still open; rupture-and-repair records (one repaired in a
confirmed entry, one partly repaired awaiting review) and CTS-R ratings of recordings.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from assessments.frameworks import framework_for
from assessments.models import FrameworkItem
from supervision import services
from supervision.models import CTSR_ITEMS, Activity, Delivery, Format

SUPERVISOR = "supervisor1"
ITEMS_PER_ENTRY = 2


@dataclass(frozen=True)
class Action:
    """An agreed action, due some days after the session, done some days after it (or not)."""

    text: str
    due_after: int
    done_after: int | None = None


@dataclass(frozen=True)
class Entry:
    """One planned log entry. `outcome` is where it ends up:

    draft; submitted (awaiting review, or logged for an external supervisor); returned (with
    `comment`); confirmed; reconfirmed (returned with `comment`, its reflection changed to
    `revised_reflection`, confirmed); amended (confirmed, then a correction to
    `amended_minutes` submitted and awaiting confirmation).
    """

    months_back: int
    day: int
    minutes: int
    format: str
    outcome: str
    reflection: str
    activities: tuple[str, ...] = ()
    delivery: str = Delivery.REMOTE
    group_size: int | None = None
    external: tuple[str, bool] | None = None  # (name, accredited)
    actions: tuple[Action, ...] = ()
    comment: str = ""
    revised_reflection: str = ""
    amended_minutes: int | None = None
    # A rupture-and-repair record and a CTS-R rating (field: value), written with the entry.
    rupture: dict[str, str] | None = None
    ctsr: dict[str, int] | None = None


CASE = Activity.CASE_DISCUSSION
FORMULATION = Activity.FORMULATION
ROLE_PLAY = Activity.ROLE_PLAY
RECORDING = Activity.RECORDING_REVIEWED
SKILLS = Activity.SKILLS_PRACTICE
INDIVIDUAL = Format.INDIVIDUAL
GROUP = Format.GROUP
PEER = Format.PEER
LIVE = Format.LIVE_OBSERVATION
IN_PERSON = Delivery.IN_PERSON

PLAN: dict[str, list[Entry]] = {
    # Full time (90 minutes a month): met, missed, met; a group of five; a peer session.
    "therapist01": [
        Entry(
            months_back=3,
            day=8,
            minutes=60,
            format=INDIVIDUAL,
            outcome="confirmed",
            activities=(CASE, FORMULATION),
            reflection="I brought a case where I felt stuck at assessment. We drew out a "
            "longitudinal formulation together and I saw that I had been avoiding asking about "
            "early experiences because I worried it would feel intrusive.",
        ),
        Entry(
            months_back=3,
            day=22,
            minutes=90,
            format=GROUP,
            group_size=5,
            outcome="confirmed",
            delivery=IN_PERSON,
            activities=(CASE, SKILLS),
            reflection="Group supervision with the other North team therapists. Hearing how "
            "others set agendas with clients who arrive in crisis helped me; I will try keeping "
            "one item for the crisis and one for the planned work.",
        ),
        Entry(
            months_back=2,
            day=12,
            minutes=60,
            format=INDIVIDUAL,
            outcome="confirmed",
            activities=(RECORDING, SKILLS),
            reflection="We listened to part of a recorded session. I talk too much in the "
            "middle section and do not leave silences. Practising summaries before moving on.",
            actions=(Action("Use a capsule summary before each change of topic", 21, 18),),
        ),
        Entry(
            months_back=1,
            day=5,
            minutes=60,
            format=INDIVIDUAL,
            outcome="confirmed",
            activities=(CASE,),
            reflection="Talked through my reaction to a client who cancels at short notice. I "
            "noticed irritation and some self-doubt. We agreed I would check my own thoughts "
            "before the next session rather than after it.",
            rupture={
                "markers": "The client arrived late, answered briefly and said the homework "
                "was pointless.",
                "exploration": "I asked what had made the last session hard; they felt I had "
                "pushed on too fast after they described their week.",
                "validation": "I said it made sense to feel unheard when I moved on so quickly, "
                "and thanked them for telling me.",
                "repair": "repaired",
                "prevention_plan": "Check in at the end of each session about the pace, and "
                "summarise before moving on.",
                "collaboration_across_teams": "",
                "social_network_involvement": "",
            },
            actions=(
                Action("Write a short thought record after the next cancellation", 10, 8),
                Action("Read the chapter on therapist beliefs my supervisor suggested", 14),
            ),
        ),
        Entry(
            months_back=1,
            day=19,
            minutes=45,
            format=INDIVIDUAL,
            outcome="reconfirmed",
            delivery=IN_PERSON,
            activities=(ROLE_PLAY, SKILLS),
            reflection="Role play of setting homework collaboratively. I tend to prescribe the "
            "task; in the role play I asked what the client thought would help and it went "
            "better.",
            comment="Thanks, Amara. Please add what you agreed to try next, so the learning is "
            "on record.",
            revised_reflection="Role play of setting homework collaboratively. I tend to "
            "prescribe the task; in the role play I asked what the client thought would help "
            "and it went better. Next I will ask for the client's view of a task before "
            "agreeing it, and review it at the start of the following session.",
        ),
        Entry(
            months_back=1,
            day=26,
            minutes=60,
            format=PEER,
            outcome="submitted",
            external=("Kiran Shah (peer)", False),
            activities=(SKILLS,),
            reflection="Peer session with a colleague from the Central team. We compared how "
            "we review outcome measures at the start of sessions.",
        ),
        Entry(
            months_back=0,
            day=3,
            minutes=60,
            format=INDIVIDUAL,
            outcome="submitted",
            activities=(CASE, FORMULATION),
            reflection="Planned an ending with a client who is worried about relapse. We looked "
            "at how I can hand the blueprint over to them rather than writing it myself.",
            actions=(Action("Draft a relapse prevention template", 21),),
        ),
    ],
    # Part time, 22.5 hours (54 minutes a month): a live observation that falls short, a group
    # of eight that does not count, a confirmed entry whose correction awaits confirmation.
    "therapist05": [
        Entry(
            months_back=3,
            day=10,
            minutes=60,
            format=INDIVIDUAL,
            outcome="confirmed",
            activities=(CASE,),
            reflection="My first supervision back after leave. We agreed priorities for the "
            "caseload and I felt less overwhelmed by the end.",
        ),
        Entry(
            months_back=2,
            day=9,
            minutes=50,
            format=LIVE,
            outcome="confirmed",
            delivery=IN_PERSON,
            activities=(RECORDING,),
            reflection="My supervisor observed part of a session with consent. Feedback: good "
            "warmth and pacing, but I did not ask for feedback at the end.",
            ctsr={"agenda": 3, "feedback": 1, "collaboration": 4, "pacing": 4, "homework": 3},
            actions=(Action("Ask for feedback in the last five minutes of every session", 14, 12),),
        ),
        Entry(
            months_back=2,
            day=23,
            minutes=90,
            format=GROUP,
            group_size=8,
            outcome="confirmed",
            delivery=IN_PERSON,
            activities=(CASE,),
            reflection="Whole-service group supervision on working with interpreters. Useful, "
            "though with eight of us there was little time for my own questions.",
        ),
        Entry(
            months_back=1,
            day=14,
            minutes=60,
            format=INDIVIDUAL,
            outcome="amended",
            amended_minutes=75,
            activities=(FORMULATION, CASE),
            reflection="Worked on a formulation for a client whose low mood keeps returning. We "
            "linked the maintaining cycle to the way I set behavioural experiments.",
        ),
        Entry(
            months_back=0,
            day=4,
            minutes=60,
            format=INDIVIDUAL,
            outcome="returned",
            activities=(CASE,),
            reflection="Went through my waiting list and agreed which clients I could offer "
            "group work instead of one-to-one sessions.",
            comment="We met for 45 minutes, not an hour, as we started late. Please correct the "
            "length and resubmit.",
        ),
    ],
    # Full time: an accredited external supervisor, a short month, a past-due action, a draft.
    "therapist09": [
        Entry(
            months_back=4,
            day=15,
            minutes=90,
            format=INDIVIDUAL,
            outcome="confirmed",
            activities=(CASE, FORMULATION),
            reflection="Reviewed my caseload and how I choose between treatment protocols. I "
            "rely on one protocol more than I should.",
        ),
        Entry(
            months_back=3,
            day=18,
            minutes=90,
            format=INDIVIDUAL,
            outcome="confirmed",
            activities=(SKILLS, ROLE_PLAY),
            reflection="Skills practice on Socratic questioning. I ask good questions but then "
            "answer them myself when the silence feels long.",
        ),
        Entry(
            months_back=2,
            day=16,
            minutes=90,
            format=INDIVIDUAL,
            outcome="submitted",
            external=("Dr Miriam Stone", True),
            activities=(CASE, SKILLS),
            reflection="Specialist supervision for my trauma-focused work, outside the service. "
            "We looked at how I prepare a client for reliving.",
        ),
        Entry(
            months_back=1,
            day=20,
            minutes=45,
            format=INDIVIDUAL,
            outcome="confirmed",
            activities=(CASE,),
            reflection="A short session because of sickness in the team. We agreed I would "
            "watch a recording of myself before next time.",
            actions=(Action("Review one of my own recordings with the rating scale", 14),),
        ),
        Entry(
            months_back=0,
            day=2,
            minutes=60,
            format=INDIVIDUAL,
            outcome="draft",
            activities=(CASE,),
            reflection="Notes so far: talked about my confidence with couples work.",
        ),
    ],
    # Part time, 30 hours (72 minutes a month): a group of five counts; one awaits review.
    "therapist13": [
        Entry(
            months_back=3,
            day=4,
            minutes=75,
            format=INDIVIDUAL,
            outcome="confirmed",
            activities=(RECORDING,),
            reflection="We used the rating scale on a recording. I scored myself lower than my "
            "supervisor did on collaboration.",
            ctsr={
                "agenda": 4,
                "feedback": 3,
                "collaboration": 4,
                "pacing": 3,
                "interpersonal_effectiveness": 5,
                "emotional_expression": 3,
                "key_cognitions": 3,
                "key_behaviours": 3,
                "guided_discovery": 2,
                "conceptual_integration": 3,
                "change_methods": 3,
                "homework": 4,
            },
        ),
        Entry(
            months_back=2,
            day=6,
            minutes=75,
            format=INDIVIDUAL,
            outcome="confirmed",
            activities=(ROLE_PLAY,),
            reflection="Talked about keeping to time. I overrun when clients bring something "
            "new at the end; we practised naming it and planning it for next time.",
            actions=(Action("Set a five-minute warning in every session", 7, 5),),
        ),
        Entry(
            months_back=1,
            day=7,
            minutes=75,
            format=GROUP,
            group_size=5,
            outcome="confirmed",
            delivery=IN_PERSON,
            activities=(FORMULATION, CASE),
            reflection="South team group supervision. I presented a formulation and got "
            "helpful challenges about the role of avoidance.",
        ),
        Entry(
            months_back=1,
            day=21,
            minutes=60,
            format=INDIVIDUAL,
            outcome="submitted",
            activities=(SKILLS, CASE),
            reflection="We reviewed my use of outcome measures and how I bring the scores into "
            "the conversation instead of collecting them silently.",
        ),
    ],
    # Full time: a returned entry leaves last month short; a peer session; one awaits review.
    "therapist17": [
        Entry(
            months_back=2,
            day=13,
            minutes=90,
            format=INDIVIDUAL,
            outcome="confirmed",
            delivery=IN_PERSON,
            activities=(CASE,),
            reflection="First supervision in my new post. We went through my training needs "
            "and I chose two areas to focus on this quarter.",
            actions=(
                Action("Book onto the formulation workshop", 30, 20),
                Action("Send my supervisor my two focus areas in writing", 7),
            ),
        ),
        Entry(
            months_back=1,
            day=11,
            minutes=60,
            format=INDIVIDUAL,
            outcome="returned",
            activities=(CASE,),
            reflection="Talked about a case.",
            comment="Could you say what you took from the session and what you will do "
            "differently? A line or two is enough.",
        ),
        Entry(
            months_back=1,
            day=25,
            minutes=45,
            format=PEER,
            outcome="submitted",
            external=("Laura Bennett (peer)", False),
            activities=(ROLE_PLAY,),
            reflection="Peer practice with a colleague: we took turns rehearsing the rationale "
            "for exposure work.",
        ),
        Entry(
            months_back=0,
            day=1,
            minutes=60,
            format=INDIVIDUAL,
            outcome="submitted",
            activities=(CASE,),
            reflection="Discussed my own emotional reaction to a client's anger in the session "
            "and how I can stay curious rather than defensive.",
            rupture={
                "markers": "The client raised their voice and said I was like every other "
                "professional who had let them down.",
                "exploration": "We thought about what my defensiveness looked like from their "
                "side, and about their earlier experiences of services.",
                "validation": "I acknowledged that being passed between services had been "
                "exhausting and that their anger made sense.",
                "repair": "partly",
                "prevention_plan": "Agree with the client how we will notice and name tension "
                "early in a session.",
                "collaboration_across_teams": "Liaison with the community mental health team "
                "care coordinator about a shared crisis plan.",
                "social_network_involvement": "The client would like their sister to join one "
                "session to hear the plan.",
            },
        ),
    ],
    # supervisor4 as a supervisee, part time as a therapist (15 hours: the 45-minute minimum).
    "supervisor4": [
        Entry(
            months_back=3,
            day=14,
            minutes=60,
            format=INDIVIDUAL,
            outcome="confirmed",
            activities=(CASE,),
            reflection="Supervision of my own clinical work. We looked at balancing my "
            "supervisor role with a small caseload.",
        ),
        Entry(
            months_back=2,
            day=14,
            minutes=45,
            format=INDIVIDUAL,
            outcome="confirmed",
            activities=(RECORDING, SKILLS),
            reflection="I brought a recording where I moved too fast into problem solving. "
            "Practised slowing down and validating first.",
        ),
        Entry(
            months_back=1,
            day=12,
            minutes=45,
            format=INDIVIDUAL,
            outcome="confirmed",
            activities=(SKILLS,),
            reflection="We planned how I give feedback to the therapists I supervise, using "
            "what works in my own supervision.",
            actions=(Action("Try the feedback structure with two supervisees", 14, 13),),
        ),
        Entry(
            months_back=0,
            day=5,
            minutes=45,
            format=INDIVIDUAL,
            outcome="submitted",
            activities=(CASE,),
            reflection="Reflected on a session where I noticed my own tiredness. We agreed ways "
            "to spot it earlier in the week.",
        ),
    ],
}


def held_on(today: datetime.date, months_back: int, day: int) -> datetime.date:
    """Day `day` of the month `months_back` months before today's; never after today."""
    first = today.replace(day=1)
    for _ in range(months_back):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    on = min(first.replace(day=min(day, 28)), following - datetime.timedelta(days=1))
    return min(on, today)


@transaction.atomic
def build_demo_supervision(today: datetime.date | None = None) -> int:
    """Write the planned log of each supervisee who has none yet. Returns the entries made."""
    today = today or timezone.localdate()
    supervisor = User.objects.get(username=SUPERVISOR)
    created = 0
    for username, entries in PLAN.items():
        supervisee = User.objects.get(username=username)
        if supervisee.supervision_log.exists():
            continue
        items = _items_of(supervisee)
        for number, planned in enumerate(entries):
            chosen = [items[(number * 7 + k * 13) % len(items)] for k in range(ITEMS_PER_ENTRY)]
            created += _write(planned, supervisee, supervisor, today, chosen if items else [])
    return created


def _items_of(supervisee: User) -> list[FrameworkItem]:
    framework = framework_for(supervisee)
    version = framework.current_version() if framework else None
    if version is None:
        return []
    return list(FrameworkItem.objects.filter(version=version).rated().order_by("pk"))


def _write(
    planned: Entry,
    supervisee: User,
    supervisor: User,
    today: datetime.date,
    items: list[FrameworkItem],
) -> int:
    """One planned entry through the services, as its people would write it; entries made."""
    on = held_on(today, planned.months_back, planned.day)
    name, accredited = planned.external or ("", False)
    entry = services.record_session(
        supervisee,
        items=items,
        supervisor=None if planned.external else supervisor,
        external_supervisor_name=name,
        external_supervisor_accredited=accredited,
        held_on=on,
        duration_minutes=planned.minutes,
        format=planned.format,
        group_size=planned.group_size,
        delivery=planned.delivery,
        activities=list(planned.activities),
        reflection=planned.reflection,
        details=services.EntryDetails(
            rupture=planned.rupture or services.KEEP,
            ctsr=_ctsr(planned.ctsr, on) if planned.ctsr else services.KEEP,
        ),
    )
    for action in planned.actions:
        added = services.add_action(
            entry,
            by=supervisee,
            text=action.text,
            due_on=on + datetime.timedelta(days=action.due_after),
        )
        if action.done_after is not None:
            done_on = min(on + datetime.timedelta(days=action.done_after), today)
            services.mark_action_done(added, by=supervisee, on=done_on)
    if planned.outcome == "draft":
        return 1
    services.submit(entry, by=supervisee, revision=entry.revision)
    if planned.outcome in ("returned", "reconfirmed"):
        services.return_for_changes(
            entry, by=supervisor, revision=entry.revision, comment=planned.comment
        )
    if planned.outcome == "reconfirmed":
        services.update_session(
            entry,
            by=supervisee,
            revision=entry.revision,
            reflection=planned.revised_reflection,
        )
        services.submit(entry, by=supervisee, revision=entry.revision)
    if planned.outcome in ("confirmed", "reconfirmed", "amended"):
        services.confirm(entry, by=supervisor, revision=entry.revision)
    if planned.outcome != "amended":
        return 1
    correction = services.amend(entry, by=supervisee)
    services.update_session(
        correction,
        by=supervisee,
        revision=correction.revision,
        duration_minutes=planned.amended_minutes,
    )
    services.submit(correction, by=supervisee, revision=correction.revision)
    return 2


def _ctsr(scores: dict[str, int], on: datetime.date) -> dict[str, object]:
    """A CTS-R rating of a recording made a week before the session; unnamed items not rated."""
    values: dict[str, object] = {name: scores.get(name) for name, _title in CTSR_ITEMS}
    return values | {"recording_on": on - datetime.timedelta(days=7)}
