"""Every hostile input of issue 12 in one corpus, through the real command lines: the
folder indexes, answers and lists its sources; each bad file is skipped with one
warning line that says why; nothing prints a traceback or a control character.

``python -m retrieval index`` runs once as a real subprocess (what the process writes
to its file descriptors, the interpreter's exit code); ``query``, ``sources`` and
``python -m bot`` (``--ask`` and the piped console) run in-process through ``main``.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from retrieval.ingest.formats import docx, html
from tests.support.cli import (
    bot_main,
    clean_environ,
    retrieval_main,
    run_in_process,
    run_module,
)
from tests.support.paths import SEEDS
from tests.support.terminal import unsafe_characters

_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="r1" Target="word/document.xml" Type="http://schemas.openxmlformats.org'
    '/officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
LLAMAS = "Llamas grow a soft wool that is shorn every spring in the high Andes."
# File name (as the warnings show it) -> what its one warning line must say.
SKIPPED = {
    "x.txt": "not a regular file (a FIFO)",
    "zero.txt": "not a regular file (a character device)",
    "rand.md": "not a regular file (a character device)",
    "bomb.docx": "decompression bomb",
    "bomb.jsonl.gz": "decompression bomb",
    "huge.html": "larger than 10 MB",
    "mixed.jsonl, line 1": "not valid UTF-8",
}


def _docx_bomb(path: Path) -> None:
    paragraph = b"<w:p><w:r><w:t>Harbour dues are paid monthly.</w:t></w:r></w:p>"
    namespace = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("_rels/.rels", _RELS)
        with archive.open("word/document.xml", "w", force_zip64=True) as body:
            body.write(b"<w:document " + namespace + b"><w:body>")
            block = paragraph * 10_000
            for _ in range(docx.MAX_XML_BYTES // len(block) + 1):
                body.write(block)
            body.write(b"</w:body></w:document>")


def hostile_corpus(folder: Path) -> Path:
    """seeds/ plus one file of every kind that broke or hung the indexer."""
    shutil.copytree(SEEDS, folder)
    # A name that is not UTF-8 (old archives), and names that are terminal markup.
    (folder / os.fsdecode(b"bad\xff\xfename.txt")).write_text(f"Llama wool\n\n{LLAMAS}\n")
    (folder / "[blink red]alert.txt").write_text(
        "Ferry strike alert\n\nThe ferry crews strike on Friday, so the island route stops.\n"
    )
    (folder / "[").mkdir()
    (folder / "[/red] notes.txt").write_text(
        "Harbour notes\n\nThe harbour master posts the tides each morning at the quay.\n"
    )
    (folder / "esc.txt").write_text(
        "\x1b[31mRed alert\x1b[0m\n\nThe lighthouse lamp is tested every evening at dusk.\n"
    )
    # Files that never end: a FIFO and links to endless devices.
    os.mkfifo(folder / "x.txt")
    (folder / "zero.txt").symlink_to("/dev/zero")
    (folder / "rand.md").symlink_to("/dev/urandom")
    # A paragraph of 100 KB without a line break (quadratic splitting took 3 s).
    sentence = "Dr. Lee of Acme Inc. said the U.S. plan for the pier works well. "
    (folder / "long.txt").write_text("Pier plan\n\n" + sentence * (100_000 // len(sentence)))
    # Decompression bombs, and a page over the HTML limit.
    _docx_bomb(folder / "bomb.docx")
    line = json.dumps({"text": "The same record over and over again. " * 20}) + "\n"
    (folder / "bomb.jsonl.gz").write_bytes(gzip.compress(line.encode() * 100_000))
    page = "<p>The tide tables are posted at the quay.</p>" * (html.MAX_HTML_BYTES // 40)
    (folder / "huge.html").write_text(f"<html><body><article>{page}</article></body></html>")
    # A collection with a line that is not UTF-8.
    (folder / "mixed.jsonl").write_bytes(
        b'{"text": "caf\xe9"}\n{"title": "Quay cafe", "text": "The quay cafe opens at six."}\n'
    )
    return folder


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """The hostile corpus, indexed by a real ``python -m retrieval index`` subprocess;
    returns the corpus, the index and what the indexer wrote to stderr."""
    tmp = tmp_path_factory.mktemp("hostile-cli")
    corpus, index_dir = hostile_corpus(tmp / "corpus"), tmp / "index"
    proc = run_module(
        "retrieval", ["index", str(corpus), "--index-dir", str(index_dir)], clean_environ()
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return corpus, index_dir, proc.stderr


def assert_clean(name: str, stdout: str, stderr: str, allowed: str = "\n") -> None:
    assert "Traceback" not in stderr, f"{name}:\n{stderr[-3000:]}"
    bad = unsafe_characters(stdout + stderr, allowed)
    assert not bad, f"{name}: control characters {bad!r} in\n{stdout[-1500:]}{stderr[-1500:]}"


def test_index_skips_each_bad_file_with_one_line_and_keeps_the_rest(indexed) -> None:
    _, _, stderr = indexed
    assert_clean("index", "", stderr)
    warnings = [line for line in stderr.splitlines() if line.startswith("WARNING")]
    for name, why in SKIPPED.items():
        lines = [line for line in warnings if f"/{name}" in line]
        assert len(lines) == 1 and why in lines[0], (name, lines, warnings)
    assert len(warnings) == len(SKIPPED), warnings


@pytest.mark.parametrize(
    ("question", "source"),
    [
        ("When are llamas shorn?", "bad\\xff\\xfename.txt"),
        ("When do the ferry crews strike?", "[blink red]alert.txt"),
        ("Who said the pier plan works?", "long.txt"),
        ("When does the quay cafe open?", "mixed.jsonl#2"),
        ("Who bought Deepmotion?", None),  # the seeds still answer
    ],
)
def test_query_answers_from_the_files_that_were_read(indexed, question, source) -> None:
    corpus, index_dir, _ = indexed
    out = retrieval_main(
        ["query", question, "--corpus", str(corpus), "--index-dir", str(index_dir)]
    )
    assert out.returncode == 0, out.stderr
    assert_clean("query", out.stdout, out.stderr)
    first = out.stdout.splitlines()[0]
    assert first.startswith("1. ") and (source is None or f"({source})" in first), out.stdout


def test_sources_lists_every_document_as_plain_text(indexed) -> None:
    _, index_dir, _ = indexed
    out = retrieval_main(["sources", "--index-dir", str(index_dir)])
    assert out.returncode == 0
    assert_clean("sources", out.stdout, out.stderr, allowed="\n\t")  # tab-separated columns
    assert "[blink red]alert.txt" in out.stdout and "[/red] notes.txt" in out.stdout
    assert "bad\\xff\\xfename.txt" in out.stdout and "Red alert" in out.stdout
    assert "bomb" not in out.stdout and "huge.html" not in out.stdout


def test_the_bot_answers_over_the_hostile_corpus(indexed) -> None:
    corpus, index_dir, _ = indexed
    common = ["--corpus", str(corpus), "--index-dir", str(index_dir)]
    asked = bot_main(["--ask", "When is the lighthouse lamp tested?", *common])
    assert asked.returncode == 0, asked.stderr
    assert_clean("bot --ask", asked.stdout, asked.stderr)
    assert "Red alert" in asked.stdout and "every evening at dusk" in asked.stdout
    from bot.cli import main

    lines = "When do the ferry crews strike?\n/sources\n"
    console = run_in_process(lambda: main(["--console", *common], clean_environ()), lines)
    assert console.returncode == 0, console.stderr
    assert_clean("bot --console", console.stdout, console.stderr)
    assert "1. Ferry strike alert" in console.stdout and "Red alert" in console.stdout


def test_a_warning_quoting_a_hostile_name_is_one_plain_line(tmp_path) -> None:
    # Before: the warning wrote the name's ESC and line break to stderr as they were.
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "good.txt").write_text("Harbour\n\nThe quay opens at six.\n")
    os.mkfifo(tmp_path / "corpus" / "esc\x1b[31mred\nline.txt")
    out = retrieval_main(
        ["sources", "--corpus", str(tmp_path / "corpus"), "--index-dir", str(tmp_path / "i")]
    )
    assert out.returncode == 0, out.stderr
    [warning] = [line for line in out.stderr.splitlines() if "skipping" in line]
    assert "esc[31mred line.txt: not a regular file (a FIFO)" in warning
    assert_clean("warning", "", out.stderr)
