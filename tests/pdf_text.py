"""The text a reader can see on the pages of a PDF, and the tables of an HTML page.

pypdf's ``extract_text`` returns text drawn off the edge of a page as well (a table too wide for
the page, cut off when printed or viewed), and it joins the pieces of one line, so it cannot
tell a column that is printed from one that is lost. ``visible_text`` reads each page's drawing
operations with pypdf and places every piece of text itself: a piece counts only when it starts
and ends inside the page. It reads what WeasyPrint writes (Type 0 fonts, two-byte codes,
ToUnicode maps; simple fonts with one-byte codes too); a font it cannot read is an error, not a
silent gap."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

from pypdf import PdfReader
from pypdf.generic import ByteStringObject, ContentStream, TextStringObject

IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
#: Text may start or end this many points outside the page's edge (rounding, italic overhang).
TOLERANCE_PT = 1.0


def _multiply(m: tuple[float, ...], n: tuple[float, ...]) -> tuple[float, ...]:
    """``m`` then ``n``, for PDF's row-vector matrices ``[a b c d e f]``."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u)


def _apply(m: tuple[float, ...], x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return (a * x + c * y + e, b * x + d * y + f)


def _hex(token: str) -> int:
    return int(token.strip("<>"), 16)


class _Font:
    """A page font: its character codes, their Unicode text and their widths (1/1000 em)."""

    def __init__(self, font) -> None:
        self.two_byte = font["/Subtype"] == "/Type0"
        self.widths: dict[int, float] = {}
        if self.two_byte:
            descendant = font["/DescendantFonts"][0].get_object()
            self.default_width = float(descendant.get("/DW", 1000))
            w = list(descendant.get("/W", []))
            i = 0
            while i < len(w):
                first = int(w[i])
                if isinstance(w[i + 1], list):
                    for k, width in enumerate(w[i + 1]):
                        self.widths[first + k] = float(width)
                    i += 2
                else:
                    for code in range(first, int(w[i + 1]) + 1):
                        self.widths[code] = float(w[i + 2])
                    i += 3
        else:
            self.default_width = float(font.get("/FontDescriptor", {}).get("/MissingWidth", 0))
            first = int(font.get("/FirstChar", 0))
            for k, width in enumerate(font.get("/Widths", [])):
                self.widths[first + k] = float(width)
        if "/ToUnicode" not in font:
            raise ValueError(f"font {font.get('/BaseFont')} has no ToUnicode map: its text cannot be read")
        self.unicode = self._to_unicode(font["/ToUnicode"].get_object().get_data().decode("latin-1"))

    @staticmethod
    def _to_unicode(cmap: str) -> dict[int, str]:
        def text(token: str) -> str:
            return bytes.fromhex(token.strip("<>")).decode("utf-16-be")

        out: dict[int, str] = {}
        for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
            for code, value in re.findall(r"(<[0-9a-fA-F]+>)\s*(<[0-9a-fA-F]*>)", block):
                out[_hex(code)] = text(value)
        for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
            for low, high, rest in re.findall(r"(<[0-9a-fA-F]+>)\s*(<[0-9a-fA-F]+>)\s*(\[[^\]]*\]|<[0-9a-fA-F]+>)",
                                              block):
                if rest.startswith("["):
                    for k, value in enumerate(re.findall(r"<[0-9a-fA-F]*>", rest)):
                        out[_hex(low) + k] = text(value)
                else:
                    start = _hex(rest)
                    for k in range(_hex(high) - _hex(low) + 1):
                        out[_hex(low) + k] = chr(start + k)
        return out

    def codes(self, data: bytes) -> list[int]:
        if self.two_byte:
            return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data) - 1, 2)]
        return list(data)


def _raw(item: TextStringObject | ByteStringObject) -> bytes:
    """The bytes as written in the file (pypdf may have read them as text)."""
    return bytes(item.original_bytes)


