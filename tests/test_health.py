"""Health endpoints, the beat heartbeat and the Redis settings, with the real parts.

A part that is down is a closed port on 127.0.0.1 (a socket bound and closed again); the
database case runs the app in a subprocess, since its settings are read once per process.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from wujin_branch.celery import app

BASE_DIR = Path(__file__).resolve().parent.parent
_PASS_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_env(tmp_path, **extra):
    """A clean environment: none of the test run's DATABASE_URL/REDIS_URL/TESTING variables."""
    env = {k: os.environ[k] for k in _PASS_THROUGH if k in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="wujin_branch.settings",
        ENV_FILE=str(tmp_path / "no.env"),
        MEDIA_ROOT=str(tmp_path / "media"),
        STATIC_ROOT=str(tmp_path / "static"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


@pytest.mark.django_db
def test_healthz_answers_without_a_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_ok_when_every_part_answers(client):
    response = client.get("/readyz/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok" and body["checks"]["storage"] == "ok"
    assert body["checks"]["broker"] in ("ok", "skipped")  # skipped: no REDIS_URL, the memory broker
    assert "no-store" in response["Cache-Control"]


@pytest.fixture
def broker_down():
    old = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{closed_port()}/0"
    yield
    app.conf.broker_url = old


@pytest.mark.django_db
def test_readyz_fails_fast_naming_the_broker_when_it_is_down(client, broker_down):
    started = time.monotonic()
    response = client.get("/readyz/")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["broker"].startswith("error:"), checks
    assert checks["database"] == "ok" and checks["storage"] == "ok"
    assert elapsed < 3, f"readyz took {elapsed:.1f}s with the broker down"


@pytest.mark.django_db
def test_readyz_names_the_storage_when_files_cannot_be_written(client, settings, tmp_path):
    if settings.USE_S3:
        settings.AWS_SECRET_ACCESS_KEY = "not-the-key"  # the bucket refuses every request
    else:
        (tmp_path / "a-file").write_text("not a directory")
        settings.MEDIA_ROOT = tmp_path / "a-file" / "media"  # cannot be created, even by root
    response = client.get("/readyz/")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["storage"].startswith("error:"), checks
    assert checks["database"] == "ok"


def _get(url, timeout=5):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


_SERVE = (
    "import sys\n"
    "from wsgiref.simple_server import make_server\n"
    "from django.core.wsgi import get_wsgi_application\n"
    "server = make_server('127.0.0.1', int(sys.argv[1]), get_wsgi_application())\n"
    "print('serving', flush=True)\n"
    "server.serve_forever()\n"
)


def test_database_down_production_settings_readyz_503_healthz_200_over_plain_http(tmp_path):
    """The app as in docker (DEBUG off, HTTPS redirect on) with its database on a closed port."""
    port = closed_port()
    env = process_env(
        tmp_path,
        DEBUG="0",
        SECRET_KEY="health-test-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed_port()}/x",
    )
    server = subprocess.Popen([sys.executable, "-c", _SERVE, str(port)], cwd=BASE_DIR, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert server.stdout.readline().strip() == "serving", server.stderr.read()
        started = time.monotonic()
        status, body, _ = _get(f"http://127.0.0.1:{port}/readyz/")
        assert time.monotonic() - started < 3
        assert status == 503, body
        checks = json.loads(body)["checks"]
        assert checks["database"].startswith("error:"), checks
        assert checks["broker"] == "skipped" and checks["storage"] == "ok"

        status, body, headers = _get(f"http://127.0.0.1:{port}/healthz/")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        assert headers.get("X-Request-ID")

        # other pages still go to https: only the health endpoints are exempt
        request = urllib.request.Request(f"http://127.0.0.1:{port}/login/", method="HEAD")
        opener = urllib.request.build_opener(_NoRedirect)
        status, _, headers = _open(opener, request)
        assert status == 301 and headers["Location"].startswith("https://"), (status, headers)
    finally:
        server.kill()
        server.wait(timeout=10)
        server.stdout.close()
        server.stderr.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _open(opener, request):
    try:
        with opener.open(request, timeout=5) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, b"", dict(e.headers)


def _healthcheck(mode, env):
    return subprocess.run([sys.executable, "docker/healthcheck.py", mode], cwd=BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=30)  # fmt: skip


def test_beat_touches_its_heartbeat_and_the_check_reads_its_age(tmp_path):
    heartbeat = tmp_path / "beat-heartbeat"
    env = process_env(tmp_path, TESTING="1", BEAT_HEARTBEAT_FILE=str(heartbeat),
                      DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")  # fmt: skip
    assert _healthcheck("beat", env).returncode == 1  # no beat has run yet

    celery = Path(sys.executable).with_name("celery")
    beat = subprocess.Popen(
        [str(celery), "-A", "wujin_branch", "beat", "-l", "warning", "-s", str(tmp_path / "schedule"),
         "--scheduler", "wujin_branch.beat:HeartbeatScheduler"],
        cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while not heartbeat.exists() and beat.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert heartbeat.exists(), beat.stderr.read() if beat.poll() is not None else "no heartbeat in 20 s"
    finally:
        beat.kill()
        beat.wait(timeout=10)
        beat.stderr.close()
    assert _healthcheck("beat", env).returncode == 0

    old = time.time() - 600
    os.utime(heartbeat, (old, old))  # a beat that stopped ten minutes ago
    result = _healthcheck("beat", env)
    assert result.returncode == 1 and "ago" in result.stdout


_PRINT_REDIS_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.CELERY_BROKER_URL, s.CACHES['default'].get('LOCATION'), s.CACHES['default']['BACKEND'], "
    "s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_RESULT_BACKEND, s.CELERY_TASK_IGNORE_RESULT]))"
)


def _redis_settings(tmp_path, **env):
    result = subprocess.run([sys.executable, "-c", _PRINT_REDIS_SETTINGS], cwd=BASE_DIR, capture_output=True,
                            text=True, timeout=60, env=process_env(tmp_path, TESTING="1", **env))  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_broker_and_cache_default_from_redis_url_on_different_databases(tmp_path):
    broker, cache, backend, eager, results, ignore = _redis_settings(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0")
    assert broker == "redis://127.0.0.1:6379/0"
    assert cache == "redis://127.0.0.1:6379/1" and backend.endswith("RedisCache")
    assert (eager, results, ignore) == (False, None, True)

    _, cache, *_ = _redis_settings(tmp_path, REDIS_URL="redis://:secret@redis:6379")
    assert cache == "redis://:secret@redis:6379/1"


def test_broker_and_cache_urls_given_apart_win(tmp_path):
    apart = {"CELERY_BROKER_URL": "redis://broker:6379/0", "CACHE_URL": "redis://cache:6379/0"}
    broker, cache, *_ = _redis_settings(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0", **apart)
    assert (broker, cache) == ("redis://broker:6379/0", "redis://cache:6379/0")


def test_without_redis_url_tasks_run_eagerly_and_the_cache_is_in_process(tmp_path):
    broker, cache, backend, eager, results, ignore = _redis_settings(tmp_path)
    assert broker == "memory://" and eager is True and results is None
    assert backend.endswith("LocMemCache")
