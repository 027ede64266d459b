import re
import sys
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from budgets.text import (
    _KATAKANA_TO_HIRAGANA,
    CP932_EQUIVALENTS,
    RADICAL_LOOKALIKES,
    clean_cell,
    fix_lookalikes,
    normalise_label,
    search_key,
)

# --- radical look-alikes ----------------------------------------------------


@pytest.mark.parametrize(
    ("lookalike", "name", "ideograph"),
    [
        ("\u2ea0", "CJK RADICAL CIVILIAN", "民"),
        ("\u2ec4", "CJK RADICAL WEST TWO", "西"),
        ("\u2ed1", "CJK RADICAL LONG ONE", "長"),
        ("\u2ed8", "CJK RADICAL BLUE", "青"),
        ("\u2edd", "CJK RADICAL EAT ONE", "食"),
        ("\u2ee4", "CJK RADICAL GHOST", "鬼"),
        ("\u2ec1", "CJK RADICAL TIGER", "虎"),
        ("\u2ec6", "CJK RADICAL SIMPLIFIED HORN", "角"),
        ("\u2ee3", "CJK RADICAL BONE", "骨"),
        ("\u2e9f", "CJK RADICAL MOTHER", "母"),
        ("\u2ee9", "CJK RADICAL SIMPLIFIED YELLOW", "黄"),
        ("\u2eed", "CJK RADICAL J-SIMPLIFIED TOOTH", "歯"),
        ("\u2ef2", "CJK RADICAL J-SIMPLIFIED TURTLE", "亀"),
    ],
)
def test_radical_table_maps_each_lookalike_to_its_ideograph(lookalike, name, ideograph):
    assert unicodedata.name(lookalike) == name
    assert RADICAL_LOOKALIKES[lookalike] == ideograph


def test_radical_table_holds_only_supplement_radicals_and_unified_ideographs():
    assert len(RADICAL_LOOKALIKES) >= 10
    for lookalike, ideograph in RADICAL_LOOKALIKES.items():
        assert 0x2E80 <= ord(lookalike) <= 0x2EFF, unicodedata.name(lookalike)
        assert unicodedata.name(ideograph).startswith("CJK UNIFIED IDEOGRAPH-")
        # Where NFKC has an opinion, the table agrees with it.
        assert unicodedata.normalize("NFKC", lookalike) in {lookalike, ideograph}


def test_nfkc_alone_does_not_fix_the_civilian_radical():
    # Why the table exists (see DATA-NOTES).
    assert unicodedata.normalize("NFKC", "区⺠") == "区⺠"
    assert fix_lookalikes("区⺠") == "区民"


@pytest.mark.parametrize(
    ("pdf_text", "fixed"),
    [
        ("区⺠参画", "区民参画"),
        ("部⻑", "部長"),
        ("⻄麻布", "西麻布"),
        ("⻘⼭", "青山"),  # ⼭ is a Kangxi radical (U+2F2D)
        ("⼦育て⽀援", "子育て支援"),
        ("⾼齢者⽤", "高齢者用"),
    ],
)
def test_fix_lookalikes_repairs_names_copied_from_pdfs(pdf_text, fixed):
    assert fix_lookalikes(pdf_text) == fixed


@pytest.mark.parametrize(
    "text",
    [
        "①区民参画",
        "㈱港",
        "（千円）",
        "ﾚﾍﾞﾙｱｯﾌﾟ",
        "ＧＩＧＡスクール",
        "サービス",
        "  港区\u3000",
        "",
    ],
)
def test_fix_lookalikes_keeps_everything_else_as_written(text):
    assert fix_lookalikes(text) == text


# --- cells ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "cleaned"),
    [
        ("  区民参画  ", "区民参画"),
        ("\u3000区民参画\u3000", "区民参画"),
        ("\u00a0区民参画\u00a0", "区民参画"),
        ("\t区民参画\r\n", "区民参画"),
        ("\ufeff事業名", "事業名"),  # a BOM left at the start of a CSV
        ("区民\u3000参画", "区民\u3000参画"),  # the inside stays
        ("①子育て支援", "①子育て支援"),  # no NFKC
        ("㈱港", "㈱港"),
        ("（仮称）港区", "（仮称）港区"),
        ("ﾚﾍﾞﾙ", "ﾚﾍﾞﾙ"),
        ("", ""),
        ("\u3000 ", ""),
        (None, ""),
    ],
)
def test_clean_cell_trims_only_the_edges(cell, cleaned):
    assert clean_cell(cell) == cleaned


# --- headers and categories -------------------------------------------------


@pytest.mark.parametrize(
    ("label", "normalised"),
    [
        ("要求額(千円)", "要求額"),
        ("要求額（千円）", "要求額"),
        ("要求額\n（千円）", "要求額"),
        ("要求額 （ 千円 ）", "要求額"),
        ("要求額（単位：千円）", "要求額"),
        ("要求額 (うちレベルアップ)", "要求額うちレベルアップ"),
        ("事 業 名", "事業名"),
        ("No.", "no."),
        ("ＮＯ", "no"),
        ("ﾚﾍﾞﾙ", "レベル"),
        ("【ﾚﾍﾞﾙ】", "【レベル】"),
        ("部⻑", "部長"),
        ("千円", "千円"),  # only a unit in parentheses is dropped
        ("", ""),
    ],
)
def test_normalise_label(label, normalised):
    assert normalise_label(label) == normalised


