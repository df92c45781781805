"""Real documents of each kind that the tests write themselves: PDFs written by hand
(a few standard-font text objects, no PDF library), .docx files by python-docx, and
.docx bodies streamed into a zip (decompression bombs)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
from pypdf import PdfReader, PdfWriter

# (x, y, font size, text) for each line: A4, y from the bottom.
Line = tuple[float, float, float, str]


def write_pdf(path: Path, pages: list[list[Line]], info: dict[str, str] | None = None) -> Path:
    """Writes a minimal valid PDF: one Helvetica text object per line."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]  # pages: filled below
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")  # object 3
    kids = []
    for lines in pages:
        stream = "\n".join(
            f"BT /F1 {size} Tf {x} {y} Td ({escape(text)}) Tj ET" for x, y, size, text in lines
        ).encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
    trailer_info = ""
    if info:
        entries = " ".join(f"/{k} ({escape(v)})" for k, v in info.items())
        objects.append(f"<< {entries} >>".encode("latin-1"))
        trailer_info = f" /Info {len(objects)} 0 R"

    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{trailer_info} >>\n"
    out += trailer.encode() + b"startxref\n%d\n%%%%EOF\n" % xref
    path.write_bytes(bytes(out))
    return path


def pdf_bytes(title: str, paragraphs: list[str], tmp: Path) -> bytes:
    """A one-page PDF: ``title`` in large type, then each paragraph (wrapped at about
    80 characters a line)."""
    lines: list[Line] = [(72, 760, 16, title)]
    y = 730.0
    for paragraph in paragraphs:
        words, line = paragraph.split(), ""
        for word in words:
            if len(line) + len(word) > 80:
                lines.append((72, y, 11, line))
                y, line = y - 14, ""
            line = f"{line} {word}".strip()
        lines.append((72, y, 11, line))
        y -= 24
    return write_pdf(tmp, [lines]).read_bytes()


def encrypted_pdf_bytes(plain: bytes) -> bytes:
    """``plain`` (a PDF) encrypted with a user password."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(plain)))
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_bytes(title: str, sections: list[tuple[str, str]]) -> bytes:
    """A .docx: a title, then each (heading, paragraph) as a Heading 1 and its body."""
    document = docx.Document()
    document.add_heading(title, level=0)
    for heading, paragraph in sections:
        document.add_heading(heading, level=1)
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def write_body(path: Path, paragraphs: bytes, repeat: int, prefix: bytes = b"w") -> Path:
    """A minimal .docx whose body is ``paragraphs`` ``repeat`` times, streamed into the
    zip (a 200 MB body compresses to well under a megabyte)."""
    namespace = b'="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="r1" Target="word/document.xml" Type="http://schemas.openxmlformats'
        '.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("_rels/.rels", rels)
        with archive.open("word/document.xml", "w", force_zip64=True) as body:
            body.write(b"<%s:document xmlns:%s%s><%s:body>" % (prefix, prefix, namespace, prefix))
            block = paragraphs * 10_000
            for _ in range(repeat // 10_000):
                body.write(block)
            body.write(
                paragraphs * (repeat % 10_000) + b"</%s:body></%s:document>" % (prefix, prefix)
            )
    return path
