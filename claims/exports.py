"""Open data: every published claim as JSON and CSV, the site's CSV writer, and schema.org ClaimReview."""

import csv
import json

from django.http import StreamingHttpResponse
from django.utils import timezone, translation

from claims.models import CONFIDENCE_BANDS, Claim, ClaimStatus
from claims.public import read_only

# The columns of both exports, in order: the JSON key, then the CSV's column label.
COLUMNS = {
    "source": "Source",
    "number": "Number",
    "label": "Claim",
    "quote": "Quote (the source's words)",
    "start": "Quote starts at character",
    "end": "Quote ends before character",
    "text_en": "Proposition (English)",
    "text_zh_hant": "Proposition (Traditional Chinese)",
    "kind": "Kind",
    "status": "Status",
    "stage": "Stage",
    "track": "Track",
    "resolution_criteria": "Resolution criteria (English)",
    "resolution_criteria_zh_hant": "Resolution criteria (Traditional Chinese)",
    "confidence": "Confidence",
    "confidence_probability": "Confidence as a probability",
    "event_on": "Event date",
    "due_on": "Due date",
    "next_review_on": "Next review",
    "updated": "Last changed",
    "url": "Page",
}
FIELDS = list(COLUMNS)

CHUNK = 2000  # rows read from the database at a time: claims here, updates in a review's CSV

# A spreadsheet reads a cell starting with one of these as a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def isoformat(value):
    return value.isoformat() if value is not None else None


def published_claims():
    """Every published claim, read in chunks through a server-side cursor on PostgreSQL.

    Everything a row reads is joined in (but not the source's text), so the query count is fixed,
    and the memory a download takes does not grow with the number of claims.
    """
    claims = Claim.objects.published().select_related("source", "stage", "track").defer("source__text")
    return claims.order_by("source__slug", "number").iterator(chunk_size=CHUNK)


def claim_row(claim, request):
    """One claim as a flat dict of FIELDS, with plain strings, numbers and None."""
    return {
        "source": claim.source.slug,
        "number": claim.number,
        "label": claim.label,
        "quote": claim.quote,
        "start": claim.start,
        "end": claim.end,
        "text_en": claim.text_en,
        "text_zh_hant": claim.text_zh_hant,
        "kind": claim.kind,
        "status": claim.status,
        "stage": claim.stage.slug if claim.stage else None,
        "track": claim.track.slug if claim.track else None,
        "resolution_criteria": claim.resolution_criteria,
        "resolution_criteria_zh_hant": claim.resolution_criteria_zh_hant,
        "confidence": claim.confidence or None,
        "confidence_probability": CONFIDENCE_BANDS[claim.confidence][0] if claim.confidence else None,
        "event_on": isoformat(claim.event_on),
        "due_on": isoformat(claim.due_on),
        "next_review_on": isoformat(claim.next_review_on),
        "updated": isoformat(claim.updated),
        "url": request.build_absolute_uri(claim.get_absolute_url()),
    }


def spreadsheet_cell(value):
    """`value` as a CSV cell that a spreadsheet shows as text, never runs as a formula.

    Text starting with = + - @, a tab or a carriage return gets a leading ' (OWASP's rule, even
    for "-5"), which makes a spreadsheet take the cell as text. Numbers stay numbers.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class Line:
    """A file-like object whose write() returns what it was given: csv.writer then yields lines."""

    def write(self, text):
        return text


def csv_response(filename, header, rows):
    """The site's one CSV writer: a download of `rows` under `header`, every cell formula-safe.

    The file is streamed as the rows come, so a large download holds one row at a time in memory.
    """
    writer = csv.writer(Line())

    def lines():
        # The byte order mark tells Excel the file is UTF-8, so the Chinese quotes open legibly.
        yield "\ufeff" + writer.writerow(list(header))
        for row in rows:
            yield writer.writerow([spreadsheet_cell(value) for value in row])

    return StreamingHttpResponse(
        lines(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@read_only
def claims_json(request):
    """{"claims": [...], "count": n}, streamed claim by claim: the download starts before the query runs,
    and the count, given last, is the number of claims the file holds."""

    def chunks():
        yield '{\n "claims": ['
        count = 0
        for claim in published_claims():
            text = json.dumps(claim_row(claim, request), ensure_ascii=False, indent=1).replace("\n", "\n  ")
            yield ("," if count else "") + "\n  " + text
            count += 1
        yield f'\n ],\n "count": {count}\n}}\n'

    return StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")


@read_only
def claims_csv(request):
    rows = (claim_row(claim, request) for claim in published_claims())
    return csv_response("claims.csv", COLUMNS.values(), ([row[field] for field in FIELDS] for row in rows))


def claim_review(claim, page_url, source_url):
    """schema.org ClaimReview JSON-LD for a claim with a verdict; None for any other claim.

    Only a veracity verdict on the scale is a fact check (ClaimStatus.is_verdict): a claim not yet
    rated, unverifiable, or on the progress scale of predictions and positions gets none.

    `page_url` is the claim's page and `source_url` our copy of the source, the
    claim's first appearance when the source has no address of its own.
    """
    if not ClaimStatus(claim.status).is_verdict:
        return None
    # The fact check was published when its first standing rating was recorded.
    first_rating = claim.live_updates().exclude(status="").order_by("recorded", "pk").first()
    published = first_rating.recorded if first_rating else claim.updated
    with translation.override("en"):
        status_label = str(claim.get_status_display())
    rating = ClaimStatus(claim.status).rating
    source = claim.source

    author = {"@type": "Person", "name": source.author_en or source.author}
    if affiliation := source.author_affiliation_en or source.author_affiliation:
        author["affiliation"] = {"@type": "Organization", "name": affiliation}
    first_appearance = {"@type": "CreativeWork", "url": source.url or source_url, "headline": source.title}
    if publisher := source.publisher_en or source.publisher:
        first_appearance["publisher"] = {"@type": "Organization", "name": publisher}
    item_reviewed = {"@type": "Claim", "author": author, "firstAppearance": first_appearance}
    if source.published_on:
        item_reviewed["datePublished"] = source.published_on.isoformat()
    if source.url and source.url != source_url:
        # Our copy of the full text, with the claim anchored in it.
        item_reviewed["appearance"] = [{"@type": "CreativeWork", "url": source_url}]

    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": page_url,
        "claimReviewed": claim.text_en,
        "datePublished": timezone.localdate(published).isoformat(),
        "dateModified": timezone.localdate(claim.updated).isoformat(),
        "author": {"@type": "Organization", "name": "Claim tracker"},
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": rating,
            "bestRating": claim.scale.best_rating,
            "worstRating": 1,
            "alternateName": status_label,
        },
        "itemReviewed": item_reviewed,
    }
