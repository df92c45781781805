"""Every wrong flag, path or value of ``python -m bot`` and ``python -m retrieval``: a
one-line error, a non-zero exit, never a traceback (table-driven, in-process through
``bot.cli.main`` / ``retrieval.cli.main``, with a few cases again as real subprocesses);
and the token never printed, even when the Bot API server rejects it (subprocesses)."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.cli import (
    Outcome,
    bot_main,
    clean_environ,
    retrieval_main,
    run_module,
)
from tests.support.e2e import assert_no_secrets, make_token
from tests.support.emulator import needs_emulator
from tests.support.paths import SEEDS

TOKEN = "123456:SECRET-cli-token"

# (name, args, extra environment); {tmp} is a scratch folder, {file} a plain file,
# {empty} an empty folder, {badjson} a file that is not JSON.
BOT_CASES = [
    ("unknown flag", ["--bogus"], {}),
    ("k zero", ["-k", "0"], {}),
    ("k not a number", ["-k", "x"], {}),
    ("k too big", ["-k", "11", "--ask", "q"], {}),
    ("negative rate limit", ["--rate-limit", "-1"], {}),
    ("bad inline rate limit", ["--inline-rate-limit", "x"], {}),
    ("port out of range", ["--port", "70000", "--token", TOKEN], {}),
    ("zero workers", ["--workers", "0"], {}),
    ("bad log level", ["--log-level", "LOUD"], {}),
    ("bad api url", ["--api-url", "ftp://x", "--token", TOKEN], {}),
    ("token with spaces", ["--token", "12 34"], {}),
    ("non-numeric allow", ["--allow", "bob", "--token", TOKEN], {}),
    ("non-numeric admin", ["--admin", "root", "--token", TOKEN], {}),
    ("non-numeric allow env", ["--token", TOKEN], {"TELEGRAM_ALLOWED_USERS": "x,y"}),
    ("non-numeric admin env", ["--token", TOKEN], {"TELEGRAM_ADMIN_USERS": "x"}),
    ("bad webhook url", ["--token", TOKEN, "--webhook-url", "nope"], {}),
    ("bad webhook secret", ["--token", TOKEN, "--webhook-url", "https://e.x/h",
                            "--webhook-secret", "has spaces!"], {}),
    ("two front ends", ["--console", "--auto"], {}),
    ("no token", [], {}),
    ("empty question", ["--ask", "   "], {}),
    ("missing corpus", ["--ask", "q", "--corpus", "{tmp}/nope"], {}),
    ("empty corpus", ["--ask", "q", "--corpus", "{empty}"], {}),
    ("index dir is a file", ["--ask", "q", "--corpus", str(SEEDS), "--index-dir", "{file}"], {}),
]  # fmt: skip
RETRIEVAL_CASES = [
    ("no command", [], {}),
    ("unknown command", ["bogus"], {}),
    ("query without question", ["query"], {}),
    ("empty question", ["query", "  "], {}),
    ("k zero", ["query", "q", "-k", "0"], {}),
    ("missing corpus", ["index", "{tmp}/nope"], {}),
    ("empty corpus", ["index", "{empty}", "--index-dir", "{tmp}/i1"], {}),
    ("no index there", ["query", "q", "--index-dir", "{empty}"], {}),
    ("missing config", ["query", "q", "--config", "{tmp}/nope.json"], {}),
    ("config not json", ["query", "q", "--config", "{badjson}"], {}),
    ("missing eval file", ["eval", "{tmp}/nope.jsonl", "--index-dir", "{empty}"], {}),
    ("index dir is a file", ["index", str(SEEDS), "--index-dir", "{file}"], {}),
]  # fmt: skip


def concrete(args: list[str], tmp: Path) -> list[str]:
    """``args`` with the placeholders replaced by paths in ``tmp``."""
    files = {
        "{tmp}": str(tmp),
        "{file}": str(tmp / "plain-file"),
        "{empty}": str(tmp / "empty"),
        "{badjson}": str(tmp / "bad.json"),
    }
    out = []
    for arg in args:
        for key, value in files.items():
            arg = arg.replace(key, value)
        out.append(arg)
    return out


def run_case(module: str, args: list[str], env_extra: dict[str, str], tmp: Path) -> Outcome:
    """One case in-process, as ``python -m MODULE`` would run it (``bot`` with a clean
    environment plus ``env_extra``)."""
    if module == "bot":
        return bot_main(concrete(args, tmp), clean_environ(**env_extra))
    assert not env_extra, "python -m retrieval reads no environment here"
    return retrieval_main(concrete(args, tmp))


def check_error(name: str, proc: Outcome | subprocess.CompletedProcess[str]) -> str | None:
    """What is wrong with how ``proc`` failed, or None."""
    err = proc.stderr.strip()
    errors = [line for line in err.splitlines() if "error:" in line]
    if proc.returncode == 0:
        return f"{name}: exit 0"
    if "Traceback" in err:
        return f"{name}: traceback:\n{err[-1500:]}"
    if len(errors) != 1:
        return f"{name}: expected one error line, got:\n{err[-1500:]}"
    if TOKEN in proc.stdout + proc.stderr or TOKEN.split(":")[1] in proc.stderr:
        return f"{name}: the token was printed"
    return None


def _scratch(tmp_path: Path) -> Path:
    (tmp_path / "plain-file").write_text("not a folder")
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad.json").write_text("{not json")
    return tmp_path


@pytest.mark.parametrize(
    ("module", "cases"),
    [
        ("bot", BOT_CASES),
        ("retrieval", RETRIEVAL_CASES),
    ],
)
def test_every_wrong_input_is_one_error_line_and_a_non_zero_exit(module, cases, tmp_path):
    """In-process (``bot.cli.main`` / ``retrieval.cli.main``): the same code as
    ``python -m``, without an interpreter start per case."""
    tmp = _scratch(tmp_path)
    problems = [check_error(name, run_case(module, args, env, tmp)) for name, args, env in cases]
    problems = [p for p in problems if p]
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize(
    ("module", "case"),
    [("bot", BOT_CASES[0]), ("retrieval", RETRIEVAL_CASES[1])],
    ids=["bot-unknown-flag", "retrieval-unknown-command"],
)
def test_wrong_input_through_the_real_command_line(module, case, tmp_path):
    """Real ``python -m`` subprocesses for two of the cases above: the interpreter's own
    exit code and everything the process wrote (warnings included)."""
    name, args, env_extra = case
    proc = run_module(module, concrete(args, _scratch(tmp_path)), clean_environ(**env_extra))
    assert check_error(name, proc) is None, check_error(name, proc)


@pytest.mark.e2e
@needs_emulator()
def test_rejected_token_and_unreachable_server_never_print_the_token(
    emulator, bot_index_dir, tmp_path
) -> None:
    """Two ways the Bot API fails at start-up, at DEBUG: the server answers 401 to getMe
    (PTB raises "The token `...` was rejected by the server": it quotes the token), and
    no server at all. One error line, exit 1, the token nowhere."""
    token = make_token()
    emulator.client.inject_fault("getMe", 401, count=5, token=token)
    common = ["--token", token, "--corpus", str(SEEDS), "--index-dir", str(bot_index_dir)]
    common += ["--log-level", "DEBUG"]
    cases = [
        ("rejected", [*common, "--api-url", emulator.api_url]),
        ("unreachable", [*common, "--api-url", "http://127.0.0.1:9"]),
    ]
    with ThreadPoolExecutor(2) as pool:
        procs = list(pool.map(lambda c: (c[0], run_module("bot", c[1])), cases))
    for name, proc in procs:
        assert proc.returncode == 1, (name, proc.returncode, proc.stderr[-1500:])
        last = proc.stderr.strip().splitlines()[-1]
        assert last.startswith("error: the bot stopped:"), (name, last)
        assert_no_secrets(proc.stdout + proc.stderr, token, token.split(":", 1)[1])
    rejected = dict(procs)["rejected"].stderr
    assert "[REDACTED]" in rejected and "rejected by the server" in rejected
