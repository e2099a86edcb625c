"""党建工作品牌: who may describe, recommend, return, recognise; foreign ids are 404; what a
recognised brand shows publicly (典型宣传) and what it never shows."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.models import Role
from ledgers.activities import services as ledger_services
from review import brands as svc
from review.brand_models import BrandEvent, BrandStatus, PartyBrand
from review.model_branches import model_branch_commend, model_branch_nominate
from tests.factories import MemberFactory, UserFactory, grant, make_branch, make_id_number
from tests.ledgers.test_activities import base_data, jpeg
from wujin_branch.errors import DomainError

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
TEXTS = {"name": "红色管家", "idea": "党员当管家，服务零距离", "measures": "每周一次入户走访，建立需求清单",
         "results": "解决群众急难愁盼问题120件"}  # fmt: skip


def photo(pattern=0):
    return jpeg(pattern=pattern, color=(30 * pattern % 255, 80, 160), name=f"p{pattern}.jpg")


def describe(actor, branch, **kw):
    return svc.brand_submit(actor=actor, branch=branch, **{**TEXTS, **kw})


def recognised(secretary, reviewer, district_user, branch, photos=()):
    b = describe(secretary, branch, photos=list(photos))
    b = svc.brand_recommend(actor=reviewer, brand=b, note="特色鲜明")
    return svc.brand_recognise(actor=district_user, brand=b, recognised_on=TODAY, document_number="武组发〔2018〕88号")


def test_secretary_describes_committee_recommends_district_recognises(client, secretary, reviewer, district_user,
                                                                       branch):  # fmt: skip
    client.force_login(secretary)
    r = client.post(reverse("brand_new", args=[branch.pk]), {**TEXTS, "photos": [photo(1), photo(2)]})
    assert r.status_code == 302, r.content.decode()
    b = PartyBrand.objects.get()
    assert (b.branch, b.status, b.submitted_by) == (branch, BrandStatus.SUBMITTED, secretary)
    assert svc.brand_photos(b).count() == 2
    r = client.get(reverse("brand_new", args=[branch.pk]))  # one live brand: the form leads to it
    assert r.status_code == 302 and r.url == reverse("brand_detail", args=[b.pk])
    page = client.get(reverse("branch_detail", args=[branch.pk])).content.decode()
    assert "红色管家" in page and "已报送，待党(工)委审核" in page
    # The secretary can neither recommend nor recognise their own brand.
    assert client.post(reverse("brand_recommend", args=[b.pk]), {}).status_code == 404
    assert client.post(reverse("brand_recognise", args=[b.pk]), {}).status_code == 404

    client.force_login(reviewer)
    assert "推荐" in client.get(reverse("brand_detail", args=[b.pk])).content.decode()
    assert client.post(reverse("brand_recognise", args=[b.pk]), {}).status_code == 404  # district only
    r = client.post(reverse("brand_recommend", args=[b.pk]), {"r-note": "做法可复制"})
    assert r.status_code == 302
    b.refresh_from_db()
    assert b.status == BrandStatus.RECOMMENDED and b.recommended_by == reviewer

    client.force_login(district_user)
    r = client.post(reverse("brand_recognise", args=[b.pk]),
                    {"c-recognised_on": TODAY.isoformat(), "c-document_number": "武组发〔2018〕88号"})  # fmt: skip
    assert r.status_code == 302
    b.refresh_from_db()
    assert b.status == BrandStatus.RECOGNISED and b.document_number == "武组发〔2018〕88号"
    assert list(b.events.values_list("code", flat=True)) == [
        "review.brand.submitted", "review.brand.recommended", "review.brand.recognised"]  # fmt: skip
    assert b.history.count() == 3
    # A second click is refused and changes nothing.
    r = client.post(reverse("brand_recognise", args=[b.pk]),
                    {"c-recognised_on": TODAY.isoformat(), "c-document_number": "另一文号"})  # fmt: skip
    assert r.status_code == 200 and "不能进行这一步" in r.content.decode()
    b.refresh_from_db()
    assert b.document_number == "武组发〔2018〕88号"
    detail = client.get(reverse("brand_detail", args=[b.pk])).content.decode()
    assert "区委组织部认定" in detail and "review.brand" not in detail and "recognised" not in detail.split("<body")[1]


def test_return_with_reason_then_revise_and_resubmit(client, secretary, reviewer, branch):
    b = describe(secretary, branch)
    client.force_login(reviewer)
    r = client.post(reverse("brand_return", args=[b.pk]), {"b-note": ""})
    assert r.status_code == 200 and "请填写退回原因" in r.content.decode()
    r = client.post(reverse("brand_return", args=[b.pk]), {"b-note": "成效请用数据说明"})
    b.refresh_from_db()
    assert b.status == BrandStatus.RETURNED and b.committee_note == "成效请用数据说明"
    assert client.get(reverse("brand_edit", args=[b.pk])).status_code == 404  # only the branch revises

    client.force_login(secretary)
    assert "成效请用数据说明" in client.get(reverse("brand_detail", args=[b.pk])).content.decode()
    r = client.post(reverse("brand_edit", args=[b.pk]), {**TEXTS, "results": "走访1200户，解决问题120件"})
    assert r.status_code == 302
    b.refresh_from_db()
    assert b.status == BrandStatus.SUBMITTED and b.results == "走访1200户，解决问题120件" and b.version == 3
    assert b.events.last().code == "review.brand.resubmitted"
    assert client.get(reverse("brand_edit", args=[b.pk])).status_code == 404  # submitted again: frozen


def test_member_names_and_id_numbers_refused_typing_kept(client, secretary, branch):
    MemberFactory(branch=branch, name="李秀英")
    client.force_login(secretary)
    r = client.post(reverse("brand_new", args=[branch.pk]), {**TEXTS, "measures": "由党员李秀英牵头入户走访"})
    body = r.content.decode()
    assert r.status_code == 200 and "党员姓名“李秀英”" in body and "牵头入户走访" in body
    number = make_id_number(datetime.date(1980, 5, 1), 419)
    with pytest.raises(DomainError, match="身份证号码"):
        describe(secretary, branch, results=f"帮扶对象{number}")
    assert not PartyBrand.objects.exists()


def test_one_live_brand_per_branch_and_again_after_decline(secretary, reviewer, district_user, branch):
    b = describe(secretary, branch)
    with pytest.raises(DomainError, match="请勿重复报送"):
        describe(secretary, branch, name="第二个品牌")
    b = svc.brand_recommend(actor=reviewer, brand=b)
    with pytest.raises(DomainError):
        svc.brand_decline(actor=district_user, brand=b, note="")
    svc.brand_decline(actor=district_user, brand=b, note="特色不够鲜明")
    assert describe(secretary, branch, name="第二个品牌").status == BrandStatus.SUBMITTED


def test_stale_page_refused(secretary, reviewer, branch):
    b = describe(secretary, branch)
    svc.brand_recommend(actor=reviewer, brand=b, version=b.version)
    with pytest.raises(DomainError):
        svc.brand_return(actor=reviewer, brand=b, note="晚了一步", version=b.version)
    assert BrandEvent.objects.filter(brand=b).count() == 2


@pytest.mark.parametrize("role", ["other_secretary", "other_reviewer"])
def test_foreign_ids_are_404(client, request, role, secretary, branch, other_committee):
    users = {"other_secretary": lambda: request.getfixturevalue("other_secretary"),
             "other_reviewer": lambda: grant(UserFactory(username="r2"), other_committee, Role.REVIEWER)}  # fmt: skip
    b = describe(secretary, branch)
    client.force_login(users[role]())
    for name in ("brand_detail", "brand_edit", "brand_recommend", "brand_return", "brand_recognise",
                 "brand_decline"):  # fmt: skip
        assert client.get(reverse(name, args=[b.pk])).status_code == 404, name
        if name != "brand_detail":
            assert client.post(reverse(name, args=[b.pk]), {"r-note": "x", "b-note": "x"}).status_code == 404, name
    assert client.get(reverse("brand_new", args=[branch.pk])).status_code == 404
    assert "红色管家" not in client.get(reverse("brand_list")).content.decode()
    b.refresh_from_db()
    assert b.status == BrandStatus.SUBMITTED


def test_service_checks_roles_too(secretary, reviewer, other_secretary, district_user, branch, other_branch):
    with pytest.raises(DomainError):
        describe(reviewer, branch)  # committees recommend, they do not describe for the branch
    with pytest.raises(DomainError):
        describe(other_secretary, branch)
    b = describe(secretary, branch)
    with pytest.raises(DomainError):
        svc.brand_recommend(actor=secretary, brand=b)
    b = svc.brand_recommend(actor=reviewer, brand=b)
    with pytest.raises(DomainError):
        svc.brand_recognise(actor=reviewer, brand=b, recognised_on=TODAY, document_number="x")
    with pytest.raises(DomainError, match="认定日期"):
        svc.brand_recognise(actor=district_user, brand=b, recognised_on=TODAY + datetime.timedelta(days=1),
                            document_number="x")  # fmt: skip


def test_brand_list_scoped_and_constant_queries(client, district_user, secretary, committee):
    client.force_login(district_user)
    describe(district_user, make_branch(committee))
    client.get(reverse("brand_list"))  # warm-up: the menu's cached counts
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("brand_list"))
    for _ in range(6):
        describe(district_user, make_branch(committee))
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("brand_list")).content.decode()
    assert len(many) == len(few) and page.count("红色管家") == 7
    client.force_login(secretary)
    assert "红色管家" not in client.get(reverse("brand_list")).content.decode()  # not their branch's


# ---------------------------------------------------------------- 典型宣传 (public)


def test_showcase_logged_out_shows_recognised_only_with_chosen_display_photos(
    client, secretary, reviewer, district_user, branch, committee
):
    member = MemberFactory(branch=branch, name="王建国", id_number=make_id_number(datetime.date(1970, 1, 2), 17))
    activity = ledger_services.activity_create(actor=secretary, branch=branch, data=base_data(), attendance={},
                                               photos=[photo(5)], attachments=[])  # fmt: skip
    b = recognised(secretary, reviewer, district_user, branch, photos=[photo(1), photo(2)])
    pending = describe(district_user, make_branch(committee, name="南苑社区党支部"), name="待审品牌")
    chosen = list(svc.brand_photos(b))

    page = client.get(reverse("showcase_list"))
    body = page.content.decode()
    assert page.status_code == 200 and "public" in page["Cache-Control"] and "Set-Cookie" not in page
    assert "红色管家" in body and "湖塘镇党委" in body and "待审品牌" not in body
    detail = client.get(reverse("showcase_brand", args=[b.pk]))
    html = detail.content.decode()
    assert detail.status_code == 200 and "武组发〔2018〕88号" in html and "public" in detail["Cache-Control"]
    for p in chosen:
        assert reverse("showcase_photo", args=[p.pk]) in html
    assert "/photo/" not in html.replace("/showcase/photo/", "")  # never a private photo URL
    for leak in (member.name, member.id_number, "特色鲜明", secretary.username, reviewer.username):
        assert leak not in html, leak  # no member, no internal notes, no accounts
    assert client.get(reverse("showcase_brand", args=[pending.pk])).status_code == 404

    r = client.get(reverse("showcase_photo", args=[chosen[0].pk]))
    body = b"".join(r.streaming_content)
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg" and "public" in r["Cache-Control"]
    assert body == chosen[0].display.open("rb").read() != chosen[0].original.open("rb").read()
    assert client.get(reverse("showcase_photo", args=[activity.photos.get().pk])).status_code == 404
    pending_photo = svc.brand_photos(describe(district_user, make_branch(committee), photos=[photo(3)])).get()
    assert client.get(reverse("showcase_photo", args=[pending_photo.pk])).status_code == 404
    assert reverse("showcase_list") in client.get(reverse("public_notices")).content.decode()


def test_showcase_model_branch_and_constant_queries(client, district_user, committee):
    def add():
        branch = make_branch(committee)
        n = model_branch_nominate(actor=district_user, branch=branch, year=TODAY.year, reason="理由：书记张三带头")
        model_branch_commend(actor=district_user, nomination=n, commended_on=TODAY, document_number="武组发〔2016〕1号")
        b = svc.brand_submit(actor=district_user, branch=branch, **TEXTS, photos=[photo(len(PartyBrand.objects.all()))])
        b = svc.brand_recommend(actor=district_user, brand=b)
        svc.brand_recognise(actor=district_user, brand=b, recognised_on=TODAY, document_number="武组发〔2018〕2号")
        return n

    n = add()
    r = client.get(reverse("showcase_model_branch", args=[n.pk]))
    html = r.content.decode()
    assert r.status_code == 200 and "示范支部" in html and "红色管家" in html and "张三" not in html
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("showcase_list"))
    for _ in range(4):
        add()
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("showcase_list")).content.decode()
    assert len(many) == len(few) and page.count("武组发〔2016〕1号") == 5
    assert client.get(reverse("showcase_model_branch", args=[n.pk + 999])).status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.parametrize("locked", [True, False])
def test_two_simultaneous_recognitions(locked, district, committee, branch):
    """With the row lock one of two simultaneous recognitions is refused; the control (lock
    skipped) shows the race: both read 'recommended' and both write a recognition."""
    staff = [grant(UserFactory(), district, Role.DISTRICT) for _ in range(2)]
    b = svc.brand_recommend(actor=staff[0], brand=describe(staff[0], branch))
    barrier, results = threading.Barrier(2, timeout=5), []

    def run(user):
        def after_read():
            if not locked:
                barrier.wait()  # both have read the row before either writes

        try:
            svc.brand_recognise(actor=user, brand=b, recognised_on=TODAY, document_number=f"文号{user.pk}",
                                _lock_row=locked, _after_read=after_read)  # fmt: skip
            results.append("ok")
        except DomainError as e:
            results.append(e.message)
        except threading.BrokenBarrierError:
            results.append("barrier")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(u,)) for u in staff]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    recognised_events = BrandEvent.objects.filter(brand=b, code="review.brand.recognised").count()
    if locked:
        assert results.count("ok") == 1 and any("不能进行这一步" in r for r in results)
        assert recognised_events == 1
    else:
        assert results == ["ok", "ok"] and recognised_events == 2


def test_public_brand_page_constant_queries(client, secretary, reviewer, district_user, branch, committee):
    from review.exchanges import exchange_create

    def exchange():
        exchange_create(actor=reviewer, kind="symposium", held_on=TODAY, host=branch, title="座谈会",
                        shown="交流经验", participants=[committee, make_branch(committee)])  # fmt: skip

    b = recognised(secretary, reviewer, district_user, branch, photos=[photo(1)])
    exchange()
    url = reverse("showcase_brand", args=[b.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(3):
        exchange()
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert len(many) == len(few) and page.count("座谈会：座谈会") == 4


@pytest.mark.s3
def test_public_photo_from_a_bucket_is_the_display_copy(client, secretary, reviewer, district_user, branch,
                                                        settings):  # fmt: skip
    """In object storage the public photo view hands out a short-lived presigned link to the
    display copy (never the original), as every private file is served."""
    import urllib.request
    from urllib.parse import urlsplit

    settings.AWS_S3_PUBLIC_ENDPOINT_URL = settings.AWS_S3_ENDPOINT_URL.replace("127.0.0.1", "localhost")
    b = recognised(secretary, reviewer, district_user, branch, photos=[photo(1)])
    p = svc.brand_photos(b).get()
    r = client.get(reverse("showcase_photo", args=[p.pk]))
    assert r.status_code == 302 and r["Cache-Control"] == "private, no-store"
    assert p.display.name in urlsplit(r["Location"]).path and p.original.name not in r["Location"]
    with urllib.request.urlopen(r["Location"], timeout=5) as fetched:
        assert fetched.read() == p.display.open("rb").read()


def test_pages_say_what_they_mean(client, secretary, reviewer, district_user, branch, committee):
    """No step code (``review.brand.recognised``) or raw state / form value in any page's text."""
    import re

    from review.brand_models import ExchangeKind
    from review.exchanges import exchange_create
    from tests.review.test_no_internal_codes import visible_text

    words = "|".join([*BrandStatus.values, *ExchangeKind.values])
    raw = re.compile(r"review\.brand\.|(?<![A-Za-z_])(" + words + r")(?![A-Za-z_])")
    b = recognised(secretary, reviewer, district_user, branch, photos=[photo(1)])
    returned = svc.brand_return(actor=reviewer, brand=describe(district_user, make_branch(committee)), note="补充成效")
    e = exchange_create(actor=reviewer, kind=ExchangeKind.SYMPOSIUM, held_on=TODAY, host=branch, title="座谈会",
                        shown="交流经验", participants=[committee])  # fmt: skip
    pages = {
        None: [reverse("showcase_list"), reverse("showcase_brand", args=[b.pk])],
        secretary: [reverse("brand_list"), reverse("brand_detail", args=[b.pk]),
                    reverse("branch_detail", args=[branch.pk]), reverse("exchange_detail", args=[e.pk])],
        reviewer: [reverse("brand_list"), reverse("brand_detail", args=[returned.pk]), reverse("exchange_list"),
                   reverse("exchange_new")],
        district_user: [reverse("brand_list"), reverse("brand_detail", args=[b.pk]), reverse("exchange_list")],
    }  # fmt: skip
    for user, urls in pages.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for url in urls:
            r = client.get(url)
            assert r.status_code == 200, url
            found = raw.findall(visible_text(r.content.decode()))
            assert not found, (url, found)


def test_district_withdraws_a_recognition_and_the_showcase_forgets_it(client, secretary, reviewer, district_user,
                                                                      branch):  # fmt: skip
    b = recognised(secretary, reviewer, district_user, branch, photos=[photo(1)])
    p = svc.brand_photos(b).get()
    assert client.get(reverse("showcase_photo", args=[p.pk])).status_code == 200
    for user in (secretary, reviewer):
        client.force_login(user)
        assert client.post(reverse("brand_withdraw", args=[b.pk]), {"w-note": "x"}).status_code == 404
    client.force_login(district_user)
    assert "撤销认定" in client.get(reverse("brand_detail", args=[b.pk])).content.decode()
    assert client.post(reverse("brand_withdraw", args=[b.pk]), {"w-note": ""}).status_code == 200  # a reason
    r = client.post(reverse("brand_withdraw", args=[b.pk]), {"w-note": "照片中可见党员名单"})
    assert r.status_code == 302
    b.refresh_from_db()
    assert b.status == BrandStatus.WITHDRAWN and b.events.last().code == "review.brand.withdrawn"
    client.logout()
    assert client.get(reverse("showcase_brand", args=[b.pk])).status_code == 404
    assert client.get(reverse("showcase_photo", args=[p.pk])).status_code == 404
    assert "红色管家" not in client.get(reverse("showcase_list")).content.decode()
    assert describe(secretary, branch, name="新品牌").status == BrandStatus.SUBMITTED  # may describe anew
