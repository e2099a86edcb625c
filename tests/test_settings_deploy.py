"""Production settings: `check --deploy` is clean and a missing SECRET_KEY stops start-up.

Each test starts a fresh interpreter with a production-like environment (settings are
read once per process, so they cannot be checked from inside the test process).
"""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent

# Only what a process needs to run; none of the test run's DJANGO/TESTING/DEBUG variables.
_PASS_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def _production_env(tmp_path, **extra):
    env = {k: os.environ[k] for k in _PASS_THROUGH if k in os.environ}
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env.update(
        DJANGO_SETTINGS_MODULE="wujin_branch.settings",
        DEBUG="0",
        SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(60)),
        ALLOWED_HOSTS="example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    env["ENV_FILE"] = str(tmp_path / "no.env")  # the production check must not see a local .env
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def _run(args, env):
    return subprocess.run([sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_has_no_warnings(tmp_path):
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env(tmp_path))
    assert result.returncode == 0, f"check --deploy failed:\n{result.stdout}\n{result.stderr}"


def test_collectstatic_works_with_production_storage(tmp_path):
    # The container entrypoint runs this on start; the manifest storage fails on a CSS
    # url() that points at a missing file, so catch it here rather than at deploy time.
    result = _run(["manage.py", "collectstatic", "--noinput", "-v", "0"], _production_env(tmp_path))
    assert result.returncode == 0, f"collectstatic failed:\n{result.stdout}\n{result.stderr}"
    assert (tmp_path / "static" / "staticfiles.json").exists()


def test_missing_secret_key_with_debug_off_fails_clearly(tmp_path):
    env = _production_env(tmp_path, SECRET_KEY=None)
    result = _run(["-c", "import django; django.setup()"], env)
    assert result.returncode != 0, "settings loaded without SECRET_KEY while DEBUG is off"
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr.strip().splitlines()[-1], result.stderr


@pytest.mark.django_db
def test_database_pool_serves_queries_from_psycopgs_pool(tmp_path):
    """DATABASE_POOL=true on PostgreSQL: the connection comes from a psycopg pool, CONN_MAX_AGE is 0.
    The fresh interpreter connects to this run's test database (the one that surely exists)."""
    from django.db import connection

    from tests.workers import test_database_url

    if connection.vendor != "postgresql":
        if os.environ.get("CI") == "true":
            pytest.fail("CI runs on PostgreSQL: DATABASE_URL is not a PostgreSQL URL")
        pytest.skip("the pool is PostgreSQL's; DATABASE_URL is SQLite here")
    env = _production_env(tmp_path, DATABASE_URL=test_database_url(), DATABASE_POOL="true", DATABASE_POOL_MAX="3")
    code = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "from django.conf import settings\n"
        "for _ in range(5):\n"
        "    with connection.cursor() as c: c.execute('SELECT 1'); assert c.fetchone() == (1,)\n"
        "    connection.close()\n"
        "pool = connection.pool\n"
        "print(type(pool).__name__, pool.max_size, settings.DATABASES['default']['CONN_MAX_AGE'])\n"
    )
    r = _run(["-c", code], env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["ConnectionPool", "3", "0"]


def test_half_an_object_storage_configuration_stops_start_up(tmp_path):
    env = _production_env(tmp_path, AWS_S3_ENDPOINT_URL="http://127.0.0.1:9", AWS_STORAGE_BUCKET_NAME="media")
    result = _run(["-c", "import django; django.setup()"], env)
    assert result.returncode != 0, "settings loaded with half an object-storage configuration"
    assert "对象存储配置不完整" in result.stderr and "AWS_SECRET_ACCESS_KEY" in result.stderr


def test_with_object_storage_the_media_go_to_the_bucket_backends(tmp_path):
    """All four AWS_* set: both stores are the bucket's (no request is made to build them)."""
    env = _production_env(tmp_path, AWS_S3_ENDPOINT_URL="http://127.0.0.1:9", AWS_STORAGE_BUCKET_NAME="media",
                          AWS_ACCESS_KEY_ID="k", AWS_SECRET_ACCESS_KEY="s", AWS_LOCATION="/site-a/")  # fmt: skip
    code = (
        "import django; django.setup()\n"
        "from django.core.files.storage import default_storage\n"
        "from wujin_branch.storage import private_storage\n"
        "print(default_storage.__class__.__name__, default_storage.location,"
        " private_storage.__class__.__name__, private_storage.location)"
    )
    result = _run(["-c", code], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["BucketStorage", "site-a", "PrivateBucketStorage", "site-a/private"]
    check = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert check.returncode == 0, f"check --deploy failed:\n{check.stdout}\n{check.stderr}"
