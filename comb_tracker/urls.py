from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views

# A post too large to read gets a page saying nothing was saved (413), not a bare 400.
handler400 = "comb_tracker.errors.bad_request"

admin.site.site_header = "COM-B Tracker administration"
admin.site.site_title = "COM-B Tracker admin"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("accounts.urls")),
    path("", include("assessments.urls")),
    path("supervision/", include("supervision.urls")),
    path("admin/", admin.site.urls),
]
