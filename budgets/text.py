"""Normalising text copied out of PDFs.

Stored names and descriptions keep what was written (only clean_cell and
fix_lookalikes apply to them); NFKC is for what we parse and for search keys.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

# CJK Radicals Supplement (U+2E80-U+2EFF) characters that PDFs emit for whole
# ideographs. NFKC leaves all of them but ⺟ alone. Targets follow Unicode's
# EquivalentUnifiedIdeograph.txt, except ⻆, which that file does not list: it
# is drawn exactly like the Japanese 角.
RADICAL_LOOKALIKES: dict[str, str] = {
    "\u2e9d": "\u6708",  # ⺝ CJK RADICAL MOON -> 月
    "\u2e9f": "\u6bcd",  # ⺟ CJK RADICAL MOTHER -> 母
    "\u2ea0": "\u6c11",  # ⺠ CJK RADICAL CIVILIAN -> 民
    "\u2ebc": "\u6708",  # ⺼ CJK RADICAL MEAT -> 月
    "\u2ec1": "\u864e",  # ⻁ CJK RADICAL TIGER -> 虎
    "\u2ec4": "\u897f",  # ⻄ CJK RADICAL WEST TWO -> 西
    "\u2ec6": "\u89d2",  # ⻆ CJK RADICAL SIMPLIFIED HORN -> 角
    "\u2ed1": "\u9577",  # ⻑ CJK RADICAL LONG ONE -> 長
    "\u2ed8": "\u9752",  # ⻘ CJK RADICAL BLUE -> 青
    "\u2edd": "\u98df",  # ⻝ CJK RADICAL EAT ONE -> 食
    "\u2ee3": "\u9aa8",  # ⻣ CJK RADICAL BONE -> 骨
    "\u2ee4": "\u9b3c",  # ⻤ CJK RADICAL GHOST -> 鬼
    "\u2ee8": "\u9ea6",  # ⻨ CJK RADICAL SIMPLIFIED WHEAT -> 麦
    "\u2ee9": "\u9ec4",  # ⻩ CJK RADICAL SIMPLIFIED YELLOW -> 黄
    "\u2eeb": "\u6589",  # ⻫ CJK RADICAL J-SIMPLIFIED EVEN -> 斉
    "\u2eed": "\u6b6f",  # ⻭ CJK RADICAL J-SIMPLIFIED TOOTH -> 歯
    "\u2eef": "\u7adc",  # ⻯ CJK RADICAL J-SIMPLIFIED DRAGON -> 竜
    "\u2ef2": "\u4e80",  # ⻲ CJK RADICAL J-SIMPLIFIED TURTLE -> 亀
}

# Kangxi Radicals (U+2F00-U+2FD5), e.g. ⽤ for 用: each has a one-character
# compatibility mapping, which is exactly the ideograph it stands for.
_KANGXI = {
    chr(code): unicodedata.normalize("NFKC", chr(code))
    for code in range(0x2F00, 0x2FD6)
}
_LOOKALIKES = str.maketrans(_KANGXI | RADICAL_LOOKALIKES)
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
_LOOKALIKE_CHARS = re.compile(
    "[" + "".join(re.escape(chr(code)) for code in _LOOKALIKES) + "]"
)

_EDGE_SPACE = re.compile(r"^[\s\u200b\ufeff]+|[\s\u200b\ufeff]+$")
_SPACE = re.compile(r"\s+")
_INVISIBLE = ("\u200b", "\ufeff")
_THOUSAND_YEN_UNIT = re.compile(r"\((?:単位:?)?千円\)")
_PARENTHESES = str.maketrans("", "", "()（）")


def fix_lookalikes(s: str) -> str:
    """Replace radical look-alikes (⺠, ⻑, ⽤…) with the ideographs they stand for.

    Everything else stays as written, so this is safe for stored names.
    """
    return s.translate(_LOOKALIKES)


def clean_cell(s: str | None) -> str:
    """Trim surrounding whitespace (incl. U+3000, NBSP, BOM); keep the inside."""
    if s is None:
        return ""
    s = s.strip()  # Unicode whitespace, U+3000 and NBSP included
    if s[:1] in _INVISIBLE or s[-1:] in _INVISIBLE:
        s = _EDGE_SPACE.sub("", s)
    return s


def normalise_label(s: str) -> str:
    """Reduce a header or category to a comparable form: 要求額（千円） -> 要求額."""
    s = unicodedata.normalize("NFKC", fix_lookalikes(s))
    s = _SPACE.sub("", s).lower()
    s = _THOUSAND_YEN_UNIT.sub("", s)
    return s.translate(_PARENTHESES)


# Characters NFKC leaves as they are whatever stands next to them: ASCII, the CJK
# punctuation 、。「」『』, hiragana, katakana with ー, and the unified ideographs.
# None of them decomposes, and none is the second half of a composition, so a
# table's text can be normalised run by run: only what lies outside these ranges,
# together with the one character before it (か + U+3099 composes to が).
_NFKC_STABLE = (
    "\x00-\x7f\u3001\u3002\u300c-\u300f\u3041-\u3096\u30a1-\u30fa\u30fc\u4e00-\u9fff"
)
_NFKC_RUN = re.compile(f".?[^{_NFKC_STABLE}]+", re.DOTALL)
_KATAKANA_RUN = re.compile("[\u30a1-\u30f6]+")


def _nfkc(match: re.Match) -> str:
    return unicodedata.normalize("NFKC", match.group())


def _hiragana(match: re.Match) -> str:
    return match.group().translate(_KATAKANA_TO_HIRAGANA)


def search_key(s: str) -> str:
    """Return a key that ignores width, case and hiragana/katakana.

    The long-vowel mark ー stays: サービス -> さーびす. The same as NFKC, casefold,
    katakana to hiragana and single spaces applied to the whole text, done run by
    run because imports compute it for every project (tests/test_text.py checks
    the two agree). The speed it buys: benchmarks/import_phases.py, "write: search
    keys".
    """
    if _LOOKALIKE_CHARS.search(s):
        s = fix_lookalikes(s)
    if not unicodedata.is_normalized("NFKC", s):
        s = _NFKC_RUN.sub(_nfkc, s)
    s = s.casefold()
    s = _KATAKANA_RUN.sub(_hiragana, s)
    return " ".join(s.split())  # split() knows the same whitespace as re's \s


# --- What a stored text may hold -------------------------------------------------
# One rule for the admin form and the importer alike, so that whatever either accepts
# every export gives back unchanged (tests/test_roundtrip.py): no C0 or C1 control
# character (XLSX cannot hold them, NUL breaks the database) and no U+2028/U+2029 (the
# text reader splits lines on them); a description may hold tabs and line breaks,
# stored as LF; a one-line text (a name, a title) holds neither. No edge space or
# zero-width character either: the importer trims them from every cell.
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029"
_FORBIDDEN_MULTILINE = re.compile(f"[{_CONTROLS}]")
_FORBIDDEN_ONE_LINE = re.compile(f"[{_CONTROLS}\t\n\r]")
_LINE_BREAK = re.compile("\r\n?")


def normalise_line_breaks(s: str) -> str:
    """CR LF (as browsers send a textarea) and lone CR become LF."""
    return _LINE_BREAK.sub("\n", s) if "\r" in s else s


def stored_text_problem(s: str, *, multiline: bool) -> str | None:
    """Return why ``s``, a trimmed cell, cannot be stored (a Japanese sentence), or
    None. The model validators below also refuse what a trim would change."""
    forbidden = _FORBIDDEN_MULTILINE if multiline else _FORBIDDEN_ONE_LINE
    if found := forbidden.search(s):
        char = found.group()
        if char in "\t\n\r":
            return gettext("改行やタブは使えません（%(position)s 文字目）。") % {
                "position": found.start() + 1
            }
        return gettext(
            "保存できない制御文字 U+%(code)04X が含まれています"
            "（%(position)s 文字目）。"
        ) % {"code": ord(char), "position": found.start() + 1}
    return None


def _edge_problem(s: str) -> str | None:
    """The importer trims every cell (clean_cell): a form must not store what it
    would trim."""
    if s != clean_cell(s):
        return gettext("先頭か末尾に空白や見えない文字があります。")
    return None


def validate_one_line_text(value: str) -> None:
    """Model validator: a name or title (see ``stored_text_problem``)."""
    _raise_problem(stored_text_problem(value, multiline=False) or _edge_problem(value))


def validate_multiline_text(value: str) -> None:
    """Model validator: a description (see ``stored_text_problem``)."""
    value = normalise_line_breaks(value)
    _raise_problem(stored_text_problem(value, multiline=True) or _edge_problem(value))


def show_controls(s: str) -> str:
    """``s`` with each control character, tab and line break written as U+XXXX."""
    return _FORBIDDEN_ONE_LINE.sub(lambda m: f"<U+{ord(m.group()):04X}>", s)


def _raise_problem(problem: str | None) -> None:
    if problem is not None:
        raise ValidationError(problem, code="stored_text")