# --- search keys ------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("ＧＩＧＡスクール", "gigaすくーる"),
        ("ＧＩＧＡスクール", "GIGAスクール"),
        ("ﾜｰﾙﾄﾞ", "ワールド"),
        ("ミナト", "みなと"),
        ("区⺠参画", "区民参画"),
        ("子育て\u3000支援", "子育て 支援"),
        ("  子育て   支援 ", "子育て 支援"),
        # typed on a Mac (JIS's forms), written by Windows or the cp932 CSV, and back
        ("スマホ教室〜シニア向け〜", "スマホ教室～シニア向け～"),
        ("入門編～", "入門編〜"),
        ("入門編〜", "入門編~"),
        ("−5％", "－5%"),
        ("A—B", "A―B"),
        ("A‖B", "A∥B"),
        # what NFKC makes one of them (helper-18: ⁻ -> −, ﹘ -> —, ︱ -> —)
        ("気温⁻5度", "気温−5度"),
        ("研修﹘基礎", "研修—基礎"),
        ("研修︱基礎", "研修―基礎"),
    ],
)
def test_search_key_matches_what_a_user_types(written, typed):
    assert search_key(written) == search_key(typed)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("ﾜｰﾙﾄﾞ", "わーるど"),
        ("ワールド", "わーるど"),
        ("ミナト", "みなと"),
        ("サービス", "さーびす"),  # the long-vowel mark stays
        ("ァヶ", "ぁゖ"),  # both ends of the katakana range
        ("ヷ", "ヷ"),  # just outside it
        ("ＧＩＧＡ", "giga"),
        ("①", "1"),
        ("㈱", "(株)"),
        ("Straße", "strasse"),
        ("\u3000港区\u3000 芝 ", "港区 芝"),
    ],
)
def test_search_key(text, key):
    assert search_key(text) == key


@pytest.mark.parametrize(("one", "other"), [("サービス", "サビス"), ("港区", "港")])
def test_search_key_keeps_different_words_apart(one, other):
    assert search_key(one) != search_key(other)


def search_key_by_definition(s: str) -> str:
    """search_key the slow, obvious way: every step on the whole text."""
    s = unicodedata.normalize("NFKC", fix_lookalikes(s))
    twins = {
        jis: unicodedata.normalize("NFKC", cp932)
        for jis, cp932 in CP932_EQUIVALENTS.items()
    }
    s = s.translate(str.maketrans(twins)).casefold()
    return re.sub(r"\s+", " ", s.translate(_KATAKANA_TO_HIRAGANA)).strip()


# what a budget table holds, plus what trips normalisation up: combining marks,
# half-width kana and their sound marks, compatibility ideographs, Hangul jamo
TABLE_TEXT = st.text(
    st.one_of(
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
        st.characters(min_codepoint=0x3000, max_codepoint=0x30FF),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x4E40),
        st.characters(min_codepoint=0xFF01, max_codepoint=0xFF9F),
        st.characters(min_codepoint=0x0300, max_codepoint=0x036F),
        st.characters(min_codepoint=0x1100, max_codepoint=0x11FF),
        st.sampled_from("①㈱㍻℡ⅢＡ\u3099\u309a\u2ea0\u2f24\uf900\u00df\u0390"),
        st.sampled_from("\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u2028\u3000\u200b"),
        st.characters(),
    ),
    max_size=40,
)


@settings(max_examples=500, deadline=None)
@given(TABLE_TEXT)
@example("か\u3099")  # composes with the kana before it: が
@example("ｶﾞｲﾄﾞ")
@example("e\u0301\u0323")  # marks reordered, then composed
@example("\u1100\u1161")  # Hangul jamo compose to 가
def test_search_key_is_its_definition_applied_to_the_whole_text(text):
    assert search_key(text) == search_key_by_definition(text)


def test_no_composition_outside_the_bmp_has_its_second_half_in_it():
    # search_fold looks for the second halves of compositions in the BMP only
    found = []
    for code in range(0x10000, sys.maxunicode + 1):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            found += [code] if int(parts[1], 16) < 0x10000 else []
    assert found == []


def test_search_key_of_every_character_beside_its_neighbours_is_its_definition():
    # The character table (budgets.text.search_fold) says each character's key
    # alone; beside a base letter, a kana or a jamo, or before a mark that could
    # compose with it, a character must still get the key the whole text gets.
    wrong = [
        (before, code, after)
        for code in range(0x10000)
        if not 0xD800 <= code <= 0xDFFF
        for before, after in (("", ""), ("か", "\u3099"), ("e", "\u0301"), ("ᄀ", "ᅡ"))
        if search_key(before + chr(code) + after)
        != search_key_by_definition(before + chr(code) + after)
    ]
    assert wrong == []


@settings(max_examples=500, deadline=None)
@given(TABLE_TEXT)
@example("⁻")  # NFKC makes it −, which the key takes as cp932's －: "-"
@example("\ufe31")
def test_a_search_key_is_its_own_key(text):
    # a stored key and a word searched for are keyed alike, whichever came first
    assert search_key(search_key(text)) == search_key(text)


def test_search_key_of_every_seed_project_is_its_definition():
    from tests.conftest import SEED

    text = SEED.read_text(encoding="utf-8")
    assert search_key(text) == search_key_by_definition(text)


@settings(max_examples=300, deadline=None)
@given(TABLE_TEXT, TABLE_TEXT, TABLE_TEXT, TABLE_TEXT)
@example("ｶ", "\u3099", "x", "")  # a mark at the start of a part stays apart
@example("a", " ", "", "b")
def test_a_project_s_search_text_is_the_keys_of_its_four_texts_without_spaces(
    name, description, section, department
):
    from budgets.models import project_search_text

    texts = (name, description, section, department)
    keys = [search_key_by_definition(text).replace(" ", "") for text in texts]
    assert project_search_text(
        name=name, description=description, section=section, department=department
    ) == " ".join(key for key in keys if key)
