"""Work goes to queues by kind: PDF layout and bulk exports on "pdf", mail on "mail", the rest on
"default". Sent for real to a Redis of the test's own, read back from the broker's lists."""

import pytest
import redis

from tests.workers import own_broker

pytestmark = pytest.mark.django_db

ROUTED = {
    "ledgers.books.tasks.build_life_ledger_pdf": ("pdf", (1, 2026)),
    "review.tasks.bulk_export_task": ("pdf", (1,)),
    "wujin_branch.tasks.mail_notices": ("mail", ([1],)),
    "ledgers.activities.tasks.activity_check_integrity": ("default", (1,)),
    "assessment.tasks.suggestions_task": ("default", (1,)),
}


def test_each_kind_of_work_lands_on_its_queue(tmp_path, settings):
    from wujin_branch.celery import app

    app.loader.import_default_modules()
    assert set(settings.CELERY_TASK_ROUTES) <= set(app.tasks)  # a misspelt route would go to "default"
    with own_broker(tmp_path, settings) as server:
        client = redis.Redis.from_url(server.url)
        expected = {"default": 0, "pdf": 0, "mail": 0, "celery": 0}
        for name, (queue, args) in ROUTED.items():
            app.tasks[name].apply_async(args, retry=False)
            expected[queue] += 1
        counts = {q: client.llen(q) for q in expected}
        client.close()
    assert counts == expected == {"default": 2, "pdf": 2, "mail": 1, "celery": 0}


def test_a_worker_without_q_consumes_every_queue():
    from wujin_branch.celery import app

    assert {q.name for q in app.amqp.queues.consume_from.values()} >= {"default", "pdf", "mail"}
