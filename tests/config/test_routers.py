"""With DATABASE_REPLICA_URL, the public pages read from the replica and everything else uses the primary."""

import pytest
from django.http import HttpResponse

from claims.models import Claim
from claims.public import PublicPageMiddleware
from config.routers import PublicReadsRouter, public_reads
from tests.config.test_settings import start_django


def test_a_replica_url_adds_the_replica_and_the_router():
    result = start_django(
        DJANGO_DEBUG="true",
        DATABASE_URL="postgres://app@primary:5432/claims",
        DATABASE_REPLICA_URL="postgres://app@replica:5432/claims",
        show="DATABASE_ROUTERS",
    )
    assert "'DATABASE_ROUTERS': ['config.routers.PublicReadsRouter']" in result.stdout, result.stderr


def test_without_a_replica_there_is_no_router():
    result = start_django(DJANGO_DEBUG="true", show="DATABASE_ROUTERS")
    assert "'DATABASE_ROUTERS': []" in result.stdout, result.stderr


def test_a_bad_replica_url_stops_start_up_naming_it():
    result = start_django(DJANGO_DEBUG="true", DATABASE_REPLICA_URL="mysql://replica/claims")
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL 'mysql://replica/claims' is not supported" in result.stderr


def test_public_reads_go_to_the_replica_and_the_rest_to_the_primary():
    router = PublicReadsRouter()
    token = public_reads.set(True)
    try:
        assert router.db_for_read(Claim) == "replica"
        assert router.db_for_write(Claim) == "default"
    finally:
        public_reads.reset(token)
    assert router.db_for_read(Claim) == "default"
    assert router.allow_migrate("default", "claims") and not router.allow_migrate("replica", "claims")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "public"),
    [("GET", "/en/claims/", True), ("HEAD", "/zh-hant/", True), ("POST", "/en/claims/", False), ("GET", "/admin/", False)],
)
def test_each_request_says_whether_it_is_a_public_read(rf, method, path, public):
    seen = []

    def view(request):
        seen.append(public_reads.get())
        return HttpResponse("a page")

    public_reads.set(not public)  # what a request before might have left
    PublicPageMiddleware(view)(rf.generic(method, path))
    assert seen == [public]


@pytest.mark.django_db
def test_what_runs_after_a_public_page_reads_from_the_primary_again(client):
    router = PublicReadsRouter()
    response = client.get("/en/data/claims.csv")  # streamed: it reads as it is sent
    assert public_reads.get() is True
    response.getvalue()  # sent to the end, and closed
    assert router.db_for_read(Claim) == "default"
    client.get("/en/claims/")
    assert router.db_for_read(Claim) == "default"
