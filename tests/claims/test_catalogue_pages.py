"""Track, topic, actor and methodology pages."""

import pytest

from claims.models import Actor, Claim, ClaimKind, ClaimStatus, Topic

pytestmark = pytest.mark.django_db


def test_track_page_shows_its_ladder_and_the_claims_at_each_stage(client, make_claim, record_update, track):
    claim = make_claim(track=track)
    make_claim("首相", track=track, state=Claim.State.DRAFT)
    record_update(claim, stage=track.stages.get(position=2))
    response = client.get("/en/tracks/constitutional-revision/")
    html = response.content.decode()
    assert html.index("No formal step") < html.index("Party draft") < html.index("Deliberation")
    assert [len(rung["claims"]) for rung in response.context["stages"]] == [0, 1, 0]
    assert list(response.context["page"].object_list) == [claim]


def test_topic_page_lists_public_claims_with_the_topic(client, make_claim):
    topic = Topic.objects.create(slug="alliance", name="美日同盟", name_en="Japan–US alliance")
    claim = make_claim()
    claim.topics.add(topic)
    make_claim("首相", state=Claim.State.DRAFT).topics.add(topic)
    response = client.get("/en/topics/alliance/")
    assert list(response.context["page"].object_list) == [claim]
    assert "Japan–US alliance" in response.content.decode()
    assert "美日同盟" in client.get("/zh-hant/topics/alliance/").content.decode()


def test_actor_page_lists_public_claims_naming_the_actor(client, make_claim):
    actor = Actor.objects.create(slug="takaichi", name="高市早苗", name_en="Takaichi Sanae")
    claim = make_claim()
    claim.actors.add(actor)
    response = client.get("/en/actors/takaichi/")
    assert list(response.context["page"].object_list) == [claim]
    assert "Takaichi Sanae" in response.content.decode()


@pytest.mark.parametrize("url", ["/en/tracks/none/", "/en/topics/none/", "/en/actors/none/"])
def test_unknown_catalogue_pages_are_404(client, db, url):
    assert client.get(url).status_code == 404


def test_methodology_defines_every_kind_and_status(client, track):
    html = client.get("/en/methodology/").content.decode()
    for definition in [*(kind.definition for kind in ClaimKind), *(status.definition for status in ClaimStatus)]:
        assert str(definition).replace("'", "&#x27;") in html
    assert "No formal step → Party draft → Deliberation" in html


def test_catalogue_pages_run_the_same_number_of_queries_with_few_or_many_claims(populate, count_queries, track):
    populate(2)
    few = count_queries("/en/tracks/constitutional-revision/")
    populate(20)
    assert count_queries("/en/tracks/constitutional-revision/") == few
