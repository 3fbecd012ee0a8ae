"""Search by claim number and by several words: the public list, the admin list, its autocompletes and the queue."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from analysts.models import Assignment, ReviewCycle
from claims.models import Actor, Claim, Topic

pytestmark = pytest.mark.django_db
LIST = "/en/claims/"


@pytest.fixture
def claims(make_claim, record_update):
    revision = make_claim("高市將有更大空間推動修憲議程", kind=Claim.Kind.PREDICTION, number=87, text_en="Room to push constitutional revision.")
    spending = make_claim("日本大幅增加國防支出", number=187, text_en="Japan raises defence spending sharply.")
    trip = make_claim("高市早苗首相啟程訪美", number=8, text_en="The prime minister set out for Washington.")
    takaichi = Actor.objects.create(slug="takaichi", name="高市早苗", name_en="Takaichi Sanae")
    revision.actors.add(takaichi)
    trip.actors.add(takaichi)
    security = Topic.objects.create(slug="security", name="安全保障", name_en="Security")
    spending.topics.add(security)
    record_update(spending, status=Claim.Status.ACCURATE, rationale="The cabinet approved the budget.")
    record_update(spending, status=Claim.Status.ACCURATE, rationale="The Diet passed the budget.")
    make_claim("高市將有更大空間推動修憲議程", number=88, state=Claim.State.DRAFT, text_en="A draft on constitutional revision.")
    return {"revision": revision, "spending": spending, "trip": trip}


def listed(client, q, **params):
    response = client.get(LIST, {"q": q, **params})
    assert response.status_code == 200
    return [claim.number for claim in response.context["claims"]]


@pytest.mark.parametrize("q", ["C87", "c87", "87", " C87 "])
def test_list_finds_a_claim_by_its_number(client, claims, q):
    assert listed(client, q) == [87]


def test_a_number_too_long_for_any_claim_finds_nothing_and_breaks_nothing(client, claims):
    assert listed(client, "C" + "9" * 30) == []


@pytest.mark.parametrize(
    ("q", "numbers"),
    [
        ("Takaichi constitutional", [87]),  # an actor's English name and the English text
        ("takaichi", [8, 87]),
        ("高市 修憲", [87]),  # the actor's Chinese name and the quote
        ("修憲", [87]),  # a substring of the quote; drafts are never found
        ("安全保障", [187]),  # a topic's Chinese name
        ("security sharply", [187]),  # a topic's English name and the English text
        ("budget", [187]),  # two rationales match, the claim is listed once
        ("Diet cabinet", [187]),  # words may match different rationales
        ("Takaichi budget", []),  # every word must match
    ],
)
def test_list_search_needs_every_word_to_match_somewhere(client, claims, q, numbers):
    assert listed(client, q) == numbers


def test_list_search_works_on_a_past_day(client, claims):
    today = timezone.localdate().isoformat()
    assert listed(client, "C87", as_of=today) == [87]
    assert listed(client, "Takaichi Washington", as_of=today) == [8]


def test_list_search_runs_the_same_number_of_queries_with_few_or_many_claims(populate, count_queries):
    populate(2)
    few = count_queries(LIST + "?q=Claim+number+C1")
    populate(20)
    assert count_queries(LIST + "?q=Claim+number+C1") == few


@pytest.fixture
def logged_in(client, analyst):
    client.force_login(analyst)
    return client


@pytest.mark.parametrize(("q", "numbers"), [("C87", {87}), ("87", {87}), ("Takaichi constitutional", {87}), ("高市 修憲", {87, 88})])
def test_admin_claim_list_finds_claims_by_number_and_by_every_word(logged_in, claims, q, numbers):
    response = logged_in.get(reverse("admin:claims_claim_changelist"), {"q": q})
    assert {claim.number for claim in response.context["cl"].result_list} == numbers


def test_claim_autocomplete_finds_a_claim_by_number(logged_in, claims):
    response = logged_in.get(
        reverse("admin:autocomplete"),
        {"term": "C87", "app_label": "claims", "model_name": "update", "field_name": "claim"},
    )
    assert response.status_code == 200
    assert [result["id"] for result in response.json()["results"]] == [str(claims["revision"].pk)]


def test_review_queue_finds_reviews_by_claim_number_and_words(logged_in, analyst, claims):
    cycle = ReviewCycle.objects.create(label="2026-11", starts_on=datetime.date(2026, 11, 1), ends_on=datetime.date(2026, 11, 30))
    for claim in claims.values():
        Assignment.objects.create(cycle=cycle, claim=claim, analyst=analyst)
    url = reverse("admin:analysts_assignment_changelist")
    for q, numbers in [("C87", {87}), ("87", {87}), ("takaichi", {8, 87}), ("budget Diet", {187})]:
        response = logged_in.get(url, {"q": q, "queue": "all"})
        assert {review.claim.number for review in response.context["cl"].result_list} == numbers, q


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only")
@pytest.mark.parametrize(
    ("field", "word", "index"),
    [("quote", "推動修憲", "claim_quote_trgm"), ("text_en", "Constitutional", "claim_text_en_trgm")],
)
def test_search_can_use_a_trigram_index_on_postgresql(claims, field, word, index):
    # pg_trgm needs three characters in a row to use the index (修憲 alone is read from the whole index).
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a handful of rows would be read in full otherwise
    plan = Claim.objects.filter(**{f"{field}__icontains": word}).order_by().explain()
    assert f"Bitmap Index Scan on {index}" in plan
