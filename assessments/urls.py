from django.urls import path

from . import views

app_name = "assessments"
urlpatterns = [
    path("framework/", views.framework, name="framework"),
    path("framework/<slug:slug>/v<int:number>/", views.framework_version, name="framework_version"),
    path("my-training/", views.my_training, name="my_training"),
    path("self-assessment/", views.questionnaire, name="questionnaire"),
    path(
        "self-assessment/<int:pk>/section/<int:number>/",
        views.questionnaire_section,
        name="questionnaire_section",
    ),
    path(
        "self-assessment/<int:pk>/review/", views.questionnaire_review, name="questionnaire_review"
    ),
    path("therapists/<int:pk>/profile/", views.profile, name="profile"),
    path("therapists/<int:pk>/profile/chart.svg", views.profile_chart, name="profile_chart"),
    path(
        "therapists/<int:pk>/assessments/<int:assessment_pk>/",
        views.assessment_detail,
        name="assessment_detail",
    ),
]
