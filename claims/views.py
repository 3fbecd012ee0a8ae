"""The public, read-only pages. Each answers GET and HEAD only and runs a fixed number of queries."""

import datetime
import json

from django.core.paginator import Paginator
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.safestring import mark_safe

from claims.anchoring import paragraphs, paragraphs_around
from claims.exports import claim_review
from claims.forms import ClaimFilterForm
from claims.models import CONFIDENCE_BANDS, Actor, Claim, ClaimKind, Scale, Source, Topic, Track
from claims.public import read_only
from claims.scorecard import by_author, by_source, tally
from claims.timetravel import AsOf

PAGE_SIZE = 25
DUE_WITHIN = datetime.timedelta(days=90)
DUE_SHOWN = 25  # the earliest due; the claim list shows them all
LATEST_UPDATES = 8
SOURCES_SHOWN = 5  # the latest essays; each links to its claims
SHOWN_PER_STAGE = 10  # on the ladders, the first claims at each stage; the count says how many more


def status_chart(counts):
    """Counts of claims per status, one group per scale, with bar widths in per cent of the group.

    `counts` is a tally: {(source id, kind, status, confidence): number of claims}.
    """
    groups = []
    for scale in Scale:
        members = {key: number for key, number in counts.items() if ClaimKind(key[1]).scale == scale}
        total = sum(members.values())
        bars = [
            {"status": status, "count": sum(number for key, number in members.items() if key[2] == status)}
            for status in scale.statuses
        ]
        for bar in bars:
            bar["percent"] = round(100 * bar["count"] / total, 1) if total else 0
        kind_counts = [(kind, sum(number for key, number in members.items() if key[1] == kind)) for kind in scale.kinds]
        groups.append({"kinds": kind_counts, "total": total, "bars": bars})
    return groups


def script_json(data):
    """JSON for a <script type="application/ld+json"> block, safe inside HTML."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return mark_safe(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@read_only
def home(request):
    as_of = AsOf.from_request(request)
    today = as_of.day or timezone.localdate()
    if as_of.day is None:
        # Counted by the database; the due list and the latest updates are read through indexes, a page at most.
        counts = Claim.objects.public().tally()
        due = list(as_of.claims().due_by(today + DUE_WITHIN)[:DUE_SHOWN])
        latest = as_of.updates().filter(claim__in=Claim.objects.public())
    else:
        # The tracker rebuilt from its history for a past day.
        claims = as_of.attach(as_of.claims())
        counts = tally(claims)
        due = sorted((claim for claim in claims if claim.is_due_by(today + DUE_WITHIN)), key=lambda claim: claim.due_on)[:DUE_SHOWN]
        latest = as_of.updates().filter(claim_id__in=[claim.pk for claim in claims])
    return render(
        request,
        "claims/home.html",
        {
            "as_of": as_of,
            "today": today,
            "sources": Source.objects.defer("text")[:SOURCES_SHOWN],
            "claim_count": sum(counts.values()),
            "chart": status_chart(counts),
            "due": due,
            "latest": as_of.mark_corrections(latest.order_by("-recorded")[:LATEST_UPDATES]),
        },
    )


@read_only
def claim_list(request):
    as_of = AsOf.from_request(request)
    form = ClaimFilterForm(request.GET)
    claims = form.filter(as_of.claims())
    page = Paginator(claims, PAGE_SIZE).get_page(request.GET.get("page"))
    keep = request.GET.copy()
    keep.pop("page", None)
    return render(
        request,
        "claims/claim_list.html",
        {
            "as_of": as_of,
            "form": form,
            "page": page,
            "claims": as_of.attach(page.object_list),
            "query": keep.urlencode(),
        },
    )


@read_only
def claim_detail(request, source, number):
    as_of = AsOf.from_request(request)
    claim = as_of.claims().filter(source__slug=source, number=number).first()
    if claim is None and as_of.day is not None:
        # A claim public today but not yet then: say so, rather than a bare "not found".
        today = get_object_or_404(Claim.objects.public().select_related("source"), source__slug=source, number=number)
        context = {"as_of": as_of, "claim": today, "made_public": today.made_public()}
        return render(request, "claims/claim_not_yet_public.html", context, status=404)
    if claim is None:
        raise Http404("No public claim with that number.")
    (claim,) = as_of.attach([claim])
    updates = list(as_of.updates().filter(claim_id=claim.pk).prefetch_related("evidence"))
    timeline = claim.timeline(updates)
    ladder = claim.ladder(timeline)
    neighbours = as_of.claims().filter(source_id=claim.source_id)
    previous = neighbours.filter(number__lt=claim.number).order_by("-number").first()
    following = neighbours.filter(number__gt=claim.number).order_by("number").first()
    page_url = request.build_absolute_uri(claim.get_absolute_url())
    review = claim_review(claim, page_url, request.build_absolute_uri(claim.source.get_absolute_url()))
    return render(
        request,
        "claims/claim_detail.html",
        {
            "as_of": as_of,
            "claim": claim,
            "context": paragraphs_around(claim.source.text, claim.start, claim.end, claim),
            "timeline": list(reversed(timeline)),
            "ladder": ladder,
            "evidence": list(as_of.evidence().filter(claim_id=claim.pk).order_by("-published_on", "pk")),
            "relations": claim.public_relations(),
            "previous": as_of.attach([previous])[0] if previous else None,
            "following": as_of.attach([following])[0] if following else None,
            "reviewed_unchanged": claim.reviewed_since(updates),
            "claim_review": script_json(review) if review else None,
        },
    )


@read_only
def source_list(request):
    sources = Source.objects.defer("text").annotate(claim_count=Count("claims", filter=Q(claims__in=Claim.objects.published())))
    sources = sources.order_by("-published_on", "title_en", "pk")
    return render(request, "claims/source_list.html", {"page": Paginator(sources, PAGE_SIZE).get_page(request.GET.get("page"))})


@read_only
def source_detail(request, slug):
    source = get_object_or_404(Source, slug=slug)
    claims = list(source.claims.published().select_related("source"))
    return render(
        request,
        "claims/source_detail.html",
        {
            "source": source,
            "claims": claims,
            "paragraphs": paragraphs(source.text, [(claim.start, claim.end, claim) for claim in claims]),
        },
    )


def claims_following(queryset):
    return queryset.public().select_related("source", "track", "stage__track")


def claims_at_stages(claims):
    """{(track id, stage id or None): {"count", "claims", "more"}} for `claims` (a queryset): how
    many stand at each stage, and the first few of them. Two queries, whatever their number."""
    places = {}
    for track, stage, count in claims.order_by().values_list("track_id", "stage_id").annotate(count=Count("pk")):
        places[track, stage] = {"count": count, "claims": [], "more": count}
    rank = Window(RowNumber(), partition_by=[F("track_id"), F("stage_id")], order_by=[F("source_id"), F("number")])
    for claim in claims.annotate(rank=rank).filter(rank__lte=SHOWN_PER_STAGE).select_related("source").order_by():
        place = places[claim.track_id, claim.stage_id]
        place["claims"].append(claim)
        place["more"] -= 1
    for place in places.values():
        place["claims"].sort(key=lambda claim: (claim.source_id, claim.number))
    return places


def ladder_of(track, places):
    empty = {"count": 0, "claims": [], "more": 0}
    stages = [{"stage": stage, **places.get((track.pk, stage.pk), empty)} for stage in track.stages.all()]
    return {
        "track": track,
        "stages": stages,
        "unplaced": places.get((track.pk, None), empty),
        "count": sum(place["count"] for (track_id, _), place in places.items() if track_id == track.pk),
    }


@read_only
def track_list(request):
    """Every track's ladder at a glance: at each stage, how many public claims stand there now, and the first few."""
    places = claims_at_stages(Claim.objects.public().filter(track__isnull=False))
    ladders = [ladder_of(track, places) for track in Track.objects.prefetch_related("stages")]
    return render(request, "claims/track_list.html", {"ladders": ladders})


