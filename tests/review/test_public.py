"""Public 公示 pages: reading without login, lodging objections, honeypot, throttle, CSRF."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import Assessment, RubricVersion
from assessment.models import AssessmentStatus as S
from assessment.services import period_create, period_open_run
from review import public_views, services
from review.models import Objection, Publication
from tests.factories import make_branch
from wujin_branch.models import Job

D = Decimal
pytestmark = pytest.mark.django_db

TEXT = "该支部七月份没有召开支委会，照片是去年的。"


@pytest.fixture(autouse=True)
def _locmem_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "public"}}
    cache.clear()
    yield
    cache.clear()


def make_period(actor):
    year = datetime.date.today().year - 1
    period = period_create(
        actor=actor, name=f"{year}年度考核", year=year, stage=2, window_start=datetime.date(year, 1, 1),
        window_end=datetime.date(year, 12, 31), self_deadline=datetime.date(year + 1, 1, 15),
        committee_deadline=datetime.date(year + 1, 1, 31), district_deadline=datetime.date(year + 1, 2, 28),
        pass_line=D("85"), notice_days=5, rubric=RubricVersion.objects.get(code="2016"),
    )  # fmt: skip
    job = Job.objects.create(kind="period_open", params={"period_id": period.pk}, created_by=actor)
    period_open_run(job_id=job.pk)
    # Test setup shortcut (allowed by the brief): every assessment accepted with a score.
    for i, a in enumerate(Assessment.objects.filter(period=period).order_by("branch__path")):
        a.status, a.district_total, a.has_veto = S.ACCEPTED, D("90.5") + i, False
        a.save()
    return period


def publish(actor, period, branches, **kw):
    chosen = list(Assessment.objects.filter(period=period, branch__in=branches))
    return services.publish(actor=actor, period=period, assessments=chosen, **kw)


def end(pub, days_ago=1):
    today = datetime.date.today()
    Publication.objects.filter(pk=pub.pk).update(
        starts_on=today - datetime.timedelta(days=days_ago + 7), ends_on=today - datetime.timedelta(days=days_ago)
    )


@pytest.fixture
def world(district_user, committee, branch, other_branch):
    period = make_period(district_user)
    pub = publish(district_user, period, [branch], contact="0519-86500000", starts_on=datetime.date.today())
    return {"period": period, "pub": pub, "entry": pub.entries.get()}


def detail(pub):
    return reverse("public_notice_detail", args=[pub.pk])


def token_for(entry):
    return public_views._entry_token(entry.pk)


# ---------------------------------------------------------------- reading


def test_anonymous_reads_list_and_detail(client, world, branch, other_branch, committee):
    r = client.get(reverse("public_notices"))
    assert r.status_code == 200
    page = r.content.decode()
    assert world["pub"].title in page and "公示中" in page and "共 1 个党支部" in page
    assert "退出" not in page and "考核看板" not in page  # no logged-in navigation

    r = client.get(detail(world["pub"]))
    page = r.content.decode()
    assert r.status_code == 200
    assert branch.name in page and committee.name in page and "村" in page
    assert "90.5" in page and "0519-86500000" in page and "提出异议" in page
    assert 'name="csrfmiddlewaretoken"' in page
    # accepted but not in this publication: not shown
    assert other_branch.name not in page
    # no database ids of entries or branches in the page
    assert f'value="{world["entry"].pk}"' not in page and f"/{branch.pk}/" not in page


def test_list_shows_current_then_recent_ended_only(client, district_user, committee):
    branches = [make_branch(committee) for _ in range(4)]
    period = make_period(district_user)
    today = datetime.date.today()
    current = publish(district_user, period, branches[:1], title="正在公示的名单", starts_on=today)
    recent = publish(district_user, period, branches[1:2], title="上月结束的名单", starts_on=today)
    end(recent, days_ago=30)
    old = publish(district_user, period, branches[2:3], title="两年前的名单", starts_on=today)
    end(old, days_ago=700)
    future = publish(district_user, period, branches[3:4], title="下月开始的名单", starts_on=today)
    Publication.objects.filter(pk=future.pk).update(
        starts_on=today + datetime.timedelta(days=30), ends_on=today + datetime.timedelta(days=37)
    )
    page = client.get(reverse("public_notices")).content.decode()
    assert page.index("正在公示的名单") < page.index("上月结束的名单")
    assert "两年前的名单" not in page and "下月开始的名单" not in page
    # a notice that has not started is not public; the district may look at it
    assert client.get(detail(future)).status_code == 404
    client.force_login(district_user)
    assert "公示尚未开始" in client.get(detail(future)).content.decode()
    client.logout()
    # an old one stays readable by its address, without a form
    r = client.get(detail(old))
    assert r.status_code == 200 and "公示期已结束" in r.content.decode()
    assert "提出异议" in client.get(detail(current)).content.decode()


def test_missing_publication_is_404(client, world):
    assert client.get(reverse("public_notice_detail", args=[world["pub"].pk + 999])).status_code == 404


# ---------------------------------------------------------------- objections


def test_objection_lodged_name_optional(client, world, district_user):
    r = client.post(
        detail(world["pub"]),
        {"branch": token_for(world["entry"]), "name": "", "contact": "13800000000", "text": TEXT, "website": ""},
        follow=True,
    )
    page = r.content.decode()
    assert r.status_code == 200 and "您的意见已收到，受理编号：" in page
    o = Objection.objects.get()
    assert o.entry == world["entry"] and o.name == "" and o.contact == "13800000000" and o.text == TEXT
    assert len(o.client_hash) == 64 and "127.0.0.1" not in o.client_hash
    assert TEXT not in page  # objections are never shown on the public page


def test_success_does_not_show_other_objections(client, world):
    services.objection_lodge(entry=world["entry"], name="李四", contact="13900000000", text="别人的异议内容十个字以上")
    r = client.post(
        detail(world["pub"]),
        {"branch": token_for(world["entry"]), "name": "张三", "contact": "x@example.cn", "text": TEXT},
        follow=True,
    )
    page = r.content.decode()
    assert "您的意见已收到" in page
    assert "别人的异议内容" not in page and "李四" not in page and "13900000000" not in page
    assert Objection.objects.filter(name="张三").exists()


def test_missing_contact_refused_and_text_kept(client, world):
    r = client.post(detail(world["pub"]), {"branch": token_for(world["entry"]), "name": "张三", "contact": " ",
                                           "text": TEXT})  # fmt: skip
    page = r.content.decode()
    assert r.status_code == 200
    assert "请留下联系方式，以便核实情况。" in page
    assert TEXT in page and 'value="张三"' in page
    assert f'value="{token_for(world["entry"])}" selected' in page
    assert not Objection.objects.exists()


def test_short_text_refused(client, world):
    r = client.post(detail(world["pub"]), {"branch": token_for(world["entry"]), "contact": "138", "text": "太短了"})
    page = r.content.decode()
    assert "至少 10 个字" in page and "太短了" in page
    assert not Objection.objects.exists()


def test_branch_must_come_from_the_list(client, world):
    r = client.post(detail(world["pub"]), {"branch": str(world["entry"].pk), "contact": "138", "text": TEXT})
    assert "请从公示名单中选择党支部。" in r.content.decode()
    assert not Objection.objects.exists()


def test_ended_notice_has_no_form_and_refuses_posts(client, world):
    end(world["pub"])
    r = client.get(detail(world["pub"]))
    page = r.content.decode()
    assert r.status_code == 200 and "公示期已结束" in page
    assert "<form" not in page and "提出异议" not in page
    r = client.post(detail(world["pub"]), {"branch": token_for(world["entry"]), "contact": "138", "text": TEXT})
    assert "不在公示期内" in r.content.decode()
    assert not Objection.objects.exists()


def test_honeypot_silently_ignored(client, world):
    r = client.post(
        detail(world["pub"]),
        {"branch": token_for(world["entry"]), "contact": "138", "text": TEXT, "website": "http://spam.example"},
        follow=True,
    )
    assert r.status_code == 200 and "您的意见已收到" in r.content.decode()
    assert not Objection.objects.exists()


def test_throttle_sixth_within_the_hour_is_429(client, world):
    data = {"branch": token_for(world["entry"]), "contact": "138", "text": TEXT}
    for _ in range(public_views.OBJECTIONS_PER_HOUR):
        assert client.post(detail(world["pub"]), data).status_code == 302
    r = client.post(detail(world["pub"]), {**data, "name": "王五"})
    assert r.status_code == 429
    page = r.content.decode()
    assert "提交过于频繁，请稍后再试。" in page and TEXT in page and 'value="王五"' in page
    assert Objection.objects.count() == public_views.OBJECTIONS_PER_HOUR
    # the same client behind a forged X-Forwarded-For is still throttled (not trusted by default)
    assert client.post(detail(world["pub"]), data, HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429
    # another address is not affected
    assert client.post(detail(world["pub"]), data, REMOTE_ADDR="10.0.0.2").status_code == 302
    # a new hour
    cache.clear()
    assert client.post(detail(world["pub"]), data).status_code == 302


def test_refused_submissions_do_not_use_up_the_limit(client, world):
    data = {"branch": token_for(world["entry"]), "contact": "", "text": TEXT}
    for _ in range(public_views.OBJECTIONS_PER_HOUR + 2):
        assert client.post(detail(world["pub"]), data).status_code == 200
    assert client.post(detail(world["pub"]), {**data, "contact": "138"}).status_code == 302


def test_trusted_proxy_uses_first_forwarded_hop(client, world, settings):
    settings.PUBLIC_TRUST_X_FORWARDED_FOR = True
    data = {"branch": token_for(world["entry"]), "contact": "138", "text": TEXT}
    for _ in range(public_views.OBJECTIONS_PER_HOUR):
        client.post(detail(world["pub"]), data, HTTP_X_FORWARDED_FOR="203.0.113.7, 10.0.0.1")
    assert client.post(detail(world["pub"]), data, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert client.post(detail(world["pub"]), data, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 302
    hashes = set(Objection.objects.values_list("client_hash", flat=True))
    assert len(hashes) == 2


def test_csrf_enforced(world):
    c = Client(enforce_csrf_checks=True)
    data = {"branch": token_for(world["entry"]), "contact": "138", "text": TEXT}
    assert c.post(detail(world["pub"]), data).status_code == 403
    assert not Objection.objects.exists()
    c.get(detail(world["pub"]))
    token = c.cookies["csrftoken"].value
    assert c.post(detail(world["pub"]), {**data, "csrfmiddlewaretoken": token}).status_code == 302
    assert Objection.objects.count() == 1


# ---------------------------------------------------------------- query counts


def test_detail_and_list_constant_queries(client, district_user, committee, other_committee,
                                          django_assert_max_num_queries):  # fmt: skip
    few = [make_branch(committee) for _ in range(2)]
    many = [make_branch(committee) for _ in range(8)] + [make_branch(other_committee) for _ in range(8)]
    singles = [make_branch(other_committee) for _ in range(6)]
    period = make_period(district_user)
    small = publish(district_user, period, few, title="少")
    with CaptureQueriesContext(connection) as q_list:
        assert client.get(reverse("public_notices")).status_code == 200
    with CaptureQueriesContext(connection) as q_detail:
        assert client.get(detail(small)).status_code == 200
    big = publish(district_user, period, many, title="多")
    for i, b in enumerate(singles):
        extra = publish(district_user, period, [b], title=f"另{i}")
        if i % 2:
            end(extra, days_ago=10 + i)
    with django_assert_max_num_queries(len(q_detail.captured_queries)):
        r = client.get(detail(big))
    assert r.status_code == 200 and r.content.decode().count("提出异议</a>") == 16
    assert other_committee.name in r.content.decode()
    with django_assert_max_num_queries(len(q_list.captured_queries)):
        assert client.get(reverse("public_notices")).status_code == 200
