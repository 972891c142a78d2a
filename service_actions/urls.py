from django.urls import path

from . import views

app_name = "service_actions"
urlpatterns = [
    # The lead's action list of their service.
    path("services/<slug:slug>/actions/", views.action_list, name="action_list"),
    path("services/<slug:slug>/actions/new/", views.action_new, name="action_new"),
    path("services/<slug:slug>/actions/<int:pk>/", views.action_edit, name="action_edit"),
    # The service on the patient-involvement continuum (its lead only).
    path("services/<slug:slug>/involvement/", views.involvement, name="involvement"),
    # A therapist's named suggestion to their service lead.
    path("service-actions/suggest/", views.suggestion_new, name="suggest"),
]
