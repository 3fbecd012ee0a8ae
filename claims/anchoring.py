"""Cut a source text into paragraphs and segments so that claim spans can be highlighted.

Spans may overlap or nest. Every span boundary starts a new segment, and each
segment knows every span that covers it, innermost (shortest) first, so a page
can link the segment to the most specific claim and shade it by depth.
"""

import re
from dataclasses import dataclass, field

PARAGRAPH = re.compile(r"[^\n]+")


@dataclass
class Segment:
    text: str
    covering: list = field(default_factory=list)  # items covering it, innermost first
    opening: list = field(default_factory=list)  # items whose span starts here
    closing: list = field(default_factory=list)  # items whose span ends here

    @property
    def innermost(self):
        return self.covering[0] if self.covering else None


@dataclass
class Paragraph:
    start: int
    end: int
    segments: list

    @property
    def items(self):
        """Every item whose span starts in this paragraph (not one carried over from the last), once, in reading order."""
        found = []
        for segment in self.segments:
            found.extend(item for item in segment.opening if item not in found)
        return found


def paragraphs(text, spans):
    """Split `text` into paragraphs of segments; `spans` is a list of (start, end, item)."""
    result = []
    for match in PARAGRAPH.finditer(text):
        first, last = match.span()
        if not text[first:last].strip():
            continue
        inside = [(start, end, item) for start, end, item in spans if start < last and end > first]
        bounds = sorted({first, last, *(max(s, first) for s, _, _ in inside), *(min(e, last) for _, e, _ in inside)})
        segments = []
        for left, right in zip(bounds, bounds[1:]):
            covering = sorted(
                ((end - start, start, item) for start, end, item in inside if start <= left and right <= end),
                key=lambda entry: entry[:2],
            )
            segments.append(
                Segment(
                    text=text[left:right],
                    covering=[item for _, _, item in covering],
                    opening=[item for start, _, item in inside if start == left],
                    closing=[item for _, end, item in inside if end == right],
                )
            )
        result.append(Paragraph(start=first, end=last, segments=segments))
    return result


def paragraphs_around(text, start, end, item):
    """The paragraphs that hold the span [start, end), with only that span marked."""
    return [paragraph for paragraph in paragraphs(text, [(start, end, item)]) if paragraph.start < end and paragraph.end > start]
