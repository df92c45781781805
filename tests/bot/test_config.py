"""BotConfig: its validation, and how flags and environment make one (bot.args)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.args import parse_config
from bot.config import DEFAULT_API_URL, BotConfig, ConfigurationError, Mode, parse_user_ids


def test_defaults_without_flags_or_environment() -> None:
    config = parse_config([], {})
    assert config.mode is Mode.TELEGRAM
    assert config.token is None and config.api_url == DEFAULT_API_URL
    assert config.k == 3 and config.rate_limit == 20 and config.allowed_users == frozenset()
    assert config.corpus == () and config.index_dir is None and config.webhook_url is None


def test_environment_fills_in_what_flags_do_not_give() -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": "123:abc",
        "TELEGRAM_API_URL": "http://127.0.0.1:9000/",
        "TELEGRAM_ALLOWED_USERS": "1, 2 3",
        "TELEGRAM_WEBHOOK_SECRET": "s3cret",
    }
    config = parse_config([], env)
    assert config.token == "123:abc"
    assert config.api_url == "http://127.0.0.1:9000"
    assert config.base_url == "http://127.0.0.1:9000/bot"
    assert config.base_file_url == "http://127.0.0.1:9000/file/bot"
    assert config.allowed_users == {1, 2, 3}
    assert config.secrets == ("123:abc", "s3cret")


def test_flags_win_over_environment() -> None:
    config = parse_config(
        ["--token", "9:flag", "--api-url", "http://h", "--allow", "5", "--allow", "6,7"],
        {"TELEGRAM_BOT_TOKEN": "1:env", "TELEGRAM_ALLOWED_USERS": "1"},
    )
    assert config.token == "9:flag" and config.api_url == "http://h"
    assert config.allowed_users == {5, 6, 7}


def test_modes() -> None:
    assert parse_config(["--console"], {}).mode is Mode.CONSOLE
    assert parse_config(["--auto"], {}).mode is Mode.AUTO
    ask = parse_config(["--ask", "why?"], {})
    assert ask.mode is Mode.CONSOLE and ask.ask == "why?"


def test_corpus_index_and_numbers() -> None:
    config = parse_config(
        ["--corpus", "a", "--corpus", "b", "--index-dir", "i", "-k", "5", "--rate-limit", "0"], {}
    )
    assert config.corpus == (Path("a"), Path("b")) and config.index_dir == Path("i")
    assert config.k == 5 and config.rate_limit == 0


def test_webhook_settings_and_generated_secret() -> None:
    config = parse_config(
        [
            "--webhook-url",
            "https://bot.example.com/tg/hook",
            "--listen",
            "127.0.0.1",
            "--port",
            "88",
        ],
        {},
    )
    assert config.webhook_path == "tg/hook" and config.listen == "127.0.0.1" and config.port == 88
    assert config.webhook_secret is None
    secret = config.with_webhook_secret().webhook_secret
    assert secret and len(secret) >= 32
    assert config.with_webhook_secret().webhook_secret != secret  # random each time
    fixed = config.replace(webhook_secret="abc")
    assert fixed.with_webhook_secret().webhook_secret == "abc"


@pytest.mark.parametrize(
    "changes",
    [
        {"k": 0},
        {"rate_limit": -1},
        {"port": 70000},
        {"token": "has space"},
        {"api_url": "api.telegram.org"},
        {"webhook_url": "ftp://x"},
        {"webhook_secret": "no/slashes"},
        {"webhook_secret": "x" * 257},
    ],
)
def test_invalid_values_are_rejected(changes: dict) -> None:
    with pytest.raises(ConfigurationError):
        BotConfig(**changes)


def test_blank_environment_is_unset() -> None:
    assert parse_config([], {"TELEGRAM_BOT_TOKEN": "  "}).token is None


def test_parse_user_ids() -> None:
    assert parse_user_ids("") == frozenset()
    assert parse_user_ids("1,2 ,, 3") == {1, 2, 3}
    with pytest.raises(ConfigurationError, match="numeric"):
        parse_user_ids("1,bob")


def test_argparse_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        parse_config(["-k", "x"], {})
    assert exc.value.code == 2
    assert "not an integer" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-k", "0"], "-k must be between 1 and 10, not 0"),
        (["-k", "11"], "-k must be between 1 and 10, not 11"),
        (["--rate-limit", "-1"], "--rate-limit must be 0 or more, not -1"),
        (["--inline-rate-limit", "-1"], "--inline-rate-limit must be 0 or more, not -1"),
        (["--port", "0"], "--port must be between 1 and 65535, not 0"),
        (["--workers", "0"], "--workers must be a positive integer, not 0"),
        (["--max-batch", "0"], "--max-batch must be a positive integer, not 0"),
    ],
)
def test_each_number_is_checked_once_with_one_message(argv: list[str], message: str) -> None:
    with pytest.raises(ConfigurationError) as exc:
        parse_config(argv, {})
    assert str(exc.value) == message


def test_auto_mode_resolves_by_token() -> None:
    assert BotConfig(mode=Mode.AUTO).resolved_mode() is Mode.CONSOLE
    assert BotConfig(mode=Mode.AUTO, token="1:x").resolved_mode() is Mode.TELEGRAM
    assert BotConfig(mode=Mode.CONSOLE, token="1:x").resolved_mode() is Mode.CONSOLE


def test_watch_is_off_by_default_and_keeps_a_chat_running() -> None:
    assert parse_config([], {}).watch is False
    assert parse_config(["--watch", "--console"], {}).watch is True
    assert parse_config(["--watch"], {}).mode is Mode.TELEGRAM
    with pytest.raises(ConfigurationError) as exc:
        parse_config(["--watch", "--ask", "why?"], {})
    assert str(exc.value) == "--watch keeps the bot running: it cannot be used with --ask"
