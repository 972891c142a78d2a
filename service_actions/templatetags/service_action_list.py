"""`{% service_action_list service %}`: the action list's part of the lead's service overview
(the top reported barriers, open actions, waiting suggestions and a link to the full list).
That page belongs to accounts, which never imports the other apps, so the list joins it here,
in the template, in a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.models import Service

from .. import queries

register = template.Library()


@register.inclusion_tag("service_actions/includes/overview_section.html")
def service_action_list(service: Service, small_group_minimum: int) -> dict[str, Any]:
    return {
        "service": service,
        "summary": queries.summary(service),
        "small_group_minimum": small_group_minimum,
    }
