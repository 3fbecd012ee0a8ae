from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Claim tracker — analysts"
admin.site.site_title = "Claim tracker"
admin.site.index_title = "Claims, evidence and reviews"

# The 500 page shows the id that the log gives the request.
handler500 = "config.views.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
]

# The public pages, under /zh-hant/ and /en/. A request for / is redirected by
# LocaleMiddleware to the language the browser asks for.
urlpatterns += i18n_patterns(path("", include("claims.urls")), path("", include("analysts.urls")))
