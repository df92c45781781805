"""Every wrong flag, path or value of ``python -m bot`` and ``python -m retrieval``: a
one-line error, a non-zero exit, never a traceback (table-driven, real subprocesses);
and the token never printed, even when the Bot API server rejects it."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.e2e import assert_no_secrets, make_token
from tests.support.harness import emulator_unavailable_reason

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
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


def run_case(module: str, args: list[str], env_extra: dict[str, str], tmp: Path):
    files = {
        "{tmp}": str(tmp),
        "{file}": str(tmp / "plain-file"),
        "{empty}": str(tmp / "empty"),
        "{badjson}": str(tmp / "bad.json"),
    }
    concrete = []
    for arg in args:
        for key, value in files.items():
            arg = arg.replace(key, value)
        concrete.append(arg)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env.update(HF_HUB_OFFLINE="1", PYTHONIOENCODING="utf-8", OMP_NUM_THREADS="1", **env_extra)
    return subprocess.run(
        [sys.executable, "-m", module, *concrete],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=180, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def check_error(name: str, proc: subprocess.CompletedProcess[str]) -> str | None:
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
    tmp = _scratch(tmp_path)
    with ThreadPoolExecutor(4) as pool:
        procs = list(pool.map(lambda c: (c[0], run_case(module, c[1], c[2], tmp)), cases))
    problems = [p for p in (check_error(name, proc) for name, proc in procs) if p]
    assert not problems, "\n\n".join(problems)


@pytest.mark.e2e
@pytest.mark.skipif(emulator_unavailable_reason() is not None, reason="emulator unavailable")
def test_rejected_token_and_unreachable_server_never_print_the_token(
    rel_emulator, rel_index_dir, tmp_path
) -> None:
    """Two ways the Bot API fails at start-up, at DEBUG: the server answers 401 to getMe
    (PTB raises "The token `...` was rejected by the server": it quotes the token), and
    no server at all. One error line, exit 1, the token nowhere."""
    token = make_token()
    rel_emulator.client.inject_fault("getMe", 401, count=5, token=token)
    common = ["--token", token, "--corpus", str(SEEDS), "--index-dir", str(rel_index_dir)]
    common += ["--log-level", "DEBUG"]
    cases = [
        ("rejected", [*common, "--api-url", rel_emulator.api_url]),
        ("unreachable", [*common, "--api-url", "http://127.0.0.1:9"]),
    ]
    with ThreadPoolExecutor(2) as pool:
        procs = list(pool.map(lambda c: (c[0], run_case("bot", c[1], {}, tmp_path)), cases))
    for name, proc in procs:
        assert proc.returncode == 1, (name, proc.returncode, proc.stderr[-1500:])
        last = proc.stderr.strip().splitlines()[-1]
        assert last.startswith("error: the bot stopped:"), (name, last)
        assert_no_secrets(proc.stdout + proc.stderr, token, token.split(":", 1)[1])
    rejected = dict(procs)["rejected"].stderr
    assert "[REDACTED]" in rejected and "rejected by the server" in rejected
