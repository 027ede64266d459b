"""Which row of a table is a title, a unit line, a header, page furniture, a theme
or a project."""

from __future__ import annotations

import re
import unicodedata

THEME_ROW = re.compile(r"^\s*(\d{1,3})\s*[.．、:：]?\s+(\S.*)$")
SPACES = re.compile(r"\s+")
PAGE_NUMBER = re.compile(r"^[-‐－―—–\s]*\d{1,4}[-‐－―—–\s]*$")


def is_unit_row(text: str) -> bool:
    return "単位" in unicodedata.normalize("NFKC", text)
