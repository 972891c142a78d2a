"""Navigation depends on the roles a user holds; compute them once per request."""

from django.http import HttpRequest

from . import permissions


def roles(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_is_therapist": permissions.is_therapist(user),
        "nav_is_supervisor": permissions.is_supervisor(user),
        "nav_led_services": list(permissions.services_led_by(user))
        if permissions.is_service_lead(user)
        else [],
        "nav_can_manage_framework": permissions.can_manage_framework(user),
    }
