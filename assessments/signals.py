"""Keep the many-to-many coding of published items immutable too (save() does not see it),
whichever side of the relation the change is made from; give services waiting for the default
framework that framework once it is loaded; and announce a submitted self-assessment
(`assessment_submitted`, after it commits; `assessment_submitting`, inside its transaction) to
the apps that act on it, which this app does not import."""

from django.conf import settings
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import Signal, receiver
from simple_history.utils import bulk_update_with_history

from accounts.models import Service

from .models import Framework, FrameworkItem, FrameworkVersion, PublishedVersionLocked

# Sent once a submit has committed, with `assessment` (the submitted SelfAssessment).
assessment_submitted = Signal()
# Sent inside the submit transaction, once the assessment is marked submitted, with
# `assessment`: receivers write what must commit or roll back with the submit (the analytics
# summaries), and an error in one fails the submit rather than leave them behind.
assessment_submitting = Signal()


@receiver(m2m_changed, sender=FrameworkItem.tdf_domains.through)
@receiver(m2m_changed, sender=FrameworkItem.intervention_functions.through)
def refuse_changes_to_published_coding(
    sender, instance, action, reverse, model, pk_set, **kwargs
) -> None:
    if not action.startswith("pre_"):
        return
    if not reverse:
        instance.ensure_editable()
        return
    # From a TDF domain or intervention function: the items are in pk_set (or, on clear,
    # every item currently linked).
    items = FrameworkItem.objects.filter(pk__in=pk_set) if pk_set else instance.items.all()
    if items.filter(version__status=FrameworkVersion.Status.PUBLISHED).exists():
        raise PublishedVersionLocked()


@receiver(post_save, sender=Framework)
def default_framework_for_services_without_one(sender, instance, created, **kwargs) -> None:
    """Services set up before the default framework (`FRAMEWORK_SLUG`) was loaded start
    using it when it arrives; a service that chose another keeps its choice."""
    if not (created and instance.slug == settings.FRAMEWORK_SLUG):
        return
    waiting = list(Service.objects.filter(framework__isnull=True))
    for service in waiting:
        service.framework = instance
    # With history rows, as any change to a service has (docs/audit.md).
    bulk_update_with_history(
        waiting, Service, ["framework"], default_change_reason="default framework loaded"
    )
