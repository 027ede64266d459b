"""A PDF page as it is seen: ruling lines squared, and only what shows on it.

Two things about a printed page that pdfplumber takes literally:

* A line is horizontal for its table finder only where its two ends' heights are
  exactly equal. A page stored upright and turned by ``/Rotate`` (as many PDF printers
  store a landscape page) gives its lines' ends heights a hair apart
  (92.055936999 against 92.055937000), so no line was horizontal and no table was
  found (helper-16). ``squared`` puts ends within ``SNAP`` points of each other level.
* A page shows only what lies inside its crop box. A table printed past the page's
  edge, or cut off by the crop box, has rows no reader of the PDF sees; ``unseen``
  finds the text they hold, so that the import refuses the page rather than take
  rows nobody can check against the PDF.
"""

from __future__ import annotations

from pdfplumber.page import DerivedPage, Page

SNAP = 0.01  # points: far below a printed line's width, far above float noise
SEEN = 1.0  # points a character may reach past the page's edge and still be seen


class _SquaredPage(DerivedPage):
    def __init__(self, parent_page: Page) -> None:
        self.bbox = parent_page.bbox
        super().__init__(parent_page)

    @property
    def objects(self) -> dict[str, list[dict]]:
        if not hasattr(self, "_objects"):
            self._objects = {
                kind: [_square(o) for o in objects] if kind in _DRAWN else objects
                for kind, objects in self.parent_page.objects.items()
            }
        return self._objects


_DRAWN = ("line", "curve")


def squared(page: Page) -> Page:
    """The page with every line's and curve's nearly level or upright segments made
    level or upright."""
    return _SquaredPage(page)


def _square(drawn: dict) -> dict:
    points = [drawn["pts"][0]]
    for x, y in drawn["pts"][1:]:
        last_x, last_y = points[-1]
        points.append(
            (
                last_x if abs(x - last_x) < SNAP else x,
                last_y if abs(y - last_y) < SNAP else y,
            )
        )
    top, bottom = min(y for _, y in points), max(y for _, y in points)
    x0, x1 = min(x for x, _ in points), max(x for x, _ in points)
    return {
        **drawn,
        "pts": points,
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "doctop": drawn["doctop"] + top - drawn["top"],
        "width": x1 - x0,
        "height": bottom - top,
    }


def unseen(page: Page, box: tuple[float, float, float, float]) -> str:
    """The text of the characters in ``box`` (a table's, which may reach past the
    page) that lie outside what the page shows: its crop box, within its media box."""
    left, top, right, bottom = _shown(page)
    x0, top0, x1, bottom0 = box
    return "".join(
        char["text"]
        for char in page.chars
        if x0 <= char["x0"]
        and char["x1"] <= x1
        and top0 <= char["top"]
        and char["bottom"] <= bottom0
        and (
            char["x0"] < left - SEEN
            or char["x1"] > right + SEEN
            or char["top"] < top - SEEN
            or char["bottom"] > bottom + SEEN
        )
    )


def _shown(page: Page) -> tuple[float, float, float, float]:
    """The crop box within the media box; the media box where they do not meet (a
    crop box of no area, or off the page: viewers show the whole page then)."""
    crop, media = page.cropbox, page.mediabox
    left, top = max(crop[0], media[0]), max(crop[1], media[1])
    right, bottom = min(crop[2], media[2]), min(crop[3], media[3])
    if right <= left or bottom <= top:
        return tuple(media)
    return left, top, right, bottom
