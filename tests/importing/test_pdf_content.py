"""A PDF page that asks for more drawing than a table needs is refused before
pdfminer draws any of it (budgets/importing/pdf_content.py): a few KB that inflate to
gigabytes of commands, or one small form drawn a hundred thousand times."""

import io
import zlib

import pdfplumber
import pytest

from budgets.importing import ImportRefused, pdf_content, read_source
from tests.conftest import FIXTURES

TEXT = b"BT /F1 12 Tf 50 500 Td (Hello) Tj ET\n"


def lzw(data: bytes) -> bytes:
    """LZW as PDF reads it, each byte a code of its own (the table cleared before
    its codes widen): what older producers' streams decode like, not compressed."""
    codes = []
    for start in range(0, len(data), 250):
        codes += [256, *data[start : start + 250]]  # 256: clear the table
    codes.append(257)  # the end
    bits = "".join(f"{code:09b}" for code in codes)
    bits += "0" * (-len(bits) % 8)
    return int(bits, 2).to_bytes(len(bits) // 8, "big")


def one_page_pdf(
    content: bytes,
    *,
    compressed: bool,
    forms: dict | None = None,
    images: tuple[bytes, ...] = (),
    filter: bytes = b"FlateDecode",
):
    """A PDF of one page drawing ``content``, with ``forms`` (name: commands) as
    form XObjects and ``images`` (names) as one-pixel images it may draw."""
    objects: list[bytes] = []
    encode = {b"FlateDecode": lambda data: zlib.compress(data, 9), b"LZWDecode": lzw}

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    def stream(data: bytes, extra: bytes = b"") -> int:
        if compressed:
            data, extra = encode[filter](data), extra + b"/Filter /%s " % filter
        return add(
            b"<< %s/Length %d >>\nstream\n%s\nendstream" % (extra, len(data), data)
        )

    pixel = b"/Type /XObject /Subtype /Image /Width 1 /Height 1 "
    pixel += b"/ColorSpace /DeviceGray /BitsPerComponent 8 "
    drawn = [(name, stream(b"\x80", pixel)) for name in images]
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    form = b"/Type /XObject /Subtype /Form /BBox [0 0 10 10] "
    drawn += [(name, stream(body, form)) for name, body in (forms or {}).items()]
    xobjects = b"".join(b"/%s %d 0 R " % (name, number) for name, number in drawn)
    contents = stream(content)
    page = add(
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 842 595] "
        b"/Resources << /Font << /F1 %d 0 R >> /XObject << %s>> >> /Contents %d 0 R >>"
        % (len(objects) + 2, font, xobjects, contents)
    )
    pages = add(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % page)
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog,
        xref,
    )
    return bytes(out)


@pytest.fixture
def nothing_drawn(monkeypatch):
    """Fail if pdfminer is asked to draw a page: the refusal must come first."""

    def drawn(page):
        raise AssertionError(f"page {page.page_number} was drawn")

    monkeypatch.setattr(pdfplumber.page.Page, "layout", property(drawn))


BOMBS = {
    # 64 MB of spaces in 64 KB (the helper's was 1.5 GB in 1.5 MB)
    "spaces": one_page_pdf(TEXT + b" " * 64 * 2**20, compressed=True),
    # 400,000 line segments in a few KB
    "lines": one_page_pdf(TEXT + b"0 0 m 100 100 l S\n" * 400_000, compressed=True),
    # a form of 100 bytes drawn 100,000 times: 10 MB drawn from 600 KB
    "a form drawn again and again": one_page_pdf(
        TEXT + b"/X1 Do\n" * 100_000,
        compressed=True,
        forms={b"X1": b"0 0 m 10 10 l S\n" * 6},
    ),
    # forms in forms, each drawing the one below ten times
    "forms in forms": one_page_pdf(
        TEXT + b"/X1 Do\n" * 10,
        compressed=False,
        forms={
            b"X1": b"/X1 Do\n" * 10,
        },
    ),
}


@pytest.mark.parametrize("data", BOMBS.values(), ids=BOMBS.keys())
def test_a_page_asking_for_too_much_drawing_is_refused_before_it_is_drawn(
    data, nothing_drawn
):
    with pytest.raises(ImportRefused) as refused:
        read_source(data)

    [problem] = refused.value.problems
    assert problem.page == 1
    assert "複雑すぎます" in problem.message and "4 MB" in problem.message


def test_the_city_s_pages_ask_for_a_fraction_of_the_limit():
    for name in ("seed.pdf", "seed_chromium.pdf", "seed_six_pages.pdf"):
        with pdfplumber.open(FIXTURES / "pdf" / name) as pdf:
            for page in pdf.pages:
                commands = pdf_content.page_commands(page.page_obj)
                assert 0 < commands < pdf_content.MAX_PAGE_COMMANDS / 20, name


def test_a_plain_page_is_measured_as_its_commands():
    data = one_page_pdf(TEXT * 1000, compressed=True)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert pdf_content.page_commands(pdf.pages[0].page_obj) == len(TEXT) * 1000


def test_an_older_producer_s_lzw_page_is_measured_as_its_commands():
    data = one_page_pdf(TEXT * 3000, compressed=True, filter=b"LZWDecode")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        assert pdf_content.page_commands(page.page_obj) == len(TEXT) * 3000
        assert len(page.chars) == len("Hello") * 3000  # pdfminer reads it so


def test_images_drawn_many_times_cost_nothing_and_a_form_once_each_time():
    form = b"0 0 m 10 10 l S\n" * 4000  # 64 KB
    content = TEXT + b"/X1 Do\n" + b"/Im1 Do /Im2 Do\n" * 70
    data = one_page_pdf(
        content, compressed=True, forms={b"X1": form}, images=(b"Im1", b"Im2")
    )
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        measured = pdf_content.page_commands(pdf.pages[0].page_obj)

    assert measured == len(content) + len(form)  # not 141 times the form
