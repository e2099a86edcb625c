"""Every ledgers form that refuses a stale edit also refuses a POST without the version it
was opened at, with the usual message (issue 11, point 3)."""

import datetime

import pytest
from django.urls import reverse

from ledgers.activities import services
from ledgers.appraisal import services as appraisal
from ledgers.funding import services as funding
from ledgers.models import Activity, Appraisal, FundingYear
from tests.ledgers.test_activities import base_data
from tests.ledgers.test_development import START, new_applicant, person, walk
from wujin_branch.errors import StaleEditError

pytestmark = pytest.mark.django_db
STALE = "已被他人修改"
YEAR = datetime.date.today().year - 1


def refused(client, user, url, data):
    client.force_login(user)
    r = client.post(url, data)
    assert r.status_code == 200 and STALE in r.content.decode(), url
    return r


def test_activity_edit(client, branch, secretary):
    a = services.activity_create(actor=secretary, branch=branch, data=base_data(), attendance={})
    post = {"held_on": a.held_on.isoformat(), "place": a.place, "form": "offline", "topic": "被覆盖的主题",
            "content": a.content}  # fmt: skip
    refused(client, secretary, reverse("activity_edit", args=[a.pk]), post)
    refused(client, secretary, reverse("activity_edit", args=[a.pk]), {**post, "version": "x"})
    assert Activity.objects.get(pk=a.pk).topic == "研究发展党员工作"
    with pytest.raises(StaleEditError):  # the service refuses it too
        services.activity_update(actor=secretary, activity=a, version=None, data={"topic": "x"}, attendance={})
    # a new record has no version to send
    client.post(reverse("activity_new", args=[branch.pk]), {**post, "topic": "新记录", "type": "theme_day"})
    assert Activity.objects.filter(topic="新记录").exists()


def test_applicant_edit(client, branch, secretary):
    a = new_applicant(secretary, branch)
    data = {**person(name="被覆盖"), "id_number": a.id_number, "ethnicity": "汉族"}
    data["birth_date"] = f"{a.birth_date:%Y-%m-%d}"
    refused(client, secretary, reverse("dev_applicant_edit", args=[a.pk]), data)
    a.refresh_from_db()
    assert a.name == "孙晓明" and a.version == 1


def test_step_correct_and_withdraw(client, branch, secretary):
    a = walk(secretary, new_applicant(secretary, branch), 3)
    post = {"done_on": f"{START + datetime.timedelta(days=10):%Y-%m-%d}", "people": "李娜", "reason": "改"}
    refused(client, secretary, reverse("dev_step_correct", args=[a.pk, 2]), post)
    refused(client, secretary, reverse("dev_step_withdraw", args=[a.pk, 3]), {"reason": "误录"})
    assert a.steps.get(code=2).people != "李娜" and a.steps.filter(code=3).exists()


def test_funding_year(client, branch, secretary):
    funding.funding_year_save(actor=secretary, branch=branch, year=YEAR, version=0, budget_fen=100,
                              has_special_fund=True,
                         has_account=False, standard_fen=0)  # fmt: skip
    post = {"standard": "0", "budget": "5", "has_special_fund": "on"}
    refused(client, secretary, reverse("funding_year_edit", args=[branch.pk, YEAR]), post)
    # a page opened before the year had a row posts version 0: stale once someone saved one
    refused(client, secretary, reverse("funding_year_edit", args=[branch.pk, YEAR]), {**post, "version": 0})
    assert FundingYear.objects.get().budget_fen == 100


def test_appraisal(client, branch, secretary):
    a = appraisal.appraisal_create(actor=secretary, branch=branch, year=YEAR, held_on=datetime.date(YEAR, 12, 1),
                            self_notes="自评", mutual_notes="互评")  # fmt: skip
    post = {"held_on": f"{YEAR}-12-02", "self_notes": "被覆盖", "mutual_notes": "互评"}
    refused(client, secretary, reverse("appraisal_edit", args=[branch.pk, YEAR]), post)
    refused(client, secretary, reverse("appraisal_edit", args=[branch.pk, YEAR]), {**post, "version": 0})
    assert Appraisal.objects.get(pk=a.pk).self_notes == "自评"
