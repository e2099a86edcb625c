"""Log lines carry the request id, the user id and the path; LOG_FORMAT=json; SENTRY_DSN."""

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_health import process_env
from wujin_branch.celery import app
from wujin_branch.logs import RequestContextFilter, current

BASE_DIR = Path(__file__).resolve().parent.parent


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.records = []
        self.addFilter(RequestContextFilter())  # as on the console handler in settings.LOGGING

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def records():
    """The records logged during the test, with the fields the console handler's filter adds."""
    handler, root = _Collect(), logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler.records
    root.removeHandler(handler)
    root.setLevel(old_level)


@pytest.mark.django_db
def test_each_response_carries_a_request_id(client):
    made = client.get("/healthz/")["X-Request-ID"]
    assert len(made) == 32 and int(made, 16) >= 0

    assert client.get("/healthz/", HTTP_X_REQUEST_ID="proxy-id-0123456789")["X-Request-ID"] == "proxy-id-0123456789"
    for insane in ("short", "spaces are not ids", "x" * 101, "<script>alert(1)</script>"):
        answered = client.get("/healthz/", HTTP_X_REQUEST_ID=insane)["X-Request-ID"]
        assert answered != insane and len(answered) == 32


@pytest.mark.django_db
def test_a_line_logged_in_a_request_names_request_user_and_path(client, district_user, records):
    client.force_login(district_user)
    response = client.get("/org/999999/", HTTP_X_REQUEST_ID="req-from-proxy-42")  # nobody's org: a 404
    assert response.status_code == 404
    line = next(r for r in records if r.name == "django.request")
    assert (line.request_id, line.user_id, line.path) == ("req-from-proxy-42", str(district_user.pk), "/org/999999/")
    # the request is over: what is logged now belongs to no request
    logging.getLogger("tests").info("after")
    assert (records[-1].request_id, records[-1].user_id, records[-1].path) == ("-", "-", "-")


@pytest.mark.django_db
def test_health_lines_name_no_user(client, district_user, records, settings, tmp_path):
    client.force_login(district_user)
    (tmp_path / "a-file").write_text("")
    settings.MEDIA_ROOT = tmp_path / "a-file" / "media"
    assert client.get("/readyz/").status_code == 503
    line = next(r for r in records if r.name == "wujin_branch.health")
    assert "storage" in line.getMessage() and line.path == "/readyz/" and line.user_id == "-"


@app.task(name="tests.test_logging.log_something")
def log_something():
    logging.getLogger("tests.task").info("inside the task")
    return current().request_id


def test_a_task_logs_with_its_task_id_and_gives_the_request_its_context_back(records):
    result = log_something.apply()  # eager, as the demo runs tasks
    line = next(r for r in records if r.name == "tests.task")
    assert line.request_id == result.id == result.result
    assert line.path == "tests.test_logging.log_something"
    assert current().request_id == "-"


_JSON_LINES = (
    "import logging, django; django.setup()\n"
    "from django.test import Client\n"
    "Client().get('/readyz/', HTTP_X_REQUEST_ID='json-request-0001')\n"
    "logging.getLogger('outside').warning('no request here')\n"
)


def test_log_format_json_writes_one_object_per_line(tmp_path):
    (tmp_path / "a-file").write_text("")  # storage under a file fails, so readyz logs a line
    env = process_env(tmp_path, TESTING="1", LOG_FORMAT="json", ALLOWED_HOSTS="testserver",
                      DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
                      MEDIA_ROOT=str(tmp_path / "a-file" / "media"))  # fmt: skip
    result = subprocess.run([sys.executable, "-c", _JSON_LINES], cwd=BASE_DIR, env=env, capture_output=True,
                            text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    assert lines, "nothing was logged"
    for line in lines:
        assert {"time", "level", "logger", "request_id", "user_id", "path", "message"} <= line.keys(), line
    health = next(line for line in lines if line["logger"] == "wujin_branch.health")
    assert (health["level"], health["request_id"], health["path"]) == ("WARNING", "json-request-0001", "/readyz/")
    outside = lines[-1]
    assert (outside["logger"], outside["request_id"], outside["user_id"]) == ("outside", "-", "-")


def test_an_unknown_log_format_stops_start_up(tmp_path):
    env = process_env(tmp_path, TESTING="1", LOG_FORMAT="xml")
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode != 0 and "LOG_FORMAT" in result.stderr


def test_sentry_is_on_only_with_a_dsn(tmp_path):
    probe = "import django; django.setup(); import sentry_sdk; print(sentry_sdk.get_client().is_active())"
    for dsn, active in ((None, "False"), ("https://public@127.0.0.1:9/1", "True")):
        env = process_env(tmp_path, TESTING="1", SENTRY_DSN=dsn)
        result = subprocess.run([sys.executable, "-c", probe], cwd=BASE_DIR, env=env, capture_output=True,
                                text=True, timeout=60)  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().splitlines()[-1] == active
