"""Item 8 reads the study notes recorded per member (issue #17): before, ``keeps_notes`` was a
box nobody read, and a branch whose members kept no notes scored 3/3."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from ledgers.models import Photo, Plan, PlanKind, StudyNote, StudyPlan
from ledgers.plans import notes
from tests.assessment.test_rules import members, one
from tests.ledgers.test_activities import jpeg
from wujin_branch.errors import DomainError

pytestmark = pytest.mark.django_db

D = Decimal


def _planned(branch, n=10):
    people = members(branch, n)
    StudyPlan.objects.bulk_create([StudyPlan(member=m, year=2025, keeps_notes=True) for m in people])
    Plan.objects.create(branch=branch, year=2025, kind=PlanKind.EDUCATION)
    return people


def _notes(people, day=datetime.date(2025, 6, 1)):
    StudyNote.objects.bulk_create([StudyNote(member=m, noted_on=day, text="学习党章第一章") for m in people])


def test_ticked_keeps_notes_without_notes_does_not_score_the_notes_point(branch):
    _planned(branch)
    got = one("study_plans", branch)
    assert got.score == D("2") and "0名（0%）考核期内有学习笔记记录" in got.reason


@pytest.mark.parametrize("n,expected", [(9, "3"), (8, "2.5"), (5, "2.5"), (4, "2")])
def test_share_of_members_with_notes(branch, n, expected):
    people = _planned(branch)
    _notes(people[:n])
    _notes(people[n:], day=datetime.date(2024, 12, 31))  # before the window: not read
    got = one("study_plans", branch)
    assert got.score == D(expected), got.reason
    if n:
        noted = {f"/member/{m.pk}/study-notes/" for m in people[:n]}
        assert sum(e["url"] in noted for e in got.evidence) == 3


def test_note_service_text_or_photo_scoped_and_in_history(branch, secretary, other_secretary):
    m = members(branch, 1)[0]
    with pytest.raises(DomainError, match="笔记内容或上传笔记照片"):
        notes.study_note_add(actor=secretary, member=m, noted_on=datetime.date(2025, 6, 1), text=" ")
    with pytest.raises(DomainError, match="没有权限"):
        notes.study_note_add(actor=other_secretary, member=m, noted_on=datetime.date(2025, 6, 1), text="学习")
    n = notes.study_note_add(actor=secretary, member=m, noted_on=datetime.date(2025, 6, 1), text="", photos=[jpeg()])
    assert n.photo_count == 1 and Photo.objects.filter(owner_id=n.pk).count() == 1
    assert n.history.first().history_user == secretary


def test_notes_page_adds_keeps_typed_text_and_refuses_foreign_members(client, branch, secretary, other_branch):
    m = members(branch, 1)[0]
    foreign = members(other_branch, 1)[0]
    client.force_login(secretary)
    url = reverse("study_notes", args=[m.pk])
    assert client.get(reverse("study_notes", args=[foreign.pk])).status_code == 404
    assert (
        client.post(reverse("study_notes", args=[foreign.pk]), {"noted_on": "2025-06-01", "text": "x"}).status_code
        == 404
    )
    r = client.post(url, {"noted_on": "2099-06-01", "text": "学习习近平新时代中国特色社会主义思想"})
    assert r.status_code == 200 and "学习习近平新时代中国特色社会主义思想" in r.content.decode()
    r = client.post(url, {"noted_on": "2025-06-01", "text": "学习习近平新时代中国特色社会主义思想"})
    assert r.status_code == 302 and StudyNote.objects.get().member == m
    page = client.get(url + "?year=2025").content.decode()
    assert "学习习近平新时代中国特色社会主义思想" in page
    grid = client.get(reverse("study_plans", args=[branch.pk]) + "?year=2025").content.decode()
    assert "学习笔记 1 篇" in grid