def with_claim_counts(queryset):
    return queryset.annotate(claim_count=Count("claims", filter=Q(claims__in=Claim.objects.public())))


@read_only
def topic_list(request):
    return render(request, "claims/topic_list.html", {"topics": with_claim_counts(Topic.objects.all())})


@read_only
def actor_list(request):
    return render(request, "claims/actor_list.html", {"actors": with_claim_counts(Actor.objects.all())})


def page_of(request, claims):
    return Paginator(claims.order_by("source_id", "number"), PAGE_SIZE).get_page(request.GET.get("page"))


@read_only
def track_detail(request, slug):
    track = get_object_or_404(Track.objects.prefetch_related("stages"), slug=slug)
    ladder = ladder_of(track, claims_at_stages(Claim.objects.public().filter(track=track)))
    context = {"track": track, "stages": ladder["stages"], "page": page_of(request, claims_following(track.claims.all()))}
    return render(request, "claims/track_detail.html", context)


@read_only
def topic_detail(request, slug):
    topic = get_object_or_404(Topic, slug=slug)
    return render(request, "claims/topic_detail.html", {"topic": topic, "page": page_of(request, claims_following(topic.claims.all()))})


@read_only
def actor_detail(request, slug):
    actor = get_object_or_404(Actor, slug=slug)
    return render(request, "claims/actor_detail.html", {"actor": actor, "page": page_of(request, claims_following(actor.claims.all()))})


@read_only
def methodology(request):
    bands = [(band, probability, wording) for band, (probability, wording) in CONFIDENCE_BANDS.items()]
    return render(
        request,
        "claims/methodology.html",
        {"scales": list(Scale), "bands": bands, "tracks": Track.objects.prefetch_related("stages")},
    )


@read_only
def scorecard(request):
    as_of = AsOf.from_request(request)
    if as_of.day is None:
        counts = Claim.objects.published().tally()
    else:
        counts = tally(claim for claim in as_of.claims() if claim.state == Claim.State.PUBLISHED)
    sources = Source.objects.filter(pk__in={key[0] for key in counts}).defer("text")
    page = Paginator(sources, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "as_of": as_of,
        "authors": by_author(counts, sources.only("pk", "author", "author_en")),
        "sources": by_source(counts, page.object_list),
        "page": page,
    }
    return render(request, "claims/scorecard.html", context)
