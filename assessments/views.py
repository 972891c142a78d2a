"""Framework pages, the therapist's start page, the self-assessment questionnaire and profiles."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts import permissions
from accounts.models import Membership, Role, SupervisionRelationship, User

from . import queries
from . import questionnaire as questionnaire_service
from .charts import profile_chart_svg
from .forms import SectionForm, SubmitForm
from .models import Framework, SelfAssessment
from .profile import therapist_profile


def _default_framework() -> Framework:
    framework = Framework.objects.filter(slug=settings.FRAMEWORK_SLUG).first()
    if framework is None:
        raise Http404("No framework has been loaded yet.")
    return framework


@login_required
def framework(request: HttpRequest) -> HttpResponse:
    """The current published version of the service's framework."""
    version = _default_framework().current_version()
    if version is None:
        raise Http404("The framework has no published version yet.")
    page = queries.framework_page(request.user, version)
    return render(request, "assessments/framework_detail.html", {"page": page})


@login_required
def framework_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    framework = get_object_or_404(Framework, slug=slug)
    version = get_object_or_404(queries.visible_versions(request.user, framework), number=number)
    page = queries.framework_page(request.user, version)
    return render(request, "assessments/framework_detail.html", {"page": page})


@login_required
def my_training(request: HttpRequest) -> HttpResponse:
    """A therapist's start page: their team, supervisors and the framework they rate."""
    if not permissions.is_therapist(request.user):
        raise PermissionDenied("This page is for therapists.")
    framework = Framework.objects.filter(slug=settings.FRAMEWORK_SLUG).first()
    version = framework.current_version() if framework else None
    context = {
        "memberships": Membership.objects.filter(
            user=request.user, role=Role.THERAPIST
        ).select_related("team", "service"),
        "supervisions": SupervisionRelationship.objects.current()
        .filter(supervisee=request.user)
        .select_related("supervisor"),
        "version": version,
        "sections": queries.section_summary(version) if version else [],
        "status": questionnaire_service.status_for(request.user),
    }
    return render(request, "assessments/my_training.html", context)


# The self-assessment questionnaire


def _own_assessment(request: HttpRequest, pk: int) -> SelfAssessment:
    """Only the therapist who owns an assessment may fill it in; others get a 404."""
    return get_object_or_404(
        SelfAssessment.objects.select_related("version__framework"),
        pk=pk,
        therapist=request.user,
    )


@login_required
def questionnaire(request: HttpRequest) -> HttpResponse:
    """Guidance, cycle status and the button that starts or resumes the questionnaire."""
    if not permissions.is_therapist(request.user):
        raise PermissionDenied("The self-assessment is for therapists.")
    version = _default_framework().current_version()
    if version is None:
        raise Http404("The framework has no published version yet.")
    status = questionnaire_service.status_for(request.user)
    if request.method == "POST":
        if not status.can_start:
            messages.info(request, f"Your next reassessment is due on {status.due_on:%-d %B %Y}.")
            return redirect("assessments:questionnaire")
        assessment = questionnaire_service.start_or_resume(request.user, version)
        return redirect(
            "assessments:questionnaire_section", assessment.pk, assessment.resume_section + 1
        )
    sections = list(questionnaire_service.rated_sections(version))
    return render(
        request,
        "assessments/questionnaire_start.html",
        {"status": status, "version": version, "sections": sections},
    )


SUBMITTED_MESSAGE = "This self-assessment has been submitted and can no longer change."
STALE_MESSAGE = (
    "Your answers changed in another tab or window since this page was opened. "
    "Nothing was overwritten. Check the answers below and save again to keep them."
)


def _posted_revision(request: HttpRequest) -> int | None:
    value = request.POST.get("revision", "")
    return int(value) if value.isdigit() else None


