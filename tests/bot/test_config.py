"""BotConfig from flags and environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_API_URL, BotConfig, ConfigurationError, Mode, parse_user_ids


def test_defaults_without_flags_or_environment() -> None:
    config = BotConfig.from_args([], {})
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
    config = BotConfig.from_args([], env)
    assert config.token == "123:abc"
    assert config.api_url == "http://127.0.0.1:9000"
    assert config.base_url == "http://127.0.0.1:9000/bot"
    assert config.base_file_url == "http://127.0.0.1:9000/file/bot"
    assert config.allowed_users == {1, 2, 3}
    assert config.secrets == ("123:abc", "s3cret")


def test_flags_win_over_environment() -> None:
    config = BotConfig.from_args(
        ["--token", "9:flag", "--api-url", "http://h", "--allow", "5", "--allow", "6,7"],
        {"TELEGRAM_BOT_TOKEN": "1:env", "TELEGRAM_ALLOWED_USERS": "1"},
    )
    assert config.token == "9:flag" and config.api_url == "http://h"
    assert config.allowed_users == {5, 6, 7}


def test_modes() -> None:
    assert BotConfig.from_args(["--console"], {}).mode is Mode.CONSOLE
    assert BotConfig.from_args(["--auto"], {}).mode is Mode.AUTO
    ask = BotConfig.from_args(["--ask", "why?"], {})
    assert ask.mode is Mode.CONSOLE and ask.ask == "why?"


def test_corpus_index_and_numbers() -> None:
    config = BotConfig.from_args(
        ["--corpus", "a", "--corpus", "b", "--index-dir", "i", "-k", "5", "--rate-limit", "0"], {}
    )
    assert config.corpus == (Path("a"), Path("b")) and config.index_dir == Path("i")
    assert config.k == 5 and config.rate_limit == 0


def test_webhook_settings_and_generated_secret() -> None:
    config = BotConfig.from_args(
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
    assert BotConfig.from_args([], {"TELEGRAM_BOT_TOKEN": "  "}).token is None


def test_parse_user_ids() -> None:
    assert parse_user_ids("") == frozenset()
    assert parse_user_ids("1,2 ,, 3") == {1, 2, 3}
    with pytest.raises(ConfigurationError, match="numeric"):
        parse_user_ids("1,bob")


def test_argparse_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        BotConfig.from_args(["-k", "x"], {})
    assert exc.value.code == 2
    assert "not an integer" in capsys.readouterr().err
