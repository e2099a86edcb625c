"""Real parts for the failure tests: a Redis server of the test's own on a free port, and Celery
worker subprocesses on the test database. Each is started by the test and stopped by its PID."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
CI = os.environ.get("CI") == "true"


def skip_or_fail(reason):
    if CI:
        pytest.fail(f"{reason} (CI=true: this test must run)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, step=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


class RedisServer:
    """``redis-server`` on 127.0.0.1:<port>, nothing kept on disk; ``stop`` and ``start`` again."""

    def __init__(self, tmp_path):
        self.binary = shutil.which("redis-server")
        if not self.binary:
            skip_or_fail("redis-server is not installed (apt-get install redis-server)")
        self.port = free_port()
        self.dir = tmp_path
        self.proc = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(self.dir)]  # fmt: skip
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        if not wait_for(self.answers, 10):
            self.stop()
            raise RuntimeError(f"redis-server on port {self.port} did not start")
        return self

    def answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        stop_process(self.proc)
        self.proc = None


def stop_process(proc, timeout=10):
    """SIGTERM to a process this test started (by its PID), SIGKILL if it has not gone after
    ``timeout`` seconds."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def test_database_url() -> str:
    s = connection.settings_dict
    user = quote(s.get("USER") or "postgres")
    password = f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{quote(s['NAME'])}"


test_database_url.__test__ = False  # not a test


def reset_producers(app):
    """Forget pooled connections so the next send uses the broker URL just configured."""
    app._pool = None
    app.amqp._producer_pool = None


def storage_env() -> dict[str, str]:
    """Environment variables that give a subprocess the test's media: its MEDIA_ROOT and, when
    the media are in a bucket, that bucket and the test's own prefix in it."""
    env = {"MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    if settings.USE_S3:
        names = ("AWS_S3_ENDPOINT_URL", "AWS_STORAGE_BUCKET_NAME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                 "AWS_S3_REGION_NAME", "AWS_LOCATION", "AWS_S3_PUBLIC_ENDPOINT_URL")  # fmt: skip
        env.update({name: str(getattr(settings, name)) for name in names})
    return env


def start_worker(broker_url, log, *, pool="solo", name="w", env=None):
    """A Celery worker subprocess on the test database and the test's MEDIA_ROOT."""
    if connection.vendor != "postgresql":
        skip_or_fail("the worker must share the test database: run with DATABASE_URL=postgres://…")
    celery = Path(sys.executable).with_name("celery")
    command = [str(celery)] if celery.exists() else [sys.executable, "-m", "celery"]
    command += ["-A", "wujin_branch", "worker", "-l", "info", f"--pool={pool}", "--concurrency=1", "--without-gossip",
                "--without-mingle", "--without-heartbeat", "-n", f"{name}-{os.getpid()}@%h"]  # fmt: skip
    full_env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": broker_url,
        "CELERY_BROKER_URL": broker_url,
        **storage_env(),
        "TESTING": "1",
        "CONN_MAX_AGE": "0",
        "DJANGO_SETTINGS_MODULE": "wujin_branch.settings",
        **(env or {}),
    }
    out = open(log, "ab")
    proc = subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip
    out.close()
    return proc


def stop_worker(proc, sig=signal.SIGTERM):
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def children(pid) -> list[int]:
    """The pool's child processes of a prefork worker."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(x) for x in path.read_text().split()]
    except OSError:
        return []


@contextlib.contextmanager
def own_broker(tmp_path, settings, *, results=False):
    """A Redis of the test's own as this process's broker (tasks are sent, not run eagerly);
    with ``results`` its result backend too."""
    from wujin_branch.celery import app

    server = RedisServer(tmp_path).start()
    old = {k: app.conf[k] for k in ("broker_url", "result_backend", "task_always_eager")}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(broker_url=server.url, task_always_eager=False)
    if results:
        app.conf.update(result_backend=server.url)
    reset_producers(app)
    try:
        yield server
    finally:
        server.stop()
        app.conf.update(**old)
        reset_producers(app)
