"""WSGI entry point for gunicorn; refuses to start without a secret key."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comb_tracker.settings")
application = get_wsgi_application()
# Reading the key raises ImproperlyConfigured when it is empty: fail at boot, not per request.
settings.SECRET_KEY  # noqa: B018
