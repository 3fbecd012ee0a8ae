"""The index pages: every track's ladder, every topic and every actor."""

import pytest
from django.test import Client

from claims.models import Actor, Claim, Topic

pytestmark = pytest.mark.django_db
INDEXES = ["/en/tracks/", "/en/topics/", "/en/actors/", "/zh-hant/tracks/", "/zh-hant/topics/", "/zh-hant/actors/"]


@pytest.fixture
def named():
    alliance = Topic.objects.create(slug="alliance", name="美日同盟", name_en="Japan–US alliance")
    Topic.objects.create(slug="economy", name="經濟", name_en="Economy")
    takaichi = Actor.objects.create(slug="takaichi", name="高市早苗", name_en="Takaichi Sanae")
    return alliance, takaichi


def test_track_index_shows_each_ladder_with_the_claims_at_each_stage(client, make_claim, record_update, track):
    placed = make_claim(track=track)
    record_update(placed, stage=track.stages.get(position=2))
    waiting = make_claim("日本大幅增加國防支出", track=track)
    make_claim("高市將有更大空間推動修憲議程", track=track, state=Claim.State.DRAFT)
    response = client.get("/en/tracks/")
    (ladder,) = response.context["ladders"]
    assert [[claim.number for claim in rung["claims"]] for rung in ladder["stages"]] == [[], [placed.number], []]
    assert ladder["unplaced"]["claims"] == [waiting]
    assert ladder["count"] == 2
    html = response.content.decode()
    assert html.index("No formal step") < html.index("Party draft") < html.index(">C1</a>") < html.index("Deliberation")
    assert 'href="/en/tracks/constitutional-revision/"' in html
    assert ">C3<" not in html  # the draft


def test_track_index_names_tracks_in_the_readers_language(client, track):
    assert "Constitutional revision" in client.get("/en/tracks/").content.decode()
    html = client.get("/zh-hant/tracks/").content.decode()
    assert "修憲" in html
    assert "進程" in html  # the navigation and heading are translated


def test_topic_index_counts_public_claims_per_topic(client, make_claim, named):
    alliance, _ = named
    make_claim().topics.add(alliance)
    make_claim("日本大幅增加國防支出", state=Claim.State.WITHDRAWN, withdrawal_reason="Duplicate.").topics.add(alliance)
    make_claim("首相", state=Claim.State.DRAFT).topics.add(alliance)
    response = client.get("/en/topics/")
    assert {topic.slug: topic.claim_count for topic in response.context["topics"]} == {"alliance": 2, "economy": 0}
    html = response.content.decode()
    assert 'href="/en/topics/alliance/"' in html
    assert "Japan–US alliance" in html
    assert "美日同盟" in client.get("/zh-hant/topics/").content.decode()


def test_actor_index_counts_public_claims_per_actor(client, make_claim, named):
    _, takaichi = named
    make_claim().actors.add(takaichi)
    make_claim("首相", state=Claim.State.DRAFT).actors.add(takaichi)
    response = client.get("/en/actors/")
    assert [(actor.slug, actor.claim_count) for actor in response.context["actors"]] == [("takaichi", 1)]
    assert 'href="/en/actors/takaichi/"' in response.content.decode()
    assert "高市早苗" in client.get("/zh-hant/actors/").content.decode()


def test_index_pages_are_in_the_navigation(client, track):
    html = client.get("/en/").content.decode()
    for url in ("/en/tracks/", "/en/topics/", "/en/actors/"):
        assert f'href="{url}"' in html


@pytest.mark.parametrize("url", INDEXES)
def test_index_pages_refuse_a_post_with_405(url, db):
    response = Client(enforce_csrf_checks=True).post(url)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("url", INDEXES[:3])
def test_index_pages_run_the_same_number_of_queries_with_few_or_many_claims(url, populate, count_queries, named):
    def link(claims):
        for claim in claims:
            claim.topics.add(*Topic.objects.all())
            claim.actors.add(*Actor.objects.all())

    link(populate(2))
    few = count_queries(url)
    link(populate(20))
    Topic.objects.create(slug="trade", name="貿易", name_en="Trade")
    Actor.objects.create(slug="trump", name="川普", name_en="Donald Trump")
    assert count_queries(url) == few


def test_a_ladder_shows_the_first_claims_at_a_stage_and_counts_the_rest(client, make_claim, track, record_update):
    stage = track.stages.get(slug="party-draft")
    for _ in range(12):
        record_update(make_claim(track=track), stage=stage)
    ladder = client.get("/en/tracks/").context["ladders"][0]
    rung = next(rung for rung in ladder["stages"] if rung["stage"] == stage)
    assert (rung["count"], len(rung["claims"]), rung["more"]) == (12, 10, 2)
    assert [claim.number for claim in rung["claims"]] == list(range(1, 11))
    assert ladder["count"] == 12


def test_topic_page_is_paginated_with_its_count(client, make_claim):
    topic = Topic.objects.create(slug="constitution", name="修憲", name_en="Constitution")
    for _ in range(30):
        make_claim().topics.add(topic)
    first = client.get("/en/topics/constitution/")
    second = client.get("/en/topics/constitution/?page=2")
    assert (first.context["page"].paginator.count, len(first.context["page"].object_list)) == (30, 25)
    assert len(second.context["page"].object_list) == 5
    assert "30 claims" in first.content.decode()


def test_navigation_links_the_essay_while_there_is_one_and_the_essay_list_once_there_are_more(client, make_source, make_claim):
    make_claim()
    one = client.get("/en/claims/").content.decode()
    assert 'href="/en/sources/essay/">Essay</a>' in one
    make_source(slug="second-essay")
    two = client.get("/en/claims/").content.decode()
    assert 'href="/en/sources/">Essays</a>' in two
    listing = client.get("/en/sources/")
    assert {source.slug for source in listing.context["page"].object_list} == {"essay", "second-essay"}
    assert "second-essay" in listing.content.decode()


def test_claim_list_takes_the_source_as_typed_text_once_there_are_many_sources(client, make_source, make_claim):
    from claims.forms import SOURCES_IN_A_LIST

    make_claim()
    assert '<select name="source"' in client.get("/en/claims/").content.decode()
    for number in range(SOURCES_IN_A_LIST):
        make_source(slug=f"essay-{number}")
    html = client.get("/en/claims/?source=essay").content.decode()
    assert '<select name="source"' not in html and 'name="source"' in html
    assert client.get("/en/claims/?source=essay").context["page"].paginator.count == 1


def test_claim_list_runs_as_many_queries_with_one_essay_as_with_many(make_source, make_claim, count_queries):
    from claims.forms import SOURCES_IN_A_LIST

    make_claim()
    few = count_queries("/en/claims/")
    for number in range(SOURCES_IN_A_LIST):
        make_source(slug=f"essay-{number}")
    assert count_queries("/en/claims/") == few
