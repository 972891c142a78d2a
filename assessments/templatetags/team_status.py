"""`{% team_assessment_status teams as rows %}`: the self-assessment counts of a page of teams,
for the service lead's overview. That page belongs to accounts, which never imports assessments
(accounts is the base of the apps), so the figures join it here, in the template."""

from __future__ import annotations

from collections.abc import Sequence

from django import template

from accounts.models import Team

from ..team_status import TeamAssessmentStatus
from ..team_status import team_assessment_status as read_status

register = template.Library()


@register.simple_tag
def team_assessment_status(teams: Sequence[Team]) -> list[TeamAssessmentStatus]:
    return read_status(list(teams))
