"""The app factory and its configuration from the environment."""

from __future__ import annotations

import pytest

from xborder import create_app
from xborder.config import ConfigError, load_settings


def test_defaults_run_embedded(tmp_path):
    settings = load_settings({"XBORDER_INSTANCE_PATH": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'xborder.sqlite3'}"
    assert settings.redis_url is None
    assert settings.embedded is True


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    first = load_settings({"XBORDER_INSTANCE_PATH": str(tmp_path)})
    second = load_settings({"XBORDER_INSTANCE_PATH": str(tmp_path)})
    assert first.secret_key == second.secret_key
    assert len(first.secret_key) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert first.key_passphrase == (tmp_path / "key_passphrase").read_text().strip().encode()


def test_workers_starting_at_once_on_a_fresh_instance_share_one_whole_secret(tmp_path):
    import threading

    for round_ in range(20):
        instance = tmp_path / f"round{round_}"
        start, seen, failures = threading.Barrier(12), set(), []

        def worker(instance=instance, start=start, seen=seen, failures=failures) -> None:
            start.wait()
            try:
                settings = load_settings({"XBORDER_INSTANCE_PATH": str(instance)})
            except Exception as exc:  # noqa: BLE001 — a worker that fails to boot is the bug
                failures.append(repr(exc))
            else:
                seen.add((settings.secret_key, settings.key_passphrase))

        threads = [threading.Thread(target=worker) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert failures == []
        assert len(seen) == 1
        secret_key, passphrase = seen.pop()
        assert len(secret_key) >= 32 and len(passphrase) >= 32
        assert secret_key == (instance / "secret_key").read_text().strip()
        assert sorted(p.name for p in instance.iterdir()) == ["key_passphrase", "secret_key"]  # no temporary left
        assert (instance / "key_passphrase").stat().st_mode & 0o777 == 0o600


def test_postgres_url_gets_the_psycopg3_driver(tmp_path):
    settings = load_settings({"XBORDER_INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "postgresql://u@h/db"})
    assert settings.database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL"),
        ("REDIS_URL", "http://localhost", "REDIS_URL"),
        ("XBORDER_SECRET_KEY", "short", "XBORDER_SECRET_KEY"),
        ("XBORDER_TOKEN_TTL_HOURS", "soon", "XBORDER_TOKEN_TTL_HOURS"),
        ("XBORDER_TOKEN_TTL_HOURS", "0", "at least 1"),
    ],
)
def test_bad_values_fail_fast_with_the_variable_named(tmp_path, name, value, message):
    with pytest.raises(ConfigError, match=message):
        load_settings({"XBORDER_INSTANCE_PATH": str(tmp_path), name: value})


def test_factory_builds_an_app_from_an_explicit_environment(tmp_path):
    app = create_app({"XBORDER_INSTANCE_PATH": str(tmp_path), "XBORDER_SECRET_KEY": "x" * 32})
    assert app.config["SECRET_KEY"] == "x" * 32
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert {"accounts.login", "cases.home", "accounts_api.TokenResource"} <= set(app.view_functions)
