"""How django-allauth fits this product: accounts are made by administrators, never by sign-up."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


def lockout_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The name django-axes counts failures against: as typed, in lower case, because allauth
    matches usernames whatever their case ("Alice" and "alice" are one account)."""
    typed = credentials.get("username") if credentials else request.POST.get("login")
    return typed.strip().lower() if isinstance(typed, str) else typed
