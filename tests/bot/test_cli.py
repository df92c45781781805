"""``python -m bot`` as a user runs it (subprocesses over the session's index)."""

from __future__ import annotations

import pytest

from bot.answer import NO_ANSWER
from tests.support.questions import ANSWERABLE, UNANSWERABLE


def test_piped_console_answers_each_line(run_bot) -> None:
    done = run_bot("--console", stdin=f"{ANSWERABLE}\n{UNANSWERABLE}\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.count("Q: ") == 2
    assert f"Q: {ANSWERABLE}" in out and f"Q: {UNANSWERABLE}" in out
    assert "Pateo" in out and NO_ANSWER in out
    assert "\x1b[" not in out
    assert "Traceback" not in done.stderr


def test_ask_answers_once(run_bot) -> None:
    done = run_bot("--ask", ANSWERABLE)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1. ") and "3. " in done.stdout
    assert "Q: " not in done.stdout


def test_empty_ask_is_a_one_line_error(run_bot) -> None:
    done = run_bot("--ask", "   ")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == "error: the question is empty"
    assert "Traceback" not in done.stderr


def test_auto_without_token_runs_the_console(run_bot) -> None:
    done = run_bot("--auto", stdin=f"{ANSWERABLE}\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("Q: ") == 1


def test_missing_token_points_to_console_mode(run_bot) -> None:
    done = run_bot(index=False)
    assert done.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in done.stderr and "python -m bot --console" in done.stderr
    assert done.stdout == ""


def test_missing_corpus_is_a_one_line_error(run_bot, tmp_path) -> None:
    done = run_bot(
        "--console",
        "--corpus",
        str(tmp_path / "nope"),
        "--index-dir",
        str(tmp_path / "i"),
        index=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: corpus path not found")
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (("--allow", "12,abc"), {}, "allowed users must be numeric"),
        ((), {"TELEGRAM_ALLOWED_USERS": "x"}, "allowed users must be numeric"),
        (("--api-url", "ftp://x"), {}, "--api-url must be an http(s) URL"),
        (("--webhook-url", "https://e.x/hook", "--webhook-secret", "bad secret!"), {}, "1-256"),
        (("-k", "0"), {}, "must be a positive integer"),
        (("-k", "11"), {}, "-k must be between 1 and 10"),
        (("--rate-limit", "-1"), {}, "must be 0 or more"),
        (("--console", "--auto"), {}, "not allowed with argument"),
    ],
)
def test_bad_settings_exit_2_with_a_message(run_bot, args, env, message) -> None:
    done = run_bot(*args, env={"TELEGRAM_BOT_TOKEN": "1:x", **env}, index=False, timeout=60)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
