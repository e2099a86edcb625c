"""Nothing lost when parts fail: PostgreSQL restarts under a bounded load.

Real parts, no mocks: a throwaway PostgreSQL of the test's own (initdb into a temporary
directory, never the machine's shared server), the app migrated into it and served by gunicorn
the way production runs it, with persistent connections (CONN_MAX_AGE=60). A few secretaries
keep recording 组织生活 through the real form while the database is restarted. Requests may fail
only while it is down (plus a short margin); every record the app answered "saved" for is in the
database afterwards, none is saved twice (a failed POST is sent again with the same one-time
form token, as a browser retry would), and the app serves again by itself, without a restart.

Needs no pytest-django database; a plain test (no django_db mark).
"""

import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
THREADS = 3
LOAD_SECONDS = 14  # the whole load; the restart starts after RESTART_AFTER seconds of it
RESTART_AFTER = 4
QUIET_AFTER = 10  # then a second restart while nobody sends anything (only idle persistent connections)
DOWN_SECONDS = 2  # stopped this long before it starts again
MARGIN = 3.0  # failures allowed this long after the database is back
PASSWORD = "pass-1234-word"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_binaries():
    found = {name: shutil.which(name, path="/usr/local/bin:" + os.environ.get("PATH", "")) for name in
             ("initdb", "pg_ctl", "postgres")}  # fmt: skip
    missing = [n for n, p in found.items() if not p]
    if missing:
        msg = f"PostgreSQL binaries not found: {', '.join(missing)}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return found


def _as_pg_user():
    """initdb and postgres refuse to run as root: run them as the ``postgres`` system user."""
    if os.geteuid() != 0:
        return [], None
    import pwd

    try:
        pw = pwd.getpwnam("postgres")
    except KeyError:
        pw = pwd.getpwnam("nobody")
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", pw.pw_name, "--"], pw
    return [shutil.which("setpriv"), f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--clear-groups"], pw


class ThrowawayPostgres:
    def __init__(self):
        self.bin = _pg_binaries()
        self.prefix, self.pw = _as_pg_user()
        # Not under pytest's tmp_path: /tmp/pytest-of-root is closed to the postgres user.
        self.base = Path(tempfile.mkdtemp(prefix="pgrestart-"))
        self.data = self.base / "data"
        self.log = self.base / "postgres.log"
        self.port = _free_port()
        if self.pw is not None:
            os.chown(self.base, self.pw.pw_uid, self.pw.pw_gid)
        self.env = {**os.environ, "LC_ALL": "C", "LANG": "C"}

    def _run(self, *args, timeout=60):
        return subprocess.run([*self.prefix, *args], env=self.env, cwd=self.base, timeout=timeout, check=True,
                              capture_output=True, text=True)  # fmt: skip

    def init(self):
        self._run(self.bin["initdb"], "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync",
                  "-E", "UTF8", "--locale=C")  # fmt: skip

    def start(self):
        opts = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(self.bin["pg_ctl"], "-D", str(self.data), "-o", opts, "-l", str(self.log), "-w", "start")

    def stop(self):
        self._run(self.bin["pg_ctl"], "-D", str(self.data), "-m", "fast", "-w", "stop")

    def pid(self):
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def shutdown(self):
        try:
            if self.pid():
                self.stop()
        except Exception:
            pid = self.pid()
            if pid:
                try:
                    os.kill(pid, signal.SIGQUIT)
                except ProcessLookupError:
                    pass
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, db):
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def connect(self, db):
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=db, autocommit=True)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """A browser enough for the forms: a cookie jar, no redirects followed, short time-outs."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def request(self, path, data=None, timeout=10):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        try:
            with self.opener.open(req, timeout=timeout) as r:
                return r.status, r.headers.get("Location", ""), r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Location", ""), e.read().decode("utf-8", "replace")

    @staticmethod
    def hidden(html, name):
        m = re.search(rf'name="{name}"\s+value="([^"]*)"', html) or re.search(rf'value="([^"]*)"\s+name="{name}"', html)
        assert m, f"no {name} in the page"
        return m.group(1)

    def login(self, username):
        status, _, html = self.request("/login/")
        assert status == 200, status
        status, location, _ = self.request(
            "/login/",
            {"csrfmiddlewaretoken": self.hidden(html, "csrfmiddlewaretoken"), "username": username,
             "password": PASSWORD, "next": ""},
        )  # fmt: skip
        assert status == 302 and "/login/" not in location, (status, location)


SETUP = """
import datetime
from branches.models import Organization, OrgKind, RoleAssignment, Role, User
root = Organization.objects.add_root({{"kind": OrgKind.DISTRICT, "name": "中共常州市武进区委组织部"}})
town = Organization.objects.add_child(
    root, {{"kind": OrgKind.COMMITTEE, "name": "湖塘镇党委", "committee_kind": "town"}}
)
branch = Organization.objects.add_child(
    town, {{"kind": OrgKind.BRANCH, "name": "东街村党支部", "branch_type": "village",
            "founded_on": datetime.date(2000, 1, 1)}}
)
for i in range({n}):
    user = User.objects.create_user(username=f"secretary{{i}}", password="{pw}", full_name=f"书记{{i}}")
    RoleAssignment.objects.create(user=user, organization=branch, role=Role.SECRETARY)
