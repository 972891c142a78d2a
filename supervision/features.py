"""Which optional supervision-log features a supervisee's entries offer: the rupture-and-repair
record and the CTS-R rating. Each is a product feature of CBT services that a service may switch
off (`accounts.Service.rupture_records_enabled`, `ctsr_ratings_enabled`); nothing here names a
framework.

A feature is on for a supervisee when any service they currently work in as a therapist has it
on. Someone with no current therapist membership gets neither: no service has chosen it for
them, and the log's forms are a therapist's.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from accounts.models import Membership, Role, User


@dataclass(frozen=True)
class Features:
    rupture_records: bool
    ctsr_ratings: bool


def features_for(supervisee: User) -> Features:
    """The supervisee's features, from their current therapist memberships (one query)."""
    counts = (
        Membership.objects.current()
        .filter(user=supervisee, role=Role.THERAPIST)
        .aggregate(
            rupture=Count("pk", filter=Q(service__rupture_records_enabled=True)),
            ctsr=Count("pk", filter=Q(service__ctsr_ratings_enabled=True)),
        )
    )
    return Features(rupture_records=counts["rupture"] > 0, ctsr_ratings=counts["ctsr"] > 0)
