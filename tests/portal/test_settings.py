"""Production refuses unsafe settings; `check --deploy` is clean with good ones."""

import base64
import os
import secrets
import subprocess
import sys

import pytest

from portal.env import Env


def prod_env(**overrides):
    env = {
        "QILU_ENV": "prod",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "QILU_MASTER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "DATABASE_URL": "postgres://qilu@127.0.0.1:1/qilu",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "ALLOWED_HOSTS": "qilu.example.gov.cn",
        "QILU_PUBLIC_URL": "https://qilu.example.gov.cn",
        "PATH": os.environ["PATH"],
    }
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def manage(*args, env):
    return subprocess.run([sys.executable, "manage.py", *args], env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=prod_env())
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is too weak"),
        ({"QILU_MASTER_KEY": None}, "QILU_MASTER_KEY is not set"),
        ({"QILU_MASTER_KEY": base64.b64encode(b"\0" * 32).decode()}, "QILU_MASTER_KEY must be base64 of 32 random bytes"),
        ({"DEBUG": "true"}, "DEBUG must be off"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": None}, "DATABASE_URL is not set"),
        ({"REDIS_URL": None}, "REDIS_URL is not set"),
        ({"QILU_CASE_SCORE_WEIGHTS": "{response: 1"}, "QILU_CASE_SCORE_WEIGHTS is not JSON"),
        ({"KNOWLEDGE_SEARCH_TIMEOUT": "1.5"}, "KNOWLEDGE_SEARCH_TIMEOUT must be above 0 and below the Redis socket timeout (1 s)"),
        ({"KNOWLEDGE_SEARCH_TIMEOUT": "half a second"}, "KNOWLEDGE_SEARCH_TIMEOUT must be a number of seconds"),
    ],
)
def test_production_refuses_to_start_with_unsafe_settings(overrides, message):
    result = manage("check", env=prod_env(**overrides))
    assert result.returncode != 0
    assert "Refusing to start with QILU_ENV=prod" in result.stderr
    assert message in result.stderr


def test_dev_defaults_are_not_used_in_production():
    env = Env({"QILU_ENV": "prod"})
    assert env.secret("SECRET_KEY", dev="dev-value") == ""
    assert env.problems == ["SECRET_KEY is not set"]
    assert Env({}).secret("SECRET_KEY", dev="dev-value") == "dev-value"


def test_the_dev_secret_key_is_refused_in_production():
    from portal import settings as dev_settings

    result = manage("check", env=prod_env(SECRET_KEY=dev_settings.DEV_SECRET_KEY))
    assert "SECRET_KEY is too weak" in result.stderr
