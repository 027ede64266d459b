"""Normalising text copied out of PDFs.

Stored names and descriptions keep what was written (only clean_cell and
fix_lookalikes apply to them); NFKC is for what we parse and for search keys.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass

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

# Where Windows (cp932) has its own code point for a character Unicode spells
# otherwise (JIS's 〜 is Windows' ～). Python's cp932 codec writes the last six so
# without a word (they read back as the full-width forms: every such character of the
# BMP is here), so the cp932 files replace them and /data/ lists each (budgets.opendata
# .cp932). A search key takes the two as one: a Mac types 〜, Windows and the cp932
# CSV give ～.
CP932_EQUIVALENTS = {
    "\u2014": "\u2015",  # — EM DASH -> ― HORIZONTAL BAR (cp932 0x815C)
    "\u00a2": "\uffe0",  # ¢ CENT SIGN -> ￠ (0x8191)
    "\u00a3": "\uffe1",  # £ POUND SIGN -> ￡ (0x8192)
    "\u00ac": "\uffe2",  # ¬ NOT SIGN -> ￢ (0x81CA)
    "\u2016": "\u2225",  # ‖ DOUBLE VERTICAL LINE -> ∥ (0x8161)
    "\u2212": "\uff0d",  # − MINUS SIGN -> － (0x817C)
    "\u301c": "\uff5e",  # 〜 WAVE DASH -> ～ FULLWIDTH TILDE (0x8160)
}
# after NFKC, which also makes some of them (⁻ -> −): each as its cp932 twin's NFKC
_AS_IN_CP932 = str.maketrans(
    {
        jis: folded
        for jis, cp932 in CP932_EQUIVALENTS.items()
        if (folded := unicodedata.normalize("NFKC", cp932)) != jis
    }
)
# what search keys change besides NFKC and case: katakana, look-alikes, cp932's forms
_FOLDED = _KATAKANA_TO_HIRAGANA.keys() | _LOOKALIKES.keys() | _AS_IN_CP932.keys()

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


def search_key(s: str) -> str:
    """Return a key that ignores width, case and hiragana/katakana.

    The long-vowel mark ー stays: サービス -> さーびす. By definition: look-alikes
    fixed, NFKC, cp932's forms taken (〜 -> ~, − -> -: ``CP932_EQUIVALENTS``, each
    as its twin's NFKC), casefold and katakana to hiragana on the whole text, then
    single spaces (tests/test_text.py checks every text against that definition).
    Imports compute it for every project, so a text none of whose characters reacts
    with its neighbours goes through one character table instead (search_fold).
    """
    fold = search_fold()
    if fold.neighbourly.search(s) is None:
        s = s.translate(fold.table)
    else:
        s = _key_by_definition(s)
    return " ".join(s.split())  # split() knows the same whitespace as re's \s


@dataclass(frozen=True)
class SearchFold:
    """``search_key`` one character at a time, where that gives the same text.

    NFKC acts on a character alone unless it decomposes into something that
    begins with a combining mark or with the second half of a composition (か +
    U+3099 composes to が, ᄀ + ᅡ to 가): then it may reorder or compose with the
    character before it. ``neighbourly`` finds those, and every character outside
    the Basic Multilingual Plane; a text without them is keyed by ``table`` (each
    character's own key) in one ``str.translate``: 0.2 of the definition's time on
    the names and descriptions of a city-like table (benchmarks/search_keys.py).
    ``table`` is a tuple indexed by code point (a character's key, or its own code
    where the key is the character itself): ``str.translate`` indexes a tuple in
    about half the time it looks up a dict.
    """

    table: tuple[int | str, ...]
    neighbourly: re.Pattern


@functools.cache
def search_fold() -> SearchFold:
    """Built on first use (about 0.03 s), not when the module loads."""
    decompositions = {  # no composition outside the BMP has a second half in it
        code: parts
        for code in range(0x10000)
        if (parts := unicodedata.decomposition(chr(code)).split())
    }
    seconds = {
        int(parts[1], 16)
        for parts in decompositions.values()
        if len(parts) == 2 and not parts[0].startswith("<")
    }
    seconds |= set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # Hangul V, T
    table: list[int | str] = list(range(0x10000))
    neighbourly: list[int] = []
    for code in range(0x10000):
        char = chr(code)
        # a character without a decomposition is its own NFKD (the Hangul syllables
        # decompose by rule, into a leading jamo: no second half either)
        first = (
            unicodedata.normalize("NFKD", char)[:1] if code in decompositions else char
        )
        if first and (unicodedata.combining(first) or ord(first) in seconds):
            neighbourly.append(code)
        elif code in decompositions or code in _FOLDED or char.casefold() != char:
            if (key := _key_by_definition(char)) != char:
                table[code] = key
    pattern = f"[{_char_class(neighbourly)}\\U00010000-\\U0010ffff]"
    return SearchFold(tuple(table), re.compile(pattern))


def _key_by_definition(s: str) -> str:
    s = unicodedata.normalize("NFKC", fix_lookalikes(s))
    s = s.translate(_AS_IN_CP932).casefold()
    return s.translate(_KATAKANA_TO_HIRAGANA)


def _char_class(codes: list[int]) -> str:
    """A regular expression character class's inside for sorted ``codes``."""
    spans: list[list[int]] = []
    for code in codes:
        if spans and code == spans[-1][1] + 1:
            spans[-1][1] = code
        else:
            spans.append([code, code])
    return "".join(
        re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in spans
    )


# --- What a stored text may hold -------------------------------------------------
# One rule for the admin form and the importer alike, so that whatever either accepts
# every export gives back unchanged (tests/test_roundtrip.py): no C0 or C1 control
# character (XLSX cannot hold them, NUL breaks the database) and no U+2028/U+2029 (the
# text reader splits lines on them) and no bidirectional embedding, override or
# isolate (U+202A-U+202E, U+2066-U+2069: invisible, they make a page show the text
# around them in another order, "U+202E" making 「予算」 read 「算予」); a description
# may hold tabs and line breaks, stored as LF; a one-line text (a name, a title) holds
# neither. No edge space or zero-width character either: the importer trims them
# from every cell.
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
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


# The digits a table's numbers are written with. NFKC also makes digits of
# superscripts, subscripts, circled numbers and other look-alikes: "882¹", an amount
# with a footnote mark, would read 8821.
_WRITTEN_DIGIT = re.compile("[0-9\uff10-\uff19]")
_ASCII_DIGIT = re.compile("[0-9]")


def nfkc_made_digits(written: str, normalised: str) -> bool:
    """Whether ``normalised``, the NFKC of ``written``, holds digits that ``written``
    did not write as digits (ASCII or full-width): a number not to be read."""
    return len(_ASCII_DIGIT.findall(normalised)) != len(_WRITTEN_DIGIT.findall(written))


# What an HTML parser reads as an error and a page should not hold: C0 and C1
# control characters other than tab and line breaks (a NUL it reads as U+FFFD).
_HTML_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def as_html_reads(s: str) -> str:
    """``s`` with each control character a page may not hold as U+FFFD, as a
    browser reads it back: for text a visitor sent that a page echoes."""
    return _HTML_CONTROLS.sub("\ufffd", s)


def show_controls(s: str) -> str:
    """``s`` with each control character, tab and line break written as U+XXXX."""
    return _FORBIDDEN_ONE_LINE.sub(lambda m: f"<U+{ord(m.group()):04X}>", s)


def _raise_problem(problem: str | None) -> None:
    if problem is not None:
        raise ValidationError(problem, code="stored_text")
