from django.urls import path

from . import views

app_name = "assessments"
urlpatterns = [
    path("framework/", views.framework, name="framework"),
    path("framework/<slug:slug>/v<int:number>/", views.framework_version, name="framework_version"),
    path("my-training/", views.my_training, name="my_training"),
]
