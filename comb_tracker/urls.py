from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views

from . import sessions

# A post too large to read gets a page saying nothing was saved (413), not a bare 400.
handler400 = "comb_tracker.errors.bad_request"

# The admin's own login would sign a two-factor user in on the password alone: send it to allauth.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("session/keepalive/", sessions.session_keepalive, name="session_keepalive"),
    path("session/resume/", sessions.session_resume, name="session_resume"),
    path("", include("accounts.urls")),
    path("", include("assessments.urls")),
    path("supervision/", include("supervision.urls")),
    path("cpd/", include("cpd.urls")),
    path("", include("service_actions.urls")),
    path("", include("reports.urls")),
    path("admin/", admin.site.urls),
]
