from django.urls import path

from .views import agenda, dashboard, entries, exports, log, observer, reflections

app_name = "supervision"
urlpatterns = [
    # The supervisor's dashboard and a supervisee's page.
    path("", dashboard.supervisees, name="supervisees"),
    path("supervisees/<int:pk>/", dashboard.supervisee, name="supervisee"),
    # The log and its review.
    path("reviews/", entries.review_queue, name="review_queue"),
    path("log/", log.log, name="log"),
    path("log/new/", entries.session_new, name="session_new"),
    path("log/<int:pk>/", entries.session_edit, name="session_edit"),
    path("log/<int:pk>/view/", entries.session_detail, name="session_detail"),
    path("log/<int:pk>/withdraw/", entries.session_withdraw, name="session_withdraw"),
    path("log/<int:pk>/amend/", entries.session_amend, name="session_amend"),
    path("log/<int:pk>/return/", entries.session_return, name="session_return"),
    path("log/<int:pk>/confirm/", entries.session_confirm, name="session_confirm"),
    # Exports of a log: one's own, or a current supervisee's.
    path("log/export.csv", exports.log_csv, name="log_csv"),
    path("log/export.pdf", exports.log_pdf, name="log_pdf"),
    path(
        "supervisees/<int:pk>/log/export.csv", exports.supervisee_log_csv, name="supervisee_log_csv"
    ),
    path(
        "supervisees/<int:pk>/log/export.pdf", exports.supervisee_log_pdf, name="supervisee_log_pdf"
    ),
    # The agenda for the next session, and agreed actions.
    path("agenda/", agenda.agenda, name="agenda"),
    path("supervisees/<int:pk>/agenda/", agenda.supervisee_agenda, name="supervisee_agenda"),
    path("agenda/<int:pk>/close/", agenda.agenda_close, name="agenda_close"),
    path("actions/<int:pk>/done/", agenda.action_done, name="action_done"),
    # Observer ratings beside self-ratings.
    path("ratings/", observer.my_ratings, name="my_ratings"),
    path("supervisees/<int:pk>/ratings/", observer.observer_compare, name="observer_compare"),
    path("supervisees/<int:pk>/ratings/new/", observer.observer_new, name="observer_new"),
    # Quick session reflections.
    path("reflections/", reflections.reflections, name="reflections"),
    path("reflections/new/", reflections.reflection_new, name="reflection_new"),
]
