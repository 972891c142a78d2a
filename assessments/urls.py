from django.urls import path

from .views import framework, profile, questionnaire

app_name = "assessments"
urlpatterns = [
    path("framework/", framework.framework, name="framework"),
    path("framework/<slug:slug>/", framework.framework_current, name="framework_current"),
    path(
        "framework/<slug:slug>/v<int:number>/",
        framework.framework_version,
        name="framework_version",
    ),
    path("my-training/", framework.my_training, name="my_training"),
    path("self-assessment/", questionnaire.questionnaire, name="questionnaire"),
    path(
        "self-assessment/<int:pk>/section/<int:number>/",
        questionnaire.questionnaire_section,
        name="questionnaire_section",
    ),
    path(
        "self-assessment/<int:pk>/section/<int:number>/autosave/",
        questionnaire.questionnaire_autosave,
        name="questionnaire_autosave",
    ),
    path(
        "self-assessment/<int:pk>/review/",
        questionnaire.questionnaire_review,
        name="questionnaire_review",
    ),
    path("therapists/<int:pk>/profile/", profile.profile, name="profile"),
    path("therapists/<int:pk>/profile/chart.svg", profile.profile_chart, name="profile_chart"),
    path(
        "therapists/<int:pk>/assessments/<int:assessment_pk>/",
        profile.assessment_detail,
        name="assessment_detail",
    ),
]
