from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("services/<slug:slug>/", views.service_overview, name="service_overview"),
]
