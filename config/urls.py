from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Claim tracker — analysts")
admin.site.site_title = _("Claim tracker")
admin.site.index_title = _("Claims, evidence and reviews")
# The sidebar repeats the index page and takes a quarter of a 1280 px screen from the lists.
admin.site.enable_nav_sidebar = False

# The 500 page shows the id that the log gives the request.
handler500 = "config.views.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
]

# The public pages, under /zh-hant/ and /en/. A request for / is redirected by
# LocaleMiddleware to the language the browser asks for.
urlpatterns += i18n_patterns(path("", include("claims.urls")), path("", include("analysts.urls")))