@login_required
def questionnaire_section(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    assessment = _own_assessment(request, pk)
    if assessment.is_submitted:
        if request.POST.get("action") == "autosave":
            return HttpResponse(SUBMITTED_MESSAGE, status=409)
        messages.info(request, SUBMITTED_MESSAGE)
        return redirect("assessments:profile", request.user.pk)
    sections = list(questionnaire_service.rated_sections(assessment.version))
    if not 1 <= number <= len(sections):
        raise Http404("No such section.")
    section = sections[number - 1]
    items = list(section.items.order_by("order"))
    ratings = {r.item_id: r for r in assessment.ratings.filter(item__section=section)}
    posted = request.POST if request.method == "POST" else None
    form = SectionForm(posted, items=items, ratings=ratings)
    action = request.POST.get("action", "next")
    if action == "autosave":
        return _autosave(assessment, section, form, number - 1, _posted_revision(request))
    stale = False
    if posted is not None and form.is_valid():
        target = {"previous": number - 1, "later": number}.get(action, number + 1)
        resume_at = max(0, min(target, len(sections)) - 1)
        try:
            questionnaire_service.save_section(
                assessment, section, form.answers(), resume_at, _posted_revision(request)
            )
        except questionnaire_service.AssessmentLocked:
            messages.info(request, "This self-assessment was already submitted.")
            return redirect("assessments:profile", request.user.pk)
        except questionnaire_service.StaleRevision:
            stale = True
            assessment.refresh_from_db()
        else:
            if action == "later":
                messages.success(
                    request, "Your answers are saved. Continue whenever you are ready."
                )
                return redirect("assessments:my_training")
            if target > len(sections):
                return redirect("assessments:questionnaire_review", assessment.pk)
            return redirect("assessments:questionnaire_section", assessment.pk, max(target, 1))
    return render(
        request,
        "assessments/questionnaire_section.html",
        {
            "assessment": assessment,
            "section": section,
            "number": number,
            "section_count": len(sections),
            "form": form,
            "progress": queries.questionnaire_progress(assessment),
            "stale_message": STALE_MESSAGE if stale else "",
        },
        status=409 if stale else 400 if form.is_bound else 200,
    )


def _autosave(
    assessment: SelfAssessment,
    section,
    form: SectionForm,
    index: int,
    revision: int | None,
) -> HttpResponse:
    """Background save from the page's script while the therapist types (no redirect).

    Answers with the new revision, which the script keeps for its next save, and the
    progress, which it shows.
    """
    if not form.is_valid():
        return HttpResponse("Not saved yet: please check the highlighted answers.", status=400)
    try:
        new_revision = questionnaire_service.save_section(
            assessment, section, form.answers(), index, revision
        )
    except questionnaire_service.AssessmentLocked:
        return HttpResponse(SUBMITTED_MESSAGE, status=409)
    except questionnaire_service.StaleRevision:
        return HttpResponse(
            "Not saved: your answers changed in another tab or window. Reload this page to "
            "see them; what you typed here stays on the page until you do.",
            status=409,
        )
    progress = queries.questionnaire_progress(assessment)
    return JsonResponse(
        {
            "revision": new_revision,
            "answered": progress.answered,
            "total": progress.total,
            "percent": progress.percent,
        }
    )


@login_required
def questionnaire_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Check your answers, then submit (which locks the assessment)."""
    assessment = _own_assessment(request, pk)
    if assessment.is_submitted:
        return redirect("assessments:profile", request.user.pk)
    form = SubmitForm(request.POST if request.method == "POST" else None)
    missing = questionnaire_service.unanswered_items(assessment)
    if request.method == "POST" and form.is_valid() and not missing:
        try:
            questionnaire_service.submit(
                assessment, shares_sensitive=form.cleaned_data["shares_sensitive"]
            )
        except questionnaire_service.IncompleteAssessment as incomplete:
            missing = incomplete.missing
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
            "progress": queries.questionnaire_progress(assessment),
        },
        status=400 if request.method == "POST" else 200,
    )


# The training-needs profile

CHART_CACHE_SECONDS = 24 * 60 * 60


def _visible_therapist(request: HttpRequest, pk: int) -> User:
    """The therapist, if the viewer may see their records; a 404 for everyone else, so that
    outsiders cannot tell whether the person exists."""
    therapist = get_object_or_404(User, pk=pk)
    if not permissions.can_view_therapist(request.user, therapist):
        raise Http404("No such therapist.")
    return therapist


@login_required
def profile(request: HttpRequest, pk: int) -> HttpResponse:
    therapist = _visible_therapist(request, pk)
    return render(
        request,
        "assessments/profile.html",
        {
            "therapist": therapist,
            "profile": therapist_profile(request.user, therapist),
            "is_owner": therapist.pk == request.user.pk,
        },
    )


@login_required
def profile_chart(request: HttpRequest, pk: int) -> HttpResponse:
    therapist = _visible_therapist(request, pk)
    result = therapist_profile(request.user, therapist)
    if result.latest is None:
        raise Http404("No submitted self-assessment yet.")
    latest = result.latest.assessment
    key = f"profile-chart:{latest.pk}:{latest.submitted_at.timestamp()}:{result.includes_sensitive}"
    svg = cache.get_or_set(key, lambda: profile_chart_svg(result.rows), CHART_CACHE_SECONDS)
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=60"
    return response


@login_required
def assessment_detail(request: HttpRequest, pk: int, assessment_pk: int) -> HttpResponse:
    """A submitted assessment's answers, read-only; private items only for their owner or
    when the therapist shared them."""
    therapist = _visible_therapist(request, pk)
    assessment = get_object_or_404(
        therapist.self_assessments.filter(status=SelfAssessment.Status.SUBMITTED),
        pk=assessment_pk,
    )
    is_owner = therapist.pk == request.user.pk
    show_sensitive = is_owner or assessment.shares_sensitive
    return render(
        request,
        "assessments/assessment_detail.html",
        {
            "therapist": therapist,
            "assessment": assessment,
            "sections": queries.review_sections(assessment, include_sensitive=show_sensitive),
            "is_owner": is_owner,
            "hides_sensitive": not show_sensitive,
        },
    )
