from django.apps import AppConfig


class CpdConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cpd"
    verbose_name = "CPD"

    def ready(self) -> None:
        # Goals with a target rating are evaluated when a self-assessment is submitted: the
        # assessments app sends the signal and knows nothing of CPD.
        from assessments.signals import assessment_submitted

        from . import evidence  # noqa: F401  (removes a deleted evidence row's file)
        from .evaluation import on_assessment_submitted

        assessment_submitted.connect(
            on_assessment_submitted, dispatch_uid="cpd_evaluate_goals_after_submit"
        )
