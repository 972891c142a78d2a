from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"
    verbose_name = "COM-B framework and self-assessment"

    def ready(self) -> None:
        from . import signals  # noqa: F401
