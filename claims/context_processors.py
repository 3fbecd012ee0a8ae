from claims.models import Source


def navigation(request):
    """The sources linked from every page's navigation (evaluated only when a page shows them)."""
    return {"nav_sources": Source.objects.only("slug", "title", "title_en")}
