"""COM-B Tracker project package; importing it registers the Celery app with Django."""

from .celery import app as celery_app

__all__ = ("celery_app",)