def page_pieces(reader: PdfReader, page) -> list[tuple[str, bool]]:
    """Every piece of text on a page in drawing order, and whether it lies inside the page."""
    box = page.mediabox
    left, bottom, right, top = (float(v) for v in (box.left, box.bottom, box.right, box.top))
    resources = page.get("/Resources", {})
    fonts = {name: _Font(ref.get_object()) for name, ref in resources.get("/Font", {}).items()}
    ctm, stack = IDENTITY, []
    tm, line, font, size, spacing = IDENTITY, IDENTITY, None, 0.0, 0.0
    pieces: list[tuple[str, bool]] = []
    for operands, op in ContentStream(page.get_contents(), reader).operations:
        if op == b"q":
            stack.append(ctm)
        elif op == b"Q":
            ctm = stack.pop()
        elif op == b"cm":
            ctm = _multiply(tuple(float(v) for v in operands), ctm)
        elif op == b"BT":
            tm = line = IDENTITY
        elif op == b"Tf":
            font, size = fonts[operands[0]], float(operands[1])
        elif op == b"Tc":
            spacing = float(operands[0])
        elif op == b"Tm":
            tm = line = tuple(float(v) for v in operands)
        elif op in (b"Td", b"TD"):
            tm = line = _multiply((1.0, 0.0, 0.0, 1.0, float(operands[0]), float(operands[1])), line)
        elif op in (b"Tj", b"TJ"):
            if font is None:
                raise ValueError("text shown before a font was set")
            items = operands[0] if op == b"TJ" else [operands[0]]
            text, advance = [], 0.0
            for item in items:
                if isinstance(item, TextStringObject | ByteStringObject):
                    for code in font.codes(_raw(item)):
                        text.append(font.unicode.get(code, ""))
                        advance += font.widths.get(code, font.default_width) / 1000.0 * size + spacing
                else:
                    advance -= float(item) / 1000.0 * size
            matrix = _multiply(tm, ctm)
            ends = [_apply(matrix, 0.0, 0.0), _apply(matrix, advance, 0.0)]
            inside = all(left - TOLERANCE_PT <= x <= right + TOLERANCE_PT
                         and bottom - TOLERANCE_PT <= y <= top + TOLERANCE_PT for x, y in ends)
            pieces.append(("".join(text), inside))
            tm = _multiply((1.0, 0.0, 0.0, 1.0, advance, 0.0), tm)
    return pieces


def normalise(text: str) -> str:
    """One space between words; a word broken after a hyphen joined again."""
    return re.sub(r"-\s+", "-", " ".join(text.split()))


def visible_text(pdf: bytes) -> str:
    """The text drawn inside the pages, in order, normalised."""
    reader = PdfReader(io.BytesIO(pdf))
    pieces = [text for page in reader.pages for text, inside in page_pieces(reader, page) if inside]
    return normalise(" ".join(pieces))


def all_text(pdf: bytes) -> str:
    """Every piece of text drawn, inside the pages or not, normalised."""
    reader = PdfReader(io.BytesIO(pdf))
    return normalise(" ".join(text for page in reader.pages for text, _ in page_pieces(reader, page)))


class HtmlTable:
    def __init__(self) -> None:
        self.caption = ""
        self.headers: list[str] = []
        self.header_scopes: list[str | None] = []
        self.rows: list[list[str]] = []


class _Tables(HTMLParser):
    """Every table: its caption, the headers of its first row and the cells of its body."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[HtmlTable] = []
        self.open: list[HtmlTable] = []
        self.text: list[str] | None = None
        self.where = ""

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.open.append(HtmlTable())
        elif not self.open:
            return
        elif tag == "caption" or (tag == "th" and self.where == "thead") or tag == "td":
            self.text = []
            if tag == "th":
                self.open[-1].header_scopes.append(dict(attrs).get("scope"))
        elif tag in ("thead", "tbody"):
            self.where = tag
        elif tag == "tr" and self.where == "tbody":
            self.open[-1].rows.append([])

    def handle_endtag(self, tag):
        if not self.open:
            return
        if tag == "table":
            self.tables.append(self.open.pop())
        elif tag == "caption" and self.text is not None:
            self.open[-1].caption = normalise("".join(self.text))
            self.text = None
        elif tag == "th" and self.text is not None:
            self.open[-1].headers.append(normalise("".join(self.text)))
            self.text = None
        elif tag == "td" and self.text is not None:
            self.open[-1].rows[-1].append(normalise("".join(self.text)))
            self.text = None
        elif tag in ("thead", "tbody"):
            self.where = ""

    def handle_data(self, data):
        if self.text is not None:
            self.text.append(data)


def html_tables(html: str) -> list[HtmlTable]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables
