"""The self-assessment questionnaire: start, section pages, background saves, review, submit.

A section page is a plain form (it works without JavaScript); the page's script saves the same
form in the background through `questionnaire_autosave`, which answers JSON. Both refuse a post
that does not name the revision its page was built from (400) and one from a page that is out
of date (409), so nothing newer is overwritten. A post too large to read never reaches them:
comb_tracker.errors answers it (413).
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions
from accounts.models import Role, User

from .. import frameworks, queries
from .. import questionnaire as service
from ..forms import COMMENT_MAX_LENGTH, SectionForm, SubmitForm
from ..models import FrameworkSection, SelfAssessment

SUBMITTED_MESSAGE = "This self-assessment has been submitted and can no longer change."
STALE_MESSAGE = (
    "Your answers changed in another tab or window since this page was opened. "
    "Nothing was overwritten. Check the answers below and save again to keep them."
)
NO_REVISION_MESSAGE = (
    "Nothing was saved: this page did not say which version of your answers it was built "
    "from. Reload the page and try again."
)
SIGNED_OUT_MESSAGE = (
    "Not saved: you have been signed out. Your answers are still on this page: sign in again "
    "in another tab, then come back here and press a Save button."
)
STALE_BACKGROUND_MESSAGE = (
    "Not saved: your answers changed in another tab or window. Reload this page to see them; "
    "what you typed here stays on the page until you do."
)
NO_TEAM_MESSAGE = (
    "Your self-assessment could not be submitted because you are not in a team today. "
    "Your answers are saved; ask your service lead to add you to a team."
)


def _fillable(request: HttpRequest, pk: int) -> SelfAssessment:
    """The assessment, if this user may fill it in; a 404 for everyone else."""
    assessment = get_object_or_404(SelfAssessment.objects.select_related("version"), pk=pk)
    if not permissions.can_fill_in(request.user, assessment):
        raise Http404("No such self-assessment.")
    return assessment


def _posted_revision(request: HttpRequest) -> int | None:
    """The revision the page says it was built from; None if missing or not a whole number."""
    value = request.POST.get("revision", "")
    return int(value) if value.isascii() and value.isdigit() else None


def _section(assessment: SelfAssessment, number: int) -> tuple[FrameworkSection, int]:
    sections = list(service.rated_sections(assessment.version))
    if not 1 <= number <= len(sections):
        raise Http404("No such section.")
    return sections[number - 1], len(sections)


def _section_form(request: HttpRequest, assessment: SelfAssessment, section: FrameworkSection):
    items = list(section.items.order_by("order"))
    ratings = {r.item_id: r for r in assessment.ratings.filter(item__section=section)}
    posted = request.POST if request.method == "POST" else None
    return SectionForm(posted, items=items, ratings=ratings)


def _start_url(choice: frameworks.FrameworkChoice, *, several: bool) -> str:
    url = reverse("assessments:questionnaire")
    return f"{url}?framework={choice.framework.slug}" if several else url


@require_http_methods(["GET", "HEAD", "POST"])
@permissions.role_required(Role.THERAPIST)
def questionnaire(request: HttpRequest) -> HttpResponse:
    """Guidance, cycle status and the button that starts or resumes the questionnaire of one
    framework; a therapist with several frameworks first chooses one (`?framework=<slug>`)."""
    therapist = cast(User, request.user)  # role_required lets only a signed-in therapist in
    choices = frameworks.assessment_choices(therapist)
    slug = (
        request.POST.get("framework") if request.method == "POST" else request.GET.get("framework")
    )
    choice = frameworks.chosen(choices, slug)
    if choice is None:
        if slug:
            raise Http404("You do not assess yourself against this framework.")
        return render(request, "assessments/questionnaire_choose.html", {"choices": choices})
    status, version = choice.status, choice.version
    if request.method == "POST":
        if not choice.can_start or version is None:
            messages.info(request, f"Your next reassessment is due on {status.due_on:%-d %B %Y}.")
            return redirect(_start_url(choice, several=len(choices) > 1))
        assessment = service.start_or_resume(therapist, version, service=choice.service)
        return redirect(
            "assessments:questionnaire_section", assessment.pk, assessment.resume_section + 1
        )
    sections = queries.section_progress(version, status.open_assessment) if version else []
    return render(
        request,
        "assessments/questionnaire_start.html",
        {
            "choice": choice,
            "several": len(choices) > 1,
            "status": status,
            "today": timezone.localdate(),
            "version": version,
            "sections": sections,
            "minutes": queries.estimated_minutes(sum(s.total - s.answered for s in sections)),
            "private_statements": queries.private_statement_count(version) if version else 0,
            "small_group_minimum": permissions.small_group_minimum(choice.service),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def questionnaire_section(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    assessment = _fillable(request, pk)
    if assessment.is_submitted:
        messages.info(request, SUBMITTED_MESSAGE)
        return redirect("assessments:profile", request.user.pk)
    section, section_count = _section(assessment, number)
    form = _section_form(request, assessment, section)
    problem, status = "", 200
    if request.method == "POST":
        revision = _posted_revision(request)
        action = request.POST.get("action", "next")
        if revision is None:
            problem, status = NO_REVISION_MESSAGE, 400
        elif not form.is_valid():
            status = 400
        else:
            target = {"previous": number - 1, "later": number}.get(action, number + 1)
            try:
                service.save_section(
                    assessment,
                    section,
                    form.answers(),
                    cleared=form.cleared(),
                    revision=revision,
                    resume_at=max(0, min(target, section_count) - 1),
                )
            except service.AssessmentLocked:
                messages.info(request, SUBMITTED_MESSAGE)
                return redirect("assessments:profile", request.user.pk)
            except service.StaleRevision:
                problem, status = STALE_MESSAGE, 409
                assessment.refresh_from_db()
            else:
                if action == "later":
                    messages.success(
                        request, "Your answers are saved. Continue whenever you are ready."
                    )
                    return redirect("assessments:my_training")
                if target > section_count:
                    return redirect("assessments:questionnaire_review", assessment.pk)
                return redirect("assessments:questionnaire_section", assessment.pk, max(target, 1))
    return render(
        request,
        "assessments/questionnaire_section.html",
        {
            "assessment": assessment,
            "section": section,
            "number": number,
            "section_count": section_count,
            "form": form,
            "rows": form.rows(),
            "comment_max_length": COMMENT_MAX_LENGTH,
            "progress": queries.questionnaire_progress(assessment),
            "problem": problem,
        },
        status=status,
    )


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"saved": False, "error": message}, status=status)


def _not_saved_yet(form: SectionForm) -> JsonResponse:
    """The form's problems: in a line, by statement, for the page's status line, and by the id
    of each field at fault (`fields`), so the script can show each next to its field. Nothing
    is saved; what was typed stays on the page."""
    problems = [f"{name.split('_', 1)[-1]}: {errors[0]}" for name, errors in form.errors.items()]
    fields = {
        form[name].auto_id: str(errors[0])
        for name, errors in form.errors.items()
        if name in form.fields
    }
    return JsonResponse(
        {"saved": False, "error": "Not saved yet: " + " ".join(problems), "fields": fields},
        status=400,
    )


@require_POST
def questionnaire_autosave(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """Background save from the section page's script while the therapist answers.

    Answers JSON: the new revision (which the script sends with its next save) and the
    progress; or `error` with 400 (nothing saved: bad input, such as a comment holding an NHS
    number, with `fields` naming the fields at fault; or no revision), 403 (signed out:
    a script cannot follow the sign-in page), 409 (out of date, or already submitted).
    """
    if not request.user.is_authenticated:
        return _json_error(SIGNED_OUT_MESSAGE, 403)
    assessment = _fillable(request, pk)
    if assessment.is_submitted:
        return _json_error(SUBMITTED_MESSAGE, 409)
    section, _count = _section(assessment, number)
    revision = _posted_revision(request)
    if revision is None:
        return _json_error(NO_REVISION_MESSAGE, 400)
    form = _section_form(request, assessment, section)
    if not form.is_valid():
        return _not_saved_yet(form)
    try:
        new_revision = service.save_section(
            assessment,
            section,
            form.answers(),
            cleared=form.cleared(),
            revision=revision,
            resume_at=number - 1,
        )
    except service.AssessmentLocked:
        return _json_error(SUBMITTED_MESSAGE, 409)
    except service.StaleRevision:
        return _json_error(STALE_BACKGROUND_MESSAGE, 409)
    progress = queries.questionnaire_progress(assessment)
    return JsonResponse(
        {
            "saved": True,
            "revision": new_revision,
            "answered": progress.answered,
            "total": progress.total,
            "percent": progress.percent,
        }
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def questionnaire_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Check your answers, then submit (which locks the assessment)."""
    assessment = _fillable(request, pk)
    if assessment.is_submitted:
        return redirect("assessments:profile", request.user.pk)
    form = SubmitForm(
        request.POST if request.method == "POST" else None,
        has_private_statements=queries.private_statement_count(assessment.version) > 0,
    )
    missing = service.unanswered_items(assessment)
    problem = ""
    if request.method == "POST" and form.is_valid() and not missing:
        shares = form.cleaned_data.get("shares_sensitive", False)
        try:
            service.submit(assessment, shares_sensitive=shares)
        except service.IncompleteAssessment as incomplete:
            missing = incomplete.missing
        except service.NoCurrentTeam:
            problem = NO_TEAM_MESSAGE
        else:
            messages.success(request, "Your self-assessment is submitted. Here is your profile.")
            return redirect("assessments:profile", request.user.pk)
    return render(
        request,
        "assessments/questionnaire_review.html",
        {
            "assessment": assessment,
            "sections": queries.review_sections(assessment),
            "missing": missing,
            "form": form,
            "problem": problem,
            "progress": queries.questionnaire_progress(assessment),
        },
        status=400 if request.method == "POST" else 200,
    )
