"""8. Hostile inputs (issue 12): what each costs to read or to refuse, in time and memory.

Each case runs in a fresh process (``python -m benchmarks._child read PATH``) that
reads one file with the project's own reader (``read_documents``, then the split into
passages) and reports its time and the memory it added to the process's peak RSS:

* ``paragraph``: one JSON Lines record whose text is one paragraph without a line
  break (BBC articles run together): 10 MB (``tiny``: 1 MB), read and split;
* ``docx``: a real Word file of 20,000 paragraphs (``tiny``: 2,000) with headings,
  lists, bold lines and tables, written by python-docx;
* ``docx_bomb``: a .docx of under 1 MB holding 300 MB of XML (5 million paragraphs);
* ``gzip_bomb``: a .jsonl.gz of a few MB that inflates to 1 GB of records (``tiny``:
  64 MB);
* ``big_html``: an HTML page of 25 MB.
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

from .common import (
    ROOT,
    Context,
    Target,
    bbc_articles,
    print_table,
    python,
    subprocess_env,
    write_result,
)

NAME = "hostile"
#: Seconds: the issue's limits (10 MB split, 20k-paragraph docx) and, for refusals,
#: "at once".
LIMITS = {"paragraph": 10.0, "docx": 5.0, "docx_bomb": 5.0, "gzip_bomb": 5.0, "big_html": 5.0}
#: Memory any case adds to the process's peak RSS, MB: a refusal must not hold what it
#: refuses, and reading 10 MB of text should not take more than a few times that.
ADDED_RSS_LIMIT_MB = 200.0
_W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="r1" Target="word/document.xml" Type="http://schemas.openxmlformats.org'
    '/officeDocument/2006/relationships/officeDocument"/></Relationships>'
)


def _paragraph(path: Path, size: int) -> None:
    text = " ".join(a["text"].replace("\n", " ") for a in bbc_articles())
    text = (text * (size // len(text) + 1))[:size]
    path.write_text(json.dumps({"id": "one", "title": "Run together", "text": text}) + "\n")


def _docx(path: Path, paragraphs: int) -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = "Harbour handbook"
    articles = bbc_articles()
    for i in range(paragraphs):
        text = articles[i % len(articles)]["text"].split("\n\n")[-1]
        if i % 50 == 0:
            document.add_heading(f"Chapter {i // 50 + 1}", level=1)
        elif i % 10 == 0:
            document.add_paragraph(text[:80], style="List Bullet")
        elif i % 25 == 1:
            document.add_paragraph().add_run(f"Rule {i}").bold = True
        else:
            document.add_paragraph(text)
        if i % 1000 == 999:
            table = document.add_table(rows=3, cols=3)
            for r, row in enumerate(table.rows):
                for c, cell in enumerate(row.cells):
                    cell.text = f"row {r} column {c}"
    document.save(str(path))


def _docx_bomb(path: Path) -> None:
    paragraph = b"<w:p><w:r><w:t>The harbour dues are paid.</w:t></w:r></w:p>"  # 62 bytes
    block = paragraph * 100_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("_rels/.rels", _RELS)
        with archive.open("word/document.xml", "w", force_zip64=True) as body:
            body.write(b"<w:document " + _W + b"><w:body>")
            for _ in range(50):  # 5 million paragraphs: 296 MB
                body.write(block)
            body.write(b"</w:body></w:document>")


def _gzip_bomb(path: Path, megabytes: int) -> None:
    import gzip

    line = json.dumps({"text": "The same record over and over. " * 30}).encode() + b"\n"
    block = line * (2**20 // len(line))
    with gzip.open(path, "wb", compresslevel=9) as out:
        for _ in range(megabytes):
            out.write(block)


def _big_html(path: Path) -> None:
    paragraph = "<p>The harbour master posts the tides each morning at the quay.</p>"
    body = paragraph * (25 * 2**20 // len(paragraph))
    path.write_text(f"<html><head><title>Tides</title></head><body>{body}</body></html>")


def _inputs(ctx: Context) -> dict[str, Path]:
    """The hostile files, written once into the cache (each is kept for later runs)."""
    tiny = ctx.profile.name == "tiny"
    folder = ctx.cache / "hostile"
    folder.mkdir(parents=True, exist_ok=True)
    makers: dict[str, tuple[str, Any]] = {
        "paragraph": (
            f"paragraph-{1 if tiny else 10}mb.jsonl",
            lambda p: _paragraph(p, (1 if tiny else 10) * 2**20),
        ),
        "docx": (
            f"handbook-{2 if tiny else 20}k.docx",
            lambda p: _docx(p, 2_000 if tiny else 20_000),
        ),
        "docx_bomb": ("bomb.docx", _docx_bomb),
        # The smoke run makes a smaller one (refused after a megabyte all the same).
        "gzip_bomb": (
            f"bomb-{64 if tiny else 1024}mb.jsonl.gz",
            lambda p: _gzip_bomb(p, 64 if tiny else 1024),
        ),
        "big_html": ("big.html", _big_html),
    }
    paths = {}
    for case, (name, make) in makers.items():
        path = folder / name
        if not path.exists():
            partial = path.with_name(f".{name}.partial")
            make(partial)
            partial.rename(path)
        paths[case] = path
    return paths


def _spawn(path: Path) -> dict[str, Any]:
    """Reads ``path`` in a fresh process (``benchmarks._child read``)."""
    done = subprocess.run(
        [python(), "-m", "benchmarks._child", "read", str(path)],
        cwd=ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    if done.returncode != 0:
        raise RuntimeError(f"hostile child failed on {path.name}: {done.stderr[-2000:]}")
    child = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "file_mb": round(path.stat().st_size / 2**20, 2),
        "seconds": child["phases"]["read"],
        "added_rss_mb": round((child["peak_rss_bytes"] - child["rss_before_bytes"]) / 2**20, 1),
        "peak_rss_mb": round(child["peak_rss_bytes"] / 2**20, 1),
        "documents": child["documents"],
        "passages": child["passages"],
        "warning": child["warning"].rsplit(": ", 1)[-1] if child["warning"] else "",
    }


def run(ctx: Context) -> dict[str, Any]:
    results = {case: _spawn(path) for case, path in _inputs(ctx).items()}
    print_table(
        "8. hostile inputs: read and split one file (fresh process each)",
        ["case", "file MB", "seconds", "RSS added MB", "documents", "passages", "warning"],
        [
            (case, r["file_mb"], r["seconds"], r["added_rss_mb"], r["documents"], r["passages"],
             r["warning"][-60:])
            for case, r in results.items()
        ],
    )  # fmt: skip
    targets = [Target(f"{case} seconds", results[case]["seconds"], LIMITS[case], "<=")
               for case in results]  # fmt: skip
    targets.append(
        Target(
            "RSS added by any case, MB",
            max(r["added_rss_mb"] for r in results.values()),
            ADDED_RSS_LIMIT_MB,
            "<=",
        )
    )
    notes = [
        "Each case is one file read by read_documents and split into passages, in a fresh "
        "process; the bombs and the big page must be refused, the others read whole.",
    ]
    write_result(ctx, NAME, results, targets, notes)
    return results
