import datetime

import pytest

from claims.anchoring import paragraphs
from claims.models import Claim

pytestmark = pytest.mark.django_db


def test_source_page_shows_the_whole_text_with_published_spans_linked(client, source, make_claim):
    claim = make_claim("高市將有更大空間推動修憲議程", kind=Claim.Kind.PREDICTION)
    make_claim("日本大幅增加國防支出", state=Claim.State.DRAFT)
    html = client.get("/en/sources/essay/").content.decode()
    assert f'<a class="span depth-1" href="{claim.get_absolute_url()}"' in html
    assert f'id="{claim.label}"' in html
    assert 'id="C2"' not in html
    assert source.content_hash in html


def test_nested_spans_link_each_segment_to_the_innermost_claim(client, make_claim):
    outer = make_claim("高市早苗首相啟程訪美")
    inner = make_claim("首相")
    html = client.get("/en/sources/essay/").content.decode()
    assert f'<a class="span depth-1" href="{outer.get_absolute_url()}" title="C1 ">高市早苗</a>' in html
    assert f'<a class="span depth-2" href="{inner.get_absolute_url()}" title="C2 C1 ">首相</a>' in html


def test_overlapping_spans_split_into_segments_that_rebuild_the_text():
    text = "一二三四五六七八"
    spans = [(0, 4, "a"), (2, 6, "b"), (3, 4, "c")]
    (paragraph,) = paragraphs(text, spans)
    assert "".join(segment.text for segment in paragraph.segments) == text
    assert [(segment.text, segment.covering) for segment in paragraph.segments] == [
        ("一二", ["a"]),
        ("三", ["a", "b"]),
        ("四", ["c", "a", "b"]),
        ("五六", ["b"]),
        ("七八", []),
    ]
    assert [segment.closing for segment in paragraph.segments] == [[], [], ["a", "c"], ["b"], []]


def test_paragraphs_follow_line_breaks_and_clip_spans_that_cross_them():
    text = "甲乙\n\n丙丁"
    first, second = paragraphs(text, [(1, 5, "x")])
    assert [segment.text for segment in first.segments] == ["甲", "乙"]
    assert [segment.covering for segment in second.segments] == [["x"], []]


def test_unknown_source_is_a_404(client, db):
    assert client.get("/en/sources/nothing/").status_code == 404


def test_source_page_runs_the_same_number_of_queries_with_few_or_many_claims(populate, count_queries):
    populate(2)
    few = count_queries("/en/sources/essay/")
    populate(20)
    assert count_queries("/en/sources/essay/") == few


def test_source_page_shows_its_original_address_and_publication_date(client, make_source):
    make_source(slug="dated", url="https://www.example.org/commentary/12345", published_on=datetime.date(2026, 3, 20))
    html = client.get("/en/sources/dated/").content.decode()
    assert '<a href="https://www.example.org/commentary/12345" rel="noopener">https://www.example.org/commentary/12345</a>' in html
    assert '<time datetime="2026-03-20">2026-03-20</time>' in html


def test_source_page_says_when_the_address_and_date_are_not_recorded(client, source):
    html = client.get("/en/sources/essay/").content.decode()
    assert html.count("<dd>not recorded</dd>") == 2


def test_source_page_has_a_link_preview(client, source):
    html = client.get("/en/sources/essay/").content.decode()
    assert '<meta property="og:title" content="A title">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:url" content="http://testserver/en/sources/essay/">' in html
