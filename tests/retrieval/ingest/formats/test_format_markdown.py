"""The Markdown reader: CommonMark structure (headings with depth, list items, fenced
code with its lines, tables) and front matter."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.ingest import split_document
from retrieval.ingest.formats import UnreadableFile, markdown

GUIDE = """---
date: 2024-03-01
url: https://port.example.org/guide
---
# Harbour guide

Intro paragraph about the harbour and its rules for visiting boats.

## Mooring ¶

Boats moor bow and stern, with `fenders` out.

- Check lines each evening.
- Keep fenders out.

```sh
moor --bow 2 \\
     --stern 2
```

| Berth | Price |
|---|---|
| Inner | 10 |
| Outer | 8 |

### How much does a night cost?

Twelve euros for boats under ten metres.
"""


def _read(tmp_path: Path, content: str) -> list:
    path = tmp_path / "guide.md"
    path.write_text(content, encoding="utf-8")
    return markdown.read(path, "guide.md", "hash")


def test_structure_code_tables_and_front_matter(tmp_path: Path) -> None:
    [doc] = _read(tmp_path, GUIDE)
    assert doc.title == "Harbour guide"  # the first heading, the front matter has none
    assert doc.metadata == {"date": "2024-03-01", "url": "https://port.example.org/guide"}
    intro, mooring, faq = split_document(doc, 800)
    assert intro.section == () and intro.text.startswith("Intro paragraph")
    assert mooring.section == ("Mooring",)  # no permalink mark
    assert mooring.text.split("\n")[:3] == [
        "Boats moor bow and stern, with fenders out.",
        "Check lines each evening.",  # a list item a line
        "Keep fenders out.",
    ]
    [(start, end)] = mooring.metadata["code"]
    assert mooring.text[start:end] == "moor --bow 2 \\\n     --stern 2"  # lines and indent kept
    assert mooring.text.endswith("Berth | Price\nInner | 10\nOuter | 8")
    assert faq.section == ("Mooring", "How much does a night cost?")
    assert faq.text == "Twelve euros for boats under ten metres."


def test_front_matter_title_and_file_name_fallback(tmp_path: Path) -> None:
    [doc] = _read(tmp_path, "---\ntitle: Tide tables\n---\nThe tides are posted daily.\n")
    assert doc.title == "Tide tables"
    [doc] = _read(tmp_path, "The tides are posted at the quay every morning.\n")
    assert doc.title == "guide"


@pytest.mark.parametrize("content", ["", "---\n- [broken: yaml\n---\nText.\n"])
def test_unreadable(tmp_path: Path, content: str) -> None:
    with pytest.raises(UnreadableFile):
        _read(tmp_path, content)
