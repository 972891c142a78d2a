"""A URLconf for the error-page tests: the project's URLs plus a view that fails."""

from django.urls import path

from comb_tracker.urls import urlpatterns as project_urlpatterns


def broken_view(request):
    raise RuntimeError("deliberate failure for the 500 page test")


urlpatterns = [*project_urlpatterns, path("broken/", broken_view)]
