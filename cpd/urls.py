from django.urls import path

from . import views

app_name = "cpd"
urlpatterns = [
    path("", views.plan, name="plan"),
    path("goals/new/", views.goal_new, name="goal_new"),
    path("goals/<int:pk>/", views.goal_edit, name="goal_edit"),
    path("suggestions/accept/", views.suggestion_accept, name="suggestion_accept"),
    path("suggestions/dismiss/", views.suggestion_dismiss, name="suggestion_dismiss"),
    path("supervisees/<int:pk>/", views.supervisee_plan, name="supervisee_plan"),
]
