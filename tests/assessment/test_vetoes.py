"""Entering and lifting a veto lock the assessment, check its state and the actor after the
lock, and write ``has_veto`` with history (issue 11, point 5)."""

import threading

import pytest
from django.db import connection, connections
from django.urls import reverse

from assessment import services
from assessment.models import Assessment, Veto, VetoKind
from assessment.models import AssessmentStatus as S
from branches.models import Role
from tests.assessment.test_assessment import open_period, period  # noqa: F401
from tests.factories import UserFactory, grant
from wujin_branch.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture
def clean(period, district_user, branch, django_capture_on_commit_callbacks):  # noqa: F811
    """An open assessment without detected vetoes."""
    open_period(period, district_user, django_capture_on_commit_callbacks)
    a = Assessment.objects.get(period=period, branch=branch)
    for v in a.vetoes.all():
        v.delete()
    a.has_veto = False
    a.save()
    return a


def test_entry_and_lift_write_history(clean, reviewer):
    other = VetoKind.objects.get(code="other")
    before = clean.history.count()
    v = services.veto_enter(actor=reviewer, assessment=clean, kind=other, detail="软弱涣散")
    latest = clean.history.latest()
    assert clean.history.count() == before + 1 and latest.has_veto and latest.history_user == reviewer
    services.veto_lift(actor=reviewer, veto=v, reason="经核实已整改")
    latest = clean.history.latest()
    assert clean.history.count() == before + 2 and not latest.has_veto and latest.history_user == reviewer
    assert not Assessment.objects.get(pk=clean.pk).has_veto


def test_state_and_veto_read_again_under_the_lock(clean, reviewer):
    other = VetoKind.objects.get(code="other")
    v = services.veto_enter(actor=reviewer, assessment=clean, kind=other, detail="软弱涣散")
    services.veto_lift(actor=reviewer, veto=v, reason="经核实已整改")
    with pytest.raises(DomainError, match="已经撤销"):  # ``v`` is the caller's stale copy, still active
        services.veto_lift(actor=reviewer, veto=v, reason="再次撤销")
    v2 = services.veto_enter(actor=reviewer, assessment=clean, kind=other, detail="仍未整改")
    moved = Assessment.objects.get(pk=clean.pk)  # decided meanwhile; ``clean`` still says "draft"
    moved.status = S.ACCEPTED
    moved.save()
    for call in (
        lambda: services.veto_enter(actor=reviewer, assessment=clean, kind=other, detail="x"),
        lambda: services.veto_lift(actor=reviewer, veto=v2, reason="x"),
    ):
        with pytest.raises(DomainError, match="验收通过（拟定合格）.*不能再认定或撤销"):
            call()
    assert Veto.objects.filter(assessment=clean, active=True).count() == 1


def test_forms_only_while_open(client, clean, reviewer):
    client.force_login(reviewer)
    url = reverse("assessment_view", args=[clean.pk])
    assert reverse("veto_enter", args=[clean.pk]) in client.get(url).content.decode()
    clean.status = S.CONFIRMED
    clean.save()
    assert reverse("veto_enter", args=[clean.pk]) not in client.get(url).content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.parametrize("locked", [True, False])
def test_two_simultaneous_lifts(locked, period, district, committee, branch,  # noqa: F811
                                django_capture_on_commit_callbacks):  # fmt: skip
    """With the lock one of two simultaneous lifts is refused; the control (lock skipped)
    shows the race: both read the veto as active and both lift it."""
    district_user = grant(UserFactory(), district, Role.DISTRICT)
    reviewers = [grant(UserFactory(), committee, Role.REVIEWER) for _ in range(2)]
    open_period(period, district_user, django_capture_on_commit_callbacks)
    a = Assessment.objects.get(period=period, branch=branch)
    v = services.veto_enter(actor=reviewers[0], assessment=a, kind=VetoKind.objects.get(code="other"), detail="x")
    barrier = threading.Barrier(2, timeout=5)
    results = []

    def run(user):
        def after_read():
            if not locked:
                barrier.wait()

        try:
            services.veto_lift(actor=user, veto=v, reason="撤销", _lock_row=locked, _after_read=after_read)
            results.append("ok")
        except DomainError as e:
            results.append(e.message)
        except threading.BrokenBarrierError:
            results.append("barrier")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(u,)) for u in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lifts = Veto.history.filter(id=v.pk, active=False).count()
    if locked:
        assert results.count("ok") == 1 and any("已经撤销" in r for r in results) and lifts == 1
    else:
        assert results == ["ok", "ok"] and lifts == 2
