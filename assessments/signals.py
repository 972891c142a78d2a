"""Keep the many-to-many coding of published items immutable too (save() does not see it),
whichever side of the relation the change is made from."""

from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from .models import FrameworkItem, FrameworkVersion, PublishedVersionLocked


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
