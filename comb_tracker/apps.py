"""The project's own configuration of Django's admin app (its site: comb_tracker/admin.py)."""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "comb_tracker.admin.AdminSite"
