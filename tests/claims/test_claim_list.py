import pytest

from claims.models import Actor, Claim, Confidence, Topic

pytestmark = pytest.mark.django_db
LIST = "/en/claims/"


@pytest.fixture
def claims(make_claim, track, record_update):
    fact = make_claim("高市早苗首相啟程訪美", text_en="Takaichi set out for Washington.")
    prediction = make_claim("高市將有更大空間推動修憲議程", kind=Claim.Kind.PREDICTION, track=track, text_en="More room for revision.")
    spending = make_claim("日本大幅增加國防支出", kind=Claim.Kind.PREDICTION, text_en="Defence spending rises sharply.")
    record_update(spending, status=Claim.Status.IN_PROGRESS)
    topic = Topic.objects.create(slug="defence", name="國防", name_en="Defence")
    spending.topics.add(topic)
    actor = Actor.objects.create(slug="takaichi", name="高市早苗", name_en="Takaichi Sanae")
    fact.actors.add(actor)
    make_claim("首相", state=Claim.State.DRAFT, text_en="A draft.")
    return {"fact": fact, "prediction": prediction, "spending": spending}


def listed(client, query=""):
    response = client.get(LIST + query)
    assert response.status_code == 200
    return [claim.number for claim in response.context["claims"]]


def test_list_shows_public_claims_in_order(client, claims):
    assert listed(client) == [1, 2, 3]


@pytest.mark.parametrize(
    ("query", "numbers"),
    [
        ("?kind=prediction", [2, 3]),
        ("?status=in_progress", [3]),
        ("?topic=defence", [3]),
        ("?actor=takaichi", [1]),
        ("?track=constitutional-revision", [2]),
        ("?source=essay", [1, 2, 3]),
        ("?q=Washington", [1]),
        ("?q=修憲", [2]),
        ("?kind=prediction&q=sharply", [3]),
    ],
)
def test_list_filters_live_in_the_query_string(client, claims, query, numbers):
    assert listed(client, query) == numbers


def test_list_ignores_an_unknown_filter_value_and_says_so(client, claims):
    response = client.get(LIST + "?kind=rumour")
    assert [claim.number for claim in response.context["claims"]] == [1, 2, 3]
    assert "Some filters were not understood" in response.content.decode()


def test_list_rows_show_number_quote_english_status_and_stage(client, claims, record_update, track):
    record_update(claims["prediction"], stage=track.stages.get(position=2))
    html = client.get(LIST).content.decode()
    assert ">C2</a>" in html
    assert "高市將有更大空間推動修憲議程" in html
    assert "More room for revision." in html
    assert "In progress" in html
    assert "Party draft" in html


def test_list_is_paginated_and_pages_keep_the_filters(client, make_claim):
    for _ in range(30):
        make_claim(kind=Claim.Kind.PREDICTION)
    first = client.get(LIST + "?kind=prediction")
    assert len(first.context["claims"]) == 25
    assert "?kind=prediction&amp;page=2" in first.content.decode()
    second = client.get(LIST + "?kind=prediction&page=2")
    assert len(second.context["claims"]) == 5


def test_list_runs_the_same_number_of_queries_with_few_or_many_claims(populate, count_queries):
    populate(2)
    few = count_queries(LIST + "?kind=prediction")
    populate(20)
    assert count_queries(LIST + "?kind=prediction") == few


def test_list_rows_show_a_predictions_confidence_band_and_wording(client, make_claim):
    make_claim("高市將有更大空間推動修憲議程", kind=Claim.Kind.PREDICTION, confidence=Confidence.NEAR_CERTAIN)
    make_claim("日本大幅增加國防支出")
    html = client.get("/en/claims/").content.decode()
    assert html.count('<p class="confidence-line">') == 1
    assert (
        '<p class="confidence-line">Confidence: <strong>Near certain (90%)</strong> · '
        "Presented as settled, obvious or already under way: 顯然, 必然, 必將, or taken for granted.</p>"
    ) in html
    assert "信心程度: <strong>幾近確定 (90%)</strong>" in client.get("/zh-hant/claims/").content.decode()
