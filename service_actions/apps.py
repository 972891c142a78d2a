from django.apps import AppConfig


class ServiceActionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "service_actions"
    verbose_name = "Service action plans"
