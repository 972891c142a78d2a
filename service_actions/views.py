"""The service action list's pages: the lead's list (reported barriers as suppressed counts,
therapists' named suggestions, the actions), an action's form (new, perhaps planned from a
reported barrier with `?item=KEY`, or changed; a suggestion taken up or dropped through it with
a `decision`), a therapist's page to send a suggestion to their lead, and the lead's page for
the service's place on the patient-involvement continuum.

The lead's pages answer 404 to everyone but a current lead of the service, as the service
overview does; the suggestion page is for therapists. A form sent twice adds one action (its
token); a form with errors comes back with what was typed.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from accounts import permissions
from accounts.models import Role, Service
from accounts.permissions import AuthenticatedRequest

from . import queries, services
from .forms import ActionFilterForm, ActionForm, InvolvementForm, SuggestionForm
from .models import TITLE_LENGTH, ServiceAction

PER_PAGE = 25
DESCRIPTION_PREFILL = 2000  # a prefilled description from a link, at most
DECISIONS = {"take_up": services.take_up, "drop": services.drop}
DECIDED = {
    "take_up": ("Taken up: the suggestion is now a planned action.", "Already taken up."),
    "drop": ("Dropped.", "Already dropped or finished, so nothing changed."),
}


def _led_service(request: AuthenticatedRequest, slug: str) -> Service:
    return get_object_or_404(
        permissions.services_led_by(request.user).select_related("framework"), slug=slug
    )


@require_safe
@login_required
def action_list(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """The service's action plan: the Opportunity barriers its therapists report (suppressed
    counts), therapists' suggestions waiting, and the actions (filtered by status and origin),
    each with the share reporting its statements before it and now."""
    service = _led_service(request, slug)
    filters = ActionFilterForm(request.GET)
    chosen = filters.chosen()
    actions = Paginator(queries.actions_of(service, **chosen), PER_PAGE).get_page(
        request.GET.get("page")
    )
    waiting = Paginator(queries.suggestions(service), PER_PAGE).get_page(
        request.GET.get("suggestions_page")
    )
    progress = queries.action_progress(service, list(actions.object_list))
    context = {
        "service": service,
        "barriers": queries.reported_barriers(service),
        "suggestions": waiting,
        "page": actions,
        "rows": [(action, progress.get(action.pk, [])) for action in actions],
        "filters": filters,
        "filtered": bool(chosen),
        "filter_query": urlencode(chosen),
        "small_group_minimum": permissions.small_group_minimum(service),
    }
    return render(request, "service_actions/action_list.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def action_new(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """A new action on the list; `?item=KEY` plans one from a reported barrier (prefilled with
    that statement), `?title=…&description=…` one offered elsewhere (an involvement level's
    example)."""
    service = _led_service(request, slug)
    statements = queries.statement_choices(service)
    if request.method != "POST":
        form = ActionForm(statements=statements, initial=_prefill(statements, request.GET))
        return _action_page(request, service, form, token=uuid.uuid4())
    form = ActionForm(request.POST, statements=statements)
    if form.is_valid():
        data = form.cleaned_data
        try:
            _action, created = services.add_action(
                service,
                by=request.user,
                token=data["token"],
                items=data["items"],
                origin=_origin(data),
                **{name: data[name] for name in services.ACTION_FIELDS},
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            if created:
                messages.success(request, "Added to the service's action list.")
            else:
                messages.info(request, "This action was already added, so it was not added twice.")
            return redirect("service_actions:action_list", slug=service.slug)
    token = form.cleaned_data.get("token") or uuid.uuid4()
    return _action_page(request, service, form, token=token)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def action_edit(request: AuthenticatedRequest, slug: str, pk: int) -> HttpResponse:
    """Change an action of the service (only the fields the form sent), or, with a posted
    `decision`, take up or drop it."""
    service = _led_service(request, slug)
    action = get_object_or_404(
        ServiceAction.objects.select_related("service"), pk=pk, service=service
    )
    if request.method == "POST" and "decision" in request.POST:
        return _decide(request, action, request.POST["decision"])
    statements = queries.statement_choices(service, action)
    if request.method != "POST":
        initial = {name: getattr(action, name) for name in services.ACTION_FIELDS}
        form = ActionForm(
            statements=statements, action=action, initial={**initial, "items": action.items.all()}
        )
        return _action_page(request, service, form, action=action)
    form = ActionForm(request.POST, statements=statements, action=action)
    if form.is_valid():
        data = form.cleaned_data
        changes = {name: data[name] for name in services.ACTION_FIELDS if name in request.POST}
        try:
            changed = services.update_action(
                action,
                by=request.user,
                changes=changes,
                items=data["items"] if "items_sent" in request.POST else None,
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, "Saved the action.") if changed else messages.info(
                request, "Nothing was changed."
            )
            return redirect("service_actions:action_list", slug=service.slug)
    return _action_page(request, service, form, action=action)


@require_http_methods(["GET", "HEAD", "POST"])
@permissions.role_required(Role.THERAPIST)
def suggestion_new(request: AuthenticatedRequest) -> HttpResponse:
    """A therapist's named suggestion to the lead of a service they work in, and the
    suggestions they sent before with how each stands."""
    therapist = request.user
    choices = permissions.services_suggestible_by(therapist).order_by("name")
    statements = queries.suggestion_statement_choices(list(choices.values_list("pk", flat=True)))
    if request.method != "POST":
        form = SuggestionForm(services=choices, statements=statements)
        return _suggestion_page(request, form, token=uuid.uuid4())
    form = SuggestionForm(request.POST, services=choices, statements=statements)
    if form.is_valid():
        data = form.cleaned_data
        try:
            _action, created = services.suggest_action(
                therapist,
                data["service"],
                title=data["title"],
                description=data["description"],
                items=data["items"],
                token=data["token"],
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            if created:
                messages.success(request, "Sent to your service lead, with your name.")
            else:
                messages.info(
                    request, "This suggestion was already sent, so it was not sent twice."
                )
            return redirect("service_actions:suggest")
    token = form.cleaned_data.get("token") or uuid.uuid4()
    return _suggestion_page(request, form, token=token)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def involvement(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """The service on the patient-involvement continuum: its current level, the history of
    ratings, a form to record one, and the next level's examples offered as actions."""
    service = _led_service(request, slug)
    levels = queries.involvement_levels(service)
    if request.method != "POST":
        form = InvolvementForm(levels=levels, initial={"rated_on": timezone.localdate()})
        return _involvement_page(request, service, levels, form, token=uuid.uuid4())
    form = InvolvementForm(request.POST, levels=levels)
    if form.is_valid():
        data = form.cleaned_data
        try:
            rating, created = services.record_involvement(
                service,
                by=request.user,
                token=data["token"],
                level=data["level"],
                evidence=data["evidence"],
                rated_on=data["rated_on"],
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            if created:
                messages.success(request, f"Recorded: {rating.level_name}.")
            else:
                messages.info(
                    request, "This rating was already recorded, so it was not added twice."
                )
            return redirect("service_actions:involvement", slug=service.slug)
    token = form.cleaned_data.get("token") or uuid.uuid4()
    return _involvement_page(request, service, levels, form, token=token)


# Helpers


def _involvement_page(
    request: AuthenticatedRequest,
    service: Service,
    levels: list[Any],
    form: InvolvementForm,
    *,
    token: uuid.UUID,
) -> HttpResponse:
    history = Paginator(queries.involvement_history(service), PER_PAGE).get_page(
        request.GET.get("page")
    )
    current = queries.involvement_history(service).first()
    following = [level for level in levels if current is None or level.level > current.level]
    next_level = following[0] if following else None
    context = {
        "service": service,
        "levels": levels,
        "current": current,
        "next_level": next_level,
        "examples": [
            (example, urlencode({"title": example, "description": _towards(next_level)}))
            for example in queries.example_actions(next_level)
        ],
        "history": history,
        "form": form,
        "token": token,
    }
    return render(request, "service_actions/involvement.html", context)


def _towards(level: Any) -> str:
    """The description of an action planned from a level's example."""
    return (
        f"Towards level {level.level}, {level.name}, on the patient-involvement continuum: "
        f"{level.description}."
    )


def _decide(request: AuthenticatedRequest, action: ServiceAction, decision: str) -> HttpResponse:
    move = DECISIONS.get(decision)
    if move is None:
        messages.error(request, "Choose to take the suggestion up or to drop it.")
    else:
        done, repeated = DECIDED[decision]
        if move(action, by=request.user):
            messages.success(request, done)
        else:
            messages.info(request, repeated)
    return redirect("service_actions:action_list", slug=action.service.slug)


def _prefill(statements: Any, query: Any) -> dict[str, Any]:
    """A new action's first values: the status; a title and description when the link offers
    them (cut to what the form takes); from a reported barrier (`?item=KEY`), when the key is a
    statement of the framework, that statement."""
    initial: dict[str, Any] = {"status": ServiceAction.Status.PLANNED}
    for name, length in (("title", TITLE_LENGTH), ("description", DESCRIPTION_PREFILL)):
        value = query.get(name, "")
        if isinstance(value, str) and value.strip():
            initial[name] = value.strip()[:length]
    key = query.get("item", "")
    item = statements.filter(key=key).first() if isinstance(key, str) and key else None
    if item is None:
        return initial
    return {**initial, "items": [item], "barrier": item.key}


def _origin(data: dict[str, Any]) -> str:
    """Planned from a reported barrier when the form came from one and still targets it."""
    barrier = data.get("barrier") or ""
    if barrier and any(item.key == barrier for item in data["items"]):
        return ServiceAction.Origin.REPORTED_BARRIER
    return ServiceAction.Origin.LEAD


def _action_page(
    request: AuthenticatedRequest,
    service: Service,
    form: ActionForm,
    *,
    action: ServiceAction | None = None,
    token: uuid.UUID | None = None,
) -> HttpResponse:
    context = {"service": service, "form": form, "action": action, "token": token}
    return render(request, "service_actions/action_form.html", context)


def _suggestion_page(
    request: AuthenticatedRequest, form: SuggestionForm, *, token: uuid.UUID
) -> HttpResponse:
    sent = Paginator(queries.suggestions_sent_by(request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"form": form, "token": token, "page": sent}
    return render(request, "service_actions/suggestion_form.html", context)


def _show_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's refusal on the fields it names (elsewhere: on the form)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
