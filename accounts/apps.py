from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "People and organisations"

    def ready(self) -> None:
        # Connects the sign-in stamp that the session limits read (comb_tracker/sessions.py),
        # before any request has loaded the middleware.
        from comb_tracker import sessions  # noqa: F401
