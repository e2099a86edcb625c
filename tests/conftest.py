import contextlib
import uuid

import pytest
from django.db import transaction

from branches.models import Role

from .factories import MemberFactory, UserFactory, grant, make_branch, make_committee, org_tree
from .seaweed import SeaweedServer
from .workers import skip_or_fail


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory):
    """A SeaweedFS of this session's own (``tests/seaweed.py``), for the tests marked ``s3``
    when the run has no bucket configured."""
    try:
        server = SeaweedServer(tmp_path_factory.mktemp("seaweed")).start()
    except RuntimeError as e:
        skip_or_fail(str(e))
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _bucket(request, settings):
    """The media in a bucket: when the run has one (AWS_* set, the S3 pass of ``.ci/run``), or
    for a test marked ``s3`` (then this session's own SeaweedFS). Each test gets a prefix of its
    own in the bucket, as it gets a MEDIA_ROOT of its own."""
    if not settings.USE_S3:
        if request.node.get_closest_marker("s3") is None:
            return
        server = request.getfixturevalue("seaweed")
        settings.USE_S3 = True
        for name, value in server.env.items():
            setattr(settings, name, value)
        settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "wujin_branch.s3.BucketStorage"}}
    settings.AWS_LOCATION = f"tests/{uuid.uuid4().hex}"


@pytest.fixture
def district():
    return org_tree()


@pytest.fixture
def committee(district):
    return make_committee("湖塘镇党委")


@pytest.fixture
def other_committee(district):
    return make_committee("牛塘镇党委")


@pytest.fixture
def branch(committee):
    return make_branch(committee, name="东街村党支部")


@pytest.fixture
def other_branch(other_committee):
    return make_branch(other_committee, name="西庄村党支部")


@pytest.fixture
def district_user(district):
    return grant(UserFactory(username="district"), district, Role.DISTRICT)


@pytest.fixture
def reviewer(committee):
    return grant(UserFactory(username="reviewer"), committee, Role.REVIEWER)


@pytest.fixture
def secretary(branch):
    return grant(UserFactory(username="secretary"), branch, Role.SECRETARY)


@pytest.fixture
def other_secretary(other_branch):
    return grant(UserFactory(username="other_secretary"), other_branch, Role.SECRETARY)


@pytest.fixture
def member(branch):
    return MemberFactory(branch=branch)


def ensure_reference_data():
    """Reinstall the rows that data migrations put in (rubric, vetoes, dues rates, development
    rules): transactional tests (browser tests) flush every table, and later tests need them."""
    import importlib

    from django.apps import apps

    from assessment.models import RubricVersion
    from ledgers.models import DevRule, DuesRateRule

    if not RubricVersion.objects.filter(code="2016").exists():
        importlib.import_module("assessment.migrations.0002_rubric_2016").install(apps, None)
        importlib.import_module("assessment.migrations.0008_rubric_education_content").install(apps, None)
    if not DuesRateRule.objects.exists() and not DevRule.objects.exists():
        importlib.import_module("ledgers.migrations.0004_rate_table_and_dev_rules").install(apps, None)
    from branches.models import TermRuleSet
    from ledgers.models import ContentCategory

    if not TermRuleSet.objects.exists():
        importlib.import_module("branches.migrations.0007_term_rules").install(apps, None)
    if not ContentCategory.objects.exists():
        importlib.import_module("ledgers.migrations.0011_content_category").install(apps, None)


@pytest.fixture(autouse=True)
def _reference_data(request):
    marker = request.node.get_closest_marker("django_db")
    if marker is None and "live_server" not in request.fixturenames:
        return
    transactional = "live_server" in request.fixturenames or bool(marker and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if transactional else "db")
    ensure_reference_data()
    if not transactional:
        branch_versions_at_once()


def branch_versions_at_once():
    """A test's transaction never commits, so the branch version triggers, deferred to the
    commit (``wujin_branch.branch_versions``), would never fire and a branch page cached before
    a change would be served after it: in such a test they fire at the end of each statement."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT string_agg(quote_ident(tgname), ', ') FROM pg_trigger WHERE tgname LIKE %s",
                       ["%_branch_touch"])  # fmt: skip
        names = cursor.fetchone()[0]
        if names:
            cursor.execute(f"SET CONSTRAINTS {names} IMMEDIATE")


@pytest.fixture(autouse=True)
def _eager_celery_and_local_cache(request, settings):
    """Tests run Celery tasks in-process and use a per-process cache, even when REDIS_URL
    is set (CI): only tests marked ``real_celery`` talk to a real worker through Redis.
    A shared Redis cache would also carry throttles and once-a-month keys between runs."""
    if request.node.get_closest_marker("real_celery"):
        yield
        return
    from celery.result import _set_task_join_will_block

    from wujin_branch.celery import app

    # Celery keeps "a result.get() here would block" in one process-wide flag, saved and
    # restored around every eager task. Two threads running eager tasks at once (a browser
    # test's live server and the test itself) can restore it in the wrong order and leave it
    # set, and a later test's .get() then fails with "Never call result.get() within a task!".
    _set_task_join_will_block(False)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    # The process's memory outlives a test's rolled-back rows (and SQLite reuses their ids):
    # every test starts with nothing cached (the unread badge, the dashboards).
    cache.clear()
    old = app.conf.task_always_eager
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    try:
        yield
    finally:
        app.conf.task_always_eager = old


@contextlib.contextmanager
def written_once(django_db_blocker):
    """For data that a class or module of tests shares (a seeded demo): written inside one
    transaction that is rolled back when the group ends. Each test runs in a savepoint inside
    it, so what a test changes is undone before the next one."""
    with django_db_blocker.unblock(), transaction.atomic():
        ensure_reference_data()
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Test databases cloned from a template migrated once per set of migrations
    (tests/schema_template.py), instead of every worker running every migration."""
    from django.conf import settings

    from .schema_template import ensure_template

    default = settings.DATABASES["default"]
    template = ensure_template(default)
    if template:
        default.setdefault("TEST", {})["TEMPLATE"] = template
