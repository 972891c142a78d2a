"""Keep many-to-many coding of published items immutable too (save() does not see those)."""

from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from .models import FrameworkItem


@receiver(m2m_changed, sender=FrameworkItem.tdf_domains.through)
@receiver(m2m_changed, sender=FrameworkItem.intervention_functions.through)
def refuse_changes_to_published_coding(sender, instance, action, **kwargs) -> None:
    if action.startswith("pre_") and isinstance(instance, FrameworkItem):
        instance.ensure_editable()
