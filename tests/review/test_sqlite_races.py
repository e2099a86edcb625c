"""The demo runs on SQLite, which has no row locks. Two district users accepting the same
branch at the same moment: the loser must get the message PostgreSQL gives, not a server
error from "database is locked" (issue 11, point 6)."""

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, connections

from assessment.models import Assessment
from branches.models import Role
from review import services
from tests.factories import UserFactory, grant, without_vetoes
from tests.review.test_workflow import full_rows, make_period, open_all, to_declared
from wujin_branch.errors import DomainError

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def _database_settings(tmp_path, url):
    """The database OPTIONS a fresh process builds from ``url`` (settings are read once per process)."""
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    env.update(DJANGO_SETTINGS_MODULE="wujin_branch.settings", TESTING="1", DATABASE_URL=url,
               ENV_FILE=str(tmp_path / "no.env"))  # fmt: skip
    code = "import django, json; django.setup(); from django.conf import settings; " \
           "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True,
                            timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_sqlite_waits_for_the_write_lock(tmp_path):
    options = _database_settings(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert options["transaction_mode"] == "IMMEDIATE" and options["timeout"] >= 10
    assert _database_settings(tmp_path, "postgres://u@localhost:5432/x") == {}


def _race(tmp_path, a, users, options):
    """Run ``accept`` for both users on a file copy of the test database: the first reads the
    row and pauses while the second starts. Returns each outcome and the acceptances written."""
    path = tmp_path / "race.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    connection.connection.backup(copy)
    copy.close()
    first_read, results = threading.Event(), {}

    def run(user, first):
        def after_read():
            if first:
                first_read.set()
                time.sleep(0.5)  # the other one arrives while this one holds what it read

        if not first:
            first_read.wait(5)
        try:
            services.accept(actor=user, assessment=a, _after_read=after_read)
            results[first] = "ok"
        except DomainError as e:
            results[first] = e.message
        except Exception as e:  # what became a 500 page
            results[first] = f"server error: {e!r}"
        finally:
            connections.close_all()

    db = connections.settings["default"]  # the dict every thread's new connection is made from
    saved = db["NAME"], db.get("OPTIONS")
    db["NAME"], db["OPTIONS"] = str(path), options
    try:
        threads = [threading.Thread(target=run, args=(u, i == 0)) for i, u in enumerate(users)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        db["NAME"], db["OPTIONS"] = saved
    with sqlite3.connect(path) as check:
        accepted = check.execute(
            "SELECT COUNT(*) FROM review_reviewevent WHERE code = 'review.district.accepted'"
        ).fetchone()[0]
    return results, accepted


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite demo's own locking")
@pytest.mark.parametrize("mode", ["settings", "deferred"])
def test_simultaneous_acceptance(mode, tmp_path, district, committee, branch):
    """With the settings' options the second waits and then reads the state the first left.
    The control runs with SQLite's default (deferred) transactions: both read, the one that
    writes second cannot get the write lock — that is still a message, never a server error."""
    district_user = grant(UserFactory(), district, Role.DISTRICT)
    second = grant(UserFactory(), district, Role.DISTRICT)
    reviewer = grant(UserFactory(), committee, Role.REVIEWER)
    secretary = grant(UserFactory(), branch, Role.SECRETARY)
    period = make_period(district_user)
    without_vetoes(branch, period.year)
    open_all(district_user, period)
    a = Assessment.objects.get(period=period, branch=branch)
    a.vetoes.all().delete()
    a = to_declared(a, secretary, reviewer, committee)
    a = services.district_scores_save(actor=district_user, assessment=a, version=a.version, rows=full_rows(a))

    options = dict(connection.settings_dict.get("OPTIONS") or {})
    if mode == "deferred":
        options.pop("transaction_mode", None)
    results, accepted = _race(tmp_path, a, [district_user, second], options)
    assert accepted == 1 and sorted(results) == [False, True], results
    assert not any(r.startswith("server error") for r in results.values()), results
    if mode == "settings":
        assert results[True] == "ok"  # the first one, which read first, wins
        assert "不能验收" in results[False] and "他人处理" in results[False]  # PostgreSQL's message
    else:
        assert results[False] == "ok" and results[True] == services.BUSY


def test_other_database_errors_are_not_hidden():
    from django.db import OperationalError

    from wujin_branch.errors import lock_conflicts

    with pytest.raises(DomainError, match="他人处理"), lock_conflicts():
        raise OperationalError("database is locked")
    with pytest.raises(OperationalError), lock_conflicts():
        raise OperationalError("no such table: x")
