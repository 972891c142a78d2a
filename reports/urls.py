from django.urls import path

from .views import analytics, exports, heatmap, national

app_name = "reports"
urlpatterns = [
    # A service lead's figures of their own service.
    path("services/<slug:slug>/heatmap/", heatmap.heatmap, name="heatmap"),
    path("services/<slug:slug>/heatmap.png", heatmap.heatmap_png, name="heatmap_png"),
    path("services/<slug:slug>/heatmap.svg", heatmap.heatmap_svg, name="heatmap_svg"),
    path("services/<slug:slug>/analytics/", analytics.analytics, name="analytics"),
    path("services/<slug:slug>/responses.csv", exports.responses_csv, name="responses_csv"),
    # Commissioners: services compared within one framework.
    path("national/", national.national, name="national"),
]