print("BRANCH", branch.pk)
"""


def _manage(env, *args):
    r = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, f"manage.py {args[0]} failed:\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}"
    return r.stdout


def _wait_http(base, deadline, server):
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited"
        try:
            with urllib.request.urlopen(base + "/login/", timeout=2) as r:
                if r.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not answer")


def _copy_schema_from_test_database(pg, request) -> bool:
    """The suite's own test database is migrated already: copying it (pg_dump | pg_restore, a
    few seconds) spares the half minute a fresh ``migrate`` takes; ``migrate`` then only checks."""
    from django.db import connection

    dump, restore = shutil.which("pg_dump"), shutil.which("pg_restore")
    if connection.vendor != "postgresql" or not (dump and restore):
        return False
    request.getfixturevalue("django_db_setup")
    s = connection.settings_dict
    name = connection.creation._get_test_db_name()  # the migrated one pytest-django made (with its xdist suffix)
    env = {**os.environ, "PGPASSWORD": s.get("PASSWORD") or ""}
    source = ["-h", s.get("HOST") or "127.0.0.1", "-p", str(s.get("PORT") or 5432), "-U", s.get("USER") or "postgres"]
    dumped = subprocess.run([dump, "-Fc", "--no-owner", "--no-privileges", *source, name], env=env,
                            capture_output=True, timeout=60, check=True).stdout  # fmt: skip
    subprocess.run([restore, "--no-owner", "--no-privileges", "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres",
                    "-d", "wujin"], input=dumped, capture_output=True, timeout=60, check=True)  # fmt: skip
    return True


def test_postgres_restart_under_load_loses_nothing(tmp_path, request):
    t0 = time.monotonic()
    pg = ThrowawayPostgres()
    server = None
    server_log = tmp_path / "server.log"
    try:
        pg.init()
        pg.start()
        with pg.connect("postgres") as conn:
            conn.execute("CREATE DATABASE wujin")
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL", "CACHE_URL")}
        env.update(
            DATABASE_URL=pg.url("wujin"), TESTING="1", DEBUG="0", CONN_MAX_AGE="60", MEDIA_ROOT=str(tmp_path / "media"),
            ALLOWED_HOSTS="127.0.0.1,localhost", DJANGO_SETTINGS_MODULE="wujin_branch.settings",
        )  # fmt: skip
        t_mig = time.monotonic()
        _copy_schema_from_test_database(pg, request)
        _manage(env, "migrate", "--noinput")
        t_mig = time.monotonic() - t_mig
        out = _manage(env, "shell", "-c", SETUP.format(n=THREADS, pw=PASSWORD))
        branch_pk = int(re.search(r"BRANCH (\d+)", out).group(1))

        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        gunicorn = str(Path(PYTHON).parent / "gunicorn")
        assert os.path.exists(gunicorn), "gunicorn not in the virtualenv"
        with open(server_log, "wb") as log:
            server = subprocess.Popen(
                # production's configuration (the app preloaded in the master, workers forked from
                # it), recycled every few requests so forked workers take over during the load too
                [gunicorn, "-c", str(ROOT / "docker" / "gunicorn.conf.py"), "wujin_branch.wsgi:application",
                 "--bind", f"127.0.0.1:{port}", "--workers", str(THREADS), "--timeout", "60",
                 "--graceful-timeout", "5", "--access-logfile", "-", "--max-requests", "15",
                 "--max-requests-jitter", "5"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        _wait_http(base, time.monotonic() + 30, server)

        clients = []
        for i in range(THREADS):
            c = Client(base)
            c.login(f"secretary{i}")
            clients.append(c)

        form_path = f"/branch/{branch_pk}/activities/new/?type=committee"
        saved_to = re.compile(rf"^(?:{re.escape(base)})?/activity/(\d+)/$")
        events = []  # (time, kind, status, topic, saved)
        lock = threading.Lock()
        stop = threading.Event()
        go = threading.Event()  # cleared: the clients wait before their next record
        go.set()
        waiting = threading.Semaphore(0)

        def note(kind, status, topic, saved=False):
            with lock:
                events.append((time.monotonic(), kind, status, topic, saved))

        def call(client, kind, topic, path, data=None):
            try:
                status, location, html = client.request(path, data)
            except (OSError, urllib.error.URLError) as e:
                note(kind, f"conn:{type(e).__name__}", topic)
                return None
            ok = kind == "post" and status == 302 and bool(saved_to.match(location))
            note(kind, status, topic, ok)
            return status, location, html

        def load(n, client):
            k = 0
            while not stop.is_set():
                if not go.is_set():
                    waiting.release()
                    go.wait()
                k += 1
                topic = f"压测{n}-{k}-{time.time_ns()}"
                got = call(client, "get", topic, form_path)
                if got is None or got[0] != 200:
                    time.sleep(0.2)
                    continue
                html = got[2]
                data = {
                    "csrfmiddlewaretoken": Client.hidden(html, "csrfmiddlewaretoken"),
                    "form_token": Client.hidden(html, "form_token"), "type": "committee", "confirm_duplicate": "1",
                    "held_on": time.strftime("%Y-%m-%d"), "place": "村委会会议室", "form": "offline",
                    "topic": topic, "content": f"研究{topic}的工作安排，逐项讨论并形成决议。",
                }  # fmt: skip
                # A POST that failed is sent again with the same token, as a browser retry would,
                # until it is answered; the token keeps it from being saved twice.
                for _ in range(40):
                    got = call(client, "post", topic, form_path, data)
                    if got is not None and got[0] < 500:
                        break
                    time.sleep(0.25)

        threads = [threading.Thread(target=load, args=(i, c), daemon=True) for i, c in enumerate(clients)]
        load_start = time.monotonic()
        for t in threads:
            t.start()
        time.sleep(RESTART_AFTER)
        down_from = time.monotonic()
        pg.stop()
        time.sleep(DOWN_SECONDS)
        pg.start()
        up_at = time.monotonic()
        # The quiet restart: every gunicorn worker keeps its connection (CONN_MAX_AGE) across a
        # restart nobody notices; the next requests must not fail on those dead connections.
        time.sleep(max(0.0, QUIET_AFTER - (time.monotonic() - load_start)))
        go.clear()
        for _ in threads:
            assert waiting.acquire(timeout=15), "a client did not finish its record"
        quiet_at = time.monotonic()
        pg.stop()
        pg.start()
        go.set()
        time.sleep(max(0.0, LOAD_SECONDS - (time.monotonic() - load_start)))
        stop.set()
        for t in threads:
            t.join(timeout=30)
        assert not any(t.is_alive() for t in threads)
        assert server.poll() is None, "the server died"

        # What the database holds, read directly.
        with pg.connect("wujin") as conn:
            rows = conn.execute("SELECT topic FROM ledgers_activity").fetchall()
        stored = [r[0] for r in rows]
        said_saved = {e[3] for e in events if e[1] == "post" and e[4]}
        failures = [e for e in events if not (isinstance(e[2], int) and e[2] < 500)]
        before = [e for e in events if e[0] < down_from and e[1] == "post"]
        after = [e for e in events if e[0] > up_at + MARGIN]
        late = [e for e in failures if not (down_from <= e[0] <= up_at + MARGIN)]
        # every answer that is not a failure is the form (GET) or "saved" (POST)
        odd = [e for e in events if e not in failures and not (e[4] if e[1] == "post" else e[2] == 200)]

        print(
            f"\nmigrate {t_mig:.1f}s; load {time.monotonic() - load_start:.1f}s; outage {up_at - down_from:.1f}s; "
            f"requests {len(events)}, failed {len(failures)} "
            f"(first {min((e[0] - down_from for e in failures), default=0):.2f}s after the stop, "
            f"last {max((e[0] - up_at for e in failures), default=0):.2f}s after the start); "
            f"quiet restart {quiet_at - load_start:.1f}s into the load; "
            f"said saved {len(said_saved)}, stored {len(stored)}; after the outage {len(after)} requests"
        )  # fmt: skip

        assert before and all(e[4] for e in before), "saving worked before the restart"
        assert not odd, f"unexpected answers: {odd[:5]}"
        rel = [(round(e[0] - load_start, 2), *e[1:]) for e in late[:5]]  # seconds into the load
        assert not late, f"failures outside the outage ({down_from - load_start:.1f}-{up_at - load_start:.1f}s): {rel}"
        assert quiet_at > up_at + MARGIN
        after_quiet = [e for e in events if e[0] > quiet_at]
        assert len(after_quiet) >= 2 * THREADS and not [e for e in after_quiet if e in failures]
        assert said_saved <= set(stored), f"reported saved but missing: {sorted(said_saved - set(stored))[:5]}"
        assert len(stored) == len(set(stored)), "a record was saved twice"
        after_posts = [e for e in after if e[1] == "post"]
        assert len(after_posts) >= THREADS and all(e[4] for e in after_posts), "saving works again after the outage"
        assert time.monotonic() - t0 < 90
        # workers were recycled during the load and each left cleanly (the quick exit of
        # docker/gunicorn.conf.py keeps the exit code 0; a failed one would be reported)
        log_text = server_log.read_text(errors="replace")
        assert log_text.count("Autorestarting worker") >= 2, "no worker was recycled"
        assert "exited with code" not in log_text and "Exception during worker exit" not in log_text
    except BaseException:
        if server_log.exists():
            print("--- server log (tail) ---\n" + server_log.read_text(errors="replace")[-4000:])
        if pg.log.exists():
            print("--- postgres log (tail) ---\n" + pg.log.read_text(errors="replace")[-2000:])
        raise
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=5)
        pg.shutdown()
