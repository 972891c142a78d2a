"""The project package as an app (for the signal its session limits need at start-up), and the
project's own configuration of Django's admin app (its site: comb_tracker/admin.py)."""

from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class ProjectConfig(AppConfig):
    name = "comb_tracker"
    verbose_name = "COM-B Tracker"

    def ready(self) -> None:
        # Connects the sign-in stamp that the session limits read (comb_tracker/sessions.py),
        # before any request has loaded the middleware.
        from . import sessions  # noqa: F401


class AdminConfig(DjangoAdminConfig):
    default_site = "comb_tracker.admin.AdminSite"
