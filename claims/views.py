"""The public, read-only pages. Each answers GET and HEAD only and runs a fixed number of queries."""

import datetime
import json

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.safestring import mark_safe

from claims.anchoring import paragraphs, paragraphs_around
from claims.exports import claim_review
from claims.forms import ClaimFilterForm
from claims.models import CONFIDENCE_BANDS, Actor, Claim, Scale, Source, Topic, Track
from claims.public import read_only
from claims.scorecard import by_source_and_author
from claims.timetravel import AsOf

PAGE_SIZE = 25
DUE_WITHIN = datetime.timedelta(days=90)
LATEST_UPDATES = 8


def status_chart(claims):
    """Counts of claims per status, one group per scale, with bar widths in per cent of the group."""
    groups = []
    for scale in Scale:
        members = [claim for claim in claims if claim.scale == scale]
        bars = [
            {"status": status, "count": sum(claim.status == status for claim in members)}
            for status in scale.statuses
        ]
        for bar in bars:
            bar["percent"] = round(100 * bar["count"] / len(members), 1) if members else 0
        kind_counts = [(kind, sum(claim.kind == kind for claim in members)) for kind in scale.kinds]
        groups.append({"kinds": kind_counts, "total": len(members), "bars": bars})
    return groups


def script_json(data):
    """JSON for a <script type="application/ld+json"> block, safe inside HTML."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return mark_safe(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@read_only
def home(request):
    as_of = AsOf.from_request(request)
    today = as_of.day or timezone.localdate()
    claims = as_of.attach(as_of.claims())
    due = sorted(
        (
            claim
            for claim in claims
            if claim.scale == Scale.PROGRESS and claim.due_on and claim.due_on <= today + DUE_WITHIN and not claim.is_final
        ),
        key=lambda claim: claim.due_on,
    )
    public_ids = [claim.pk for claim in claims]
    latest = as_of.mark_corrections(as_of.updates().filter(claim_id__in=public_ids).order_by("-recorded")[:LATEST_UPDATES])
    return render(
        request,
        "claims/home.html",
        {
            "as_of": as_of,
            "today": today,
            "sources": Source.objects.all(),
            "claim_count": len(claims),
            "chart": status_chart(claims),
            "due": due,
            "latest": latest,
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


@read_only
def track_list(request):
    """Every track's ladder at a glance: at each stage, the public claims that stand there now."""
    claims = list(Claim.objects.public().filter(track__isnull=False).select_related("source"))
    ladders = []
    for track in Track.objects.prefetch_related("stages"):
        following = [claim for claim in claims if claim.track_id == track.pk]
        stages = [{"stage": stage, "claims": [claim for claim in following if claim.stage_id == stage.pk]} for stage in track.stages.all()]
        unplaced = [claim for claim in following if claim.stage_id is None]
        ladders.append({"track": track, "stages": stages, "unplaced": unplaced, "count": len(following)})
    return render(request, "claims/track_list.html", {"ladders": ladders})


def with_claim_counts(queryset):
    return queryset.annotate(claim_count=Count("claims", filter=Q(claims__in=Claim.objects.public())))


@read_only
def topic_list(request):
    return render(request, "claims/topic_list.html", {"topics": with_claim_counts(Topic.objects.all())})


@read_only
def actor_list(request):
    return render(request, "claims/actor_list.html", {"actors": with_claim_counts(Actor.objects.all())})


@read_only
def track_detail(request, slug):
    track = get_object_or_404(Track, slug=slug)
    claims = list(claims_following(track.claims.all()))
    stages = [{"stage": stage, "claims": [claim for claim in claims if claim.stage_id == stage.pk]} for stage in track.stages.all()]
    return render(request, "claims/track_detail.html", {"track": track, "stages": stages, "claims": claims})


@read_only
def topic_detail(request, slug):
    topic = get_object_or_404(Topic, slug=slug)
    return render(request, "claims/topic_detail.html", {"topic": topic, "claims": claims_following(topic.claims.all())})


@read_only
def actor_detail(request, slug):
    actor = get_object_or_404(Actor, slug=slug)
    return render(request, "claims/actor_detail.html", {"actor": actor, "claims": claims_following(actor.claims.all())})


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
    claims = [claim for claim in as_of.attach(as_of.claims()) if claim.state == Claim.State.PUBLISHED]
    authors, sources = by_source_and_author(claims)
    return render(request, "claims/scorecard.html", {"as_of": as_of, "authors": authors, "sources": sources})
