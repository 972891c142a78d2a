"""Reports: service analytics read from summaries kept up to date by each submit."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = "Reports and service analytics"

    def ready(self) -> None:
        from assessments.models import SelfAssessment
        from assessments.signals import assessment_submitting

        from .receivers import summarise_on_submit

        assessment_submitting.connect(
            summarise_on_submit, sender=SelfAssessment, dispatch_uid="reports.summarise_on_submit"
        )
