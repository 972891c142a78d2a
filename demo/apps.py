from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `make run`: it imports every app, and no app imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
    verbose_name = "Demo data"
