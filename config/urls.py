from django.contrib import admin
from django.urls import path

admin.site.site_header = "Claim tracker — analysts"
admin.site.site_title = "Claim tracker"
admin.site.index_title = "Claims, evidence and reviews"

urlpatterns = [
    path("admin/", admin.site.urls),
]
