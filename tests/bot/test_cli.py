"""``python -m bot`` as a user runs it: ``bot.cli.main`` in process over the session's
index and model, plus one real subprocess as a smoke test of the entry point."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import cli
from bot.answer import NO_ANSWER
from bot.config import BotConfig
from tests.bot.conftest import INTERRUPTED_QUESTION, CliRun, InterruptedSearch
from tests.support.questions import ANSWERABLE, UNANSWERABLE
from tests.support.terminal import unsafe_characters

RunCli = Callable[..., CliRun]
RunBot = Callable[..., subprocess.CompletedProcess[str]]


def test_piped_console_answers_each_line(run_cli: RunCli) -> None:
    done = run_cli("--console", stdin=f"{ANSWERABLE}\n{UNANSWERABLE}\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.count("Q: ") == 2
    assert f"Q: {ANSWERABLE}" in out and f"Q: {UNANSWERABLE}" in out
    assert "Pateo" in out and NO_ANSWER in out
    assert "\x1b[" not in out
    assert "Traceback" not in done.stderr


def test_json_console_is_one_conversation_and_one_object_per_line(run_cli: RunCli) -> None:
    lines = [ANSWERABLE, "When did it happen?", "hi", "/new", "When did it happen?", "Qui?"]
    done = run_cli("--console", "--json", stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["question"] for r in records] == [*lines[:3], None, *lines[4:]]
    first, follow_up, hello, new, alone, _ = records
    assert first["answered"] and first["passages"][0]["rank"] == 1
    passage = first["passages"][0]
    assert {"rank", "title", "source", "text", "emphasis"} <= passage.keys()
    assert passage["emphasis"] in passage["text"]
    assert follow_up["context"] and "Pateo" in follow_up["understood"]
    assert "April 17" in follow_up["passages"][0]["text"]
    assert hello["message"] and not hello["passages"]
    assert "new conversation" in new["message"]
    assert alone["context"] is None and not alone["answered"]


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (("--ask", INTERRUPTED_QUESTION), ""),
        (("--console",), f"{ANSWERABLE}\n{INTERRUPTED_QUESTION}\n{UNANSWERABLE}\n"),
    ],
    ids=["ask", "piped"],
)
def test_ctrl_c_outside_the_interactive_chat_exits_130_with_one_line(
    run_cli: RunCli,
    interrupted_search: InterruptedSearch,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    stdin: str,
) -> None:
    """A script or a one-off question: Ctrl-C (a real SIGINT during the search) stops
    the run, says so in one line and leaves the rest of the input unread."""
    monkeypatch.setattr(cli, "open_composer", lambda config: interrupted_search)
    done = run_cli(*args, stdin=stdin)
    assert interrupted_search.interrupted == 1
    assert done.returncode == 130
    assert done.stderr.splitlines() == ["interrupted"], done.stderr
    assert NO_ANSWER not in done.stdout


def test_ask_answers_once(run_cli: RunCli) -> None:
    done = run_cli("--ask", ANSWERABLE)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1. ") and "3. " in done.stdout
    assert "Q: " not in done.stdout


def test_python_m_bot_ask_answers_once(run_bot: RunBot) -> None:
    """The one real process: the entry point, its imports and exit code."""
    done = run_bot("--ask", ANSWERABLE)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1. ") and "3. " in done.stdout
    assert "Q: " not in done.stdout
    assert "Traceback" not in done.stderr


def test_empty_ask_is_a_one_line_error(run_cli: RunCli) -> None:
    done = run_cli("--ask", "   ")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == "error: the question is empty"
    assert "Traceback" not in done.stderr


def test_auto_without_token_runs_the_console(run_cli: RunCli) -> None:
    done = run_cli("--auto", stdin=f"{ANSWERABLE}\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("Q: ") == 1


def test_missing_token_points_to_console_mode(run_cli: RunCli) -> None:
    done = run_cli(index=False)
    assert done.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in done.stderr and "python -m bot --console" in done.stderr
    assert done.stdout == ""


def test_missing_corpus_is_a_one_line_error(run_cli: RunCli, tmp_path: Path) -> None:
    done = run_cli(
        "--console",
        "--corpus",
        str(tmp_path / "no\x1b[31mpe\nthere"),  # the name is shown, not obeyed
        "--index-dir",
        str(tmp_path / "i"),
        index=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: corpus path not found")
    assert "no[31mpe there" in done.stderr and len(done.stderr.splitlines()) == 1
    assert not unsafe_characters(done.stderr)


BAD_SETTINGS = [
    (("--allow", "12,abc"), {}, "allowed users must be numeric"),
    ((), {"TELEGRAM_ALLOWED_USERS": "x"}, "allowed users must be numeric"),
    (("--api-url", "ftp://x"), {}, "--api-url must be an http(s) URL"),
    (("--webhook-url", "https://e.x/hook", "--webhook-secret", "bad secret!"), {}, "1-256"),
    # -k is checked in one place, with one message (0 was argparse's "must be a positive
    # integer" before, 11 the config's message).
    (("-k", "0"), {}, "-k must be between 1 and 10"),
    (("-k", "11"), {}, "-k must be between 1 and 10"),
    (("-k", "x"), {}, "not an integer"),
    (("--rate-limit", "-1"), {}, "must be 0 or more"),
    (("--console", "--auto"), {}, "not allowed with argument"),
    (("--ask", "   "), {}, "the question is empty"),
    (("--config", "/nonexistent/settings.json"), {}, "--config: cannot read config"),
    (("--conversation-minutes", "-1"), {}, "--conversation-minutes must be between"),
]


@pytest.mark.parametrize(("args", "env", "message"), BAD_SETTINGS)
def test_bad_settings_exit_2_with_a_message(
    run_cli: RunCli, args: tuple[str, ...], env: dict[str, str], message: str
) -> None:
    done = run_cli(*args, env={"TELEGRAM_BOT_TOKEN": "1:x", **env}, index=False)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert len([line for line in done.stderr.splitlines() if "error:" in line]) == 1


@pytest.mark.parametrize(("args", "env", "message"), BAD_SETTINGS)
def test_bad_settings_fail_before_the_index_loads(
    run_cli: RunCli,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    env: dict[str, str],
    message: str,
) -> None:
    def never(config: BotConfig) -> None:
        raise AssertionError("the index was opened despite bad settings")

    monkeypatch.setattr(cli, "open_composer", never)
    done = run_cli(*args, env={"TELEGRAM_BOT_TOKEN": "1:x", **env}, index=False)
    assert done.returncode == 2 and message in done.stderr


def test_help_exits_0(run_cli: RunCli) -> None:
    done = run_cli("--help", index=False)
    assert done.returncode == 0
    assert "--console" in done.stdout and "TELEGRAM_BOT_TOKEN" in done.stdout
