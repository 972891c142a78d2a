from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("", views.supervisees, name="supervisees"),
    path("reviews/", views.review_queue, name="review_queue"),
    path("log/", views.log, name="log"),
    path("log/new/", views.session_new, name="session_new"),
    path("log/<int:pk>/", views.session_edit, name="session_edit"),
    path("log/<int:pk>/view/", views.session_detail, name="session_detail"),
    path("log/<int:pk>/withdraw/", views.session_withdraw, name="session_withdraw"),
    path("log/<int:pk>/amend/", views.session_amend, name="session_amend"),
    path("log/<int:pk>/return/", views.session_return, name="session_return"),
    path("log/<int:pk>/confirm/", views.session_confirm, name="session_confirm"),
]
