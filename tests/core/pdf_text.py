"""The text and fonts of a PDF written by WeasyPrint, read without a PDF library (neither
poppler's pdftotext nor pypdf is installed here).

WeasyPrint (through pydyf) writes Flate streams, keeps dictionaries in object streams, draws
text as ``x y Tm [<glyph ids>] TJ`` with 2-byte glyph ids, and gives each font a ToUnicode CMap made
of ``bfchar`` lines; that is all this module understands. Text inside SVG images (charts) is
in form XObjects, which are content streams too, so it is read as well.
"""

import re
import zlib
from dataclasses import dataclass

STREAM = re.compile(rb"(\d+) 0 obj\s*<<(.*?)>>\s*stream\r?\n", re.S)
TEXT_OPERATION = re.compile(
    rb"/(?P<font>[A-Z]{6}) [\d.]+ Tf|[-\d.]+ (?P<y>[-\d.]+) Tm|\[(?P<array>[^\]]*)\]\s*TJ")


@dataclass
class PdfFacts:
    pages: int
    fonts: set[str]  # base font names without the subset tag, e.g. "Noto-Sans-CJK-SC"
    runs: list[str]  # lines of text and SVG <text> elements, in stream order


def read_pdf(pdf: bytes) -> PdfFacts:
    streams, dictionaries = _objects(pdf)
    # pages and form XObjects (SVG images): the streams that draw, not fonts or CMaps
    contents = {int(n) for d in dictionaries
                for n in re.findall(rb"/Contents (\d+) 0 R", d)} | {
        n for n, d in _stream_dictionaries(pdf).items() if b"/Subtype /Form" in d}
    fonts = {}  # subset tag -> (font name, glyph id -> text)
    for dictionary in dictionaries:
        if b"/Subtype /Type0" in dictionary:
            font = re.search(rb"/BaseFont /(\w{6})\+([\w-]+)", dictionary)
            cmap = streams[int(re.search(rb"/ToUnicode (\d+) 0 R", dictionary)[1])]
            fonts[font[1]] = (font[2].decode(), _bfchars(cmap))
    glyphs_by_tag = {tag: glyphs for tag, (_, glyphs) in fonts.items()}
    runs = []
    for number, data in streams.items():
        if number in contents:
            runs += _runs(data, glyphs_by_tag)
    pages = int(re.search(rb"/Type /Pages.*?/Count (\d+)", b"\n".join(dictionaries), re.S)[1])
    return PdfFacts(pages, {name for name, _ in fonts.values()}, runs)


def _objects(pdf: bytes) -> tuple[dict[int, bytes], list[bytes]]:
    """Inflated streams by object number, and every dictionary (those in object streams too)."""
    streams, dictionaries = {}, []
    for match in STREAM.finditer(pdf):
        length = int(re.search(rb"/Length (\d+)", match[2])[1])
        data = pdf[match.end():match.end() + length]
        data = zlib.decompress(data) if b"/FlateDecode" in match[2] else data
        streams[int(match[1])] = data
        dictionaries.append(match[2])
        if b"/Type /ObjStm" in match[2]:
            first = int(re.search(rb"/First (\d+)", match[2])[1])
            offsets = [int(n) for n in data[:first].split()[1::2]] + [len(data) - first]
            body = data[first:]
            dictionaries += [body[a:b] for a, b in zip(offsets, offsets[1:], strict=False)]
    return streams, dictionaries


def _stream_dictionaries(pdf: bytes) -> dict[int, bytes]:
    return {int(match[1]): match[2] for match in STREAM.finditer(pdf)}


def _bfchars(cmap: bytes) -> dict[bytes, str]:
    glyphs = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for glyph, text in re.findall(rb"<([0-9a-f]+)> <([0-9a-f]+)>", block):
            glyphs[glyph] = bytes.fromhex(text.decode()).decode("utf-16-be")
    return glyphs


def _runs(content: bytes, fonts: dict[bytes, dict[bytes, str]]) -> list[str]:
    """A run is the text of consecutive TJ operations in one BT … ET block on one baseline
    (Tm's y): a line of HTML text, or an SVG <text>, which WeasyPrint draws glyph by glyph."""
    runs, glyphs = [], {}
    for block in re.findall(rb"\bBT\b(.*?)\bET\b", content, re.S):
        baseline = None
        for operation in TEXT_OPERATION.finditer(block):
            if operation["font"]:
                glyphs = fonts.get(operation["font"], {})
            elif operation["y"]:
                if operation["y"] != baseline:
                    runs.append("")
                baseline = operation["y"]
            else:
                hex_ids = b"".join(re.findall(rb"<([0-9a-f]*)>", operation["array"]))
                runs[-1] += "".join(glyphs.get(hex_ids[i:i + 4], "\ufffd")
                                    for i in range(0, len(hex_ids), 4))
    return runs
