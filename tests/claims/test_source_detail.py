import datetime

import pytest

from claims.anchoring import paragraphs
from claims.models import Claim

pytestmark = pytest.mark.django_db


def test_source_page_shows_the_whole_text_with_published_spans_linked(client, source, make_claim):
    claim = make_claim("高市將有更大空間推動修憲議程", kind=Claim.Kind.PREDICTION)
    make_claim("日本大幅增加國防支出", state=Claim.State.DRAFT)
    html = client.get("/en/sources/essay/").content.decode()
    assert f'<a class="span depth-1 group-not-rated" href="{claim.get_absolute_url()}"' in html
    assert f'id="{claim.label}"' in html
    assert 'id="C2"' not in html
    assert source.content_hash in html


def test_nested_spans_link_each_segment_to_the_innermost_claim(client, make_claim):
    outer = make_claim("高市早苗首相啟程訪美")
    inner = make_claim("首相", status=Claim.Status.ACCURATE)
    html = client.get("/en/sources/essay/").content.decode()
    assert f'<a class="span depth-1 group-not-rated" href="{outer.get_absolute_url()}" title="C1 ">高市早苗</a>' in html
    assert f'<a class="span depth-2 group-accurate" href="{inner.get_absolute_url()}" title="C2 C1 ">首相</a>' in html


def test_each_passage_is_coloured_by_its_claims_status_group_and_its_marker_names_the_status(client, make_claim):
    prediction = make_claim("高市將有更大空間推動修憲議程", kind=Claim.Kind.PREDICTION, status=Claim.Status.STALLED)
    failed = make_claim("日本大幅增加國防支出", kind=Claim.Kind.PREDICTION, status=Claim.Status.NOT_FULFILLED)
    html = client.get("/en/sources/essay/").content.decode()
    assert f'<a class="span depth-1 group-in-progress" href="{prediction.get_absolute_url()}"' in html
    assert f'<a class="span depth-1 group-not-fulfilled" href="{failed.get_absolute_url()}"' in html
    assert (
        f'<sup class="marker symbol-not-fulfilled"><a href="{failed.get_absolute_url()}" lang="en">C2</a>'
        '<span class="visually-hidden"> (Not fulfilled)</span></sup>'
    ) in html


def test_essay_legend_names_every_status_group_in_the_readers_language(client, source):
    english = client.get("/en/sources/essay/").content.decode()
    chinese = client.get("/zh-hant/sources/essay/").content.decode()
    for group in ("not-rated", "accurate", "inaccurate", "in-progress", "fulfilled", "not-fulfilled", "unjudged"):
        assert f'<span class="swatch group-{group}" lang="zh-Hant" aria-hidden="true">文字</span>' in english
    assert "Accurate or mostly accurate</li>" in english
    assert "正確或大致正確</li>" in chinese


def test_english_page_lists_each_paragraphs_claims_in_english_after_it(client, make_claim):
    claim = make_claim("高市將有更大空間推動修憲議程", kind=Claim.Kind.PREDICTION, text_en="Takaichi will have more room to push revision.")
    html = client.get("/en/sources/essay/").content.decode()
    paragraph_end = html.index("</p>", html.index(f'id="{claim.label}"'))
    assert html[paragraph_end:].startswith(
        f'</p><ul class="essay-claims" lang="en"><li><a class="claim-number" href="{claim.get_absolute_url()}">C1</a>'
        ' — Takaichi will have more room to push revision. <span class="badge status-not_rated">Not yet rated</span></li></ul>'
    )


def test_chinese_page_shows_no_english_propositions_in_the_essay(client, make_claim):
    make_claim("高市將有更大空間推動修憲議程", text_en="Takaichi will have more room to push revision.")
    html = client.get("/zh-hant/sources/essay/").content.decode()
    assert 'class="essay-claims"' not in html
    assert "Takaichi will have more room" not in html


def test_a_paragraphs_items_are_the_spans_starting_in_it_once_each_in_reading_order():
    text = "一二三四\n五六"
    (first, second) = paragraphs(text, [(2, 4, "b"), (0, 3, "a"), (1, 2, "c"), (3, 6, "d")])
    assert first.items == ["a", "c", "b", "d"]
    assert second.items == []  # "d" started in the first paragraph


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
