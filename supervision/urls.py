from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("", views.supervisees, name="supervisees"),
    path("log/", views.log, name="log"),
    path("log/new/", views.session_new, name="session_new"),
    path("log/<int:pk>/", views.session_edit, name="session_edit"),
]
