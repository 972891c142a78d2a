from django.urls import path

from .views import activities, exports, plan, review

app_name = "cpd"
urlpatterns = [
    # The plan and its goals.
    path("", plan.plan, name="plan"),
    path("goals/new/", plan.goal_new, name="goal_new"),
    path("goals/<int:pk>/", plan.goal_edit, name="goal_edit"),
    path("suggestions/accept/", plan.suggestion_accept, name="suggestion_accept"),
    path("suggestions/dismiss/", plan.suggestion_dismiss, name="suggestion_dismiss"),
    # Activities, their evidence files, and the CPD log's exports.
    path("activities/", activities.activity_list, name="activities"),
    path("activities/new/", activities.activity_new, name="activity_new"),
    path("activities/<int:pk>/", activities.activity_edit, name="activity_edit"),
    path("evidence/<int:pk>/", activities.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/delete/", activities.evidence_delete, name="evidence_delete"),
    path("export.csv", exports.cpd_csv, name="cpd_csv"),
    path("export.pdf", exports.cpd_pdf, name="cpd_pdf"),
    # The supervisor's view and review of a supervisee's plan.
    path("supervisees/<int:pk>/", plan.supervisee_plan, name="supervisee_plan"),
    path("supervisees/<int:pk>/comment/", review.comment_add, name="comment_add"),
    # The therapist's reply to a comment in the review of their own plan.
    path("comments/reply/", review.reply_add, name="reply_add"),
]
