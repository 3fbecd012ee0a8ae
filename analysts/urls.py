from django.urls import path

from analysts import views

app_name = "analysts"

urlpatterns = [
    path("reviews/", views.cycle_list, name="cycle-list"),
    path("reviews/<slug:label>/", views.cycle_report, name="cycle-report"),
    path("reviews/<slug:label>/report.csv", views.cycle_report_csv, name="cycle-report-csv"),
]
