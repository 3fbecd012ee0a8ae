from claims.models import Source


def navigation(request):
    """The navigation's essay link: the essay itself while there is one, else the list of essays.

    Read lazily, with at most two rows, only by a page that shows the navigation.
    """
    return {"nav_sources": Source.objects.only("slug")[:2]}
