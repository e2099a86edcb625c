"""Only district staff ever receive a full identity number (issue 11, point 1).

The sweep renders every page and export a branch secretary and a committee reviewer can
reach — every URL pattern, filled with the ids of a branch whose member and applicant have
known numbers — and looks for the numbers in the HTML, the PDFs' text and the workbooks'
cells. A URL pattern added later fails the sweep until it says which object it shows.
"""

import datetime
import io
import re
import zipfile

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from assessment.models import Assessment, RubricItem, RubricVersion
from branches.flow_services import life_meeting_create, member_flow_start, member_set_district_cadre
from branches.models import Member, Position, Role
from branches.services import sanction_create
from ledgers.activities import services as ledger_services
from ledgers.life.services import minutes_file
from ledgers.member_records.services import member_record_create
from ledgers.models import Applicant, PlanKind, RecordKind, RoomItem
from ledgers.plans import services as plans
from tests.factories import MemberFactory, PartyGroupFactory, UserFactory, grant, make_id_number, make_term
from tests.ledgers.test_activities import base_data, jpeg
from tests.ledgers.test_development import new_applicant, walk
from tests.review.test_workflow import make_period, open_all
from wujin_branch.models import Job

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
MEMBER_ID = make_id_number(datetime.date(1980, 5, 1), 419)
APPLICANT_BIRTH = datetime.date(1995, 3, 8)
APPLICANT_ID = make_id_number(APPLICANT_BIRTH, 731)

# URL patterns whose pages show none of a member's or applicant's data: their objects are
# about the branch as a whole (funding, notices, escalations, rectification) or a committee's
# 实施方案 (stage-plan), public (公示),
# or a POST-only action; a pending upload is the uploader's own photo, shown to no one else;
# the account pages show logins (name, login name, phone), never a member's identity number;
# a 党建品牌 is about the branch (its texts refuse ID numbers) and a 观摩/座谈 about organizations.
NOT_ABOUT_PEOPLE = ("escalation/", "funding-entry/", "notice/", "rectification/", "review/objections/",
                    "review/declaration/", "assessment/exports/", "gongshi/", "development/plan/",
                    "development/examination/", "flag/", "study-plan/", "appraisal/", "uploads/pending/",
                    "users/", "review/model-branches/", "stage-plan/", "review/rewards/", "review/duty-reports/",
                    "branch/<int:pk>/stage-plan/", "review/brands/", "review/exchanges/")  # fmt: skip


@pytest.fixture
def pdf_font():
    from wujin_branch import fonts

    if not fonts.FACES[0].source.exists():
        pytest.skip(f"{fonts.FACES[0].source} is missing — install fonts-noto-cjk")
    fonts.build()


@pytest.fixture
def world(branch, committee, secretary, reviewer, district_user, pdf_font):
    member = MemberFactory(branch=branch, name="张伟", birth_date=datetime.date(1980, 5, 1), id_number=MEMBER_ID,
                           phone="13812345678")  # fmt: skip
    others = [MemberFactory(branch=branch) for _ in range(3)]
    group = PartyGroupFactory(branch=branch, name="第一党小组", leader=member)
    Member.objects.filter(pk__in=[member.pk, others[0].pk]).update(party_group=group)
    term = make_term(branch, elected_on=TODAY - datetime.timedelta(days=400),
                     seats=[(Position.SECRETARY, member), (Position.ORGANIZATION, others[0])])  # fmt: skip
    activity = ledger_services.activity_create(
        actor=secretary, branch=branch, data=base_data(), attendance={}, photos=[jpeg()],
        attachments=[SimpleUploadedFile("记录.pdf", b"%PDF-1.4\n%signed\n")],
    )  # fmt: skip
    life = ledger_services.activity_create(
        actor=secretary, branch=branch, attendance={}, photos=[jpeg()],
        data=base_data(type="life", life_level="branch", topic="专题组织生活会", team_check="班子",
                       personal_check="个人"),
    )  # fmt: skip
    minutes_file(actor=secretary, activity=life, speeches={m.pk: "发言要点" for m in [member, *others]})
    member_record_create(actor=secretary, member=member, kind=RecordKind.TRAINING, occurred_on=activity.held_on,
                         title="党员集中培训", detail="参加三天集中培训")  # fmt: skip
    sanction_create(actor=secretary, member=others[1], kind=1, imposed_on=activity.held_on, reason="违反工作纪律")
    applicant = walk(secretary, new_applicant(secretary, branch, birth=APPLICANT_BIRTH, id_number=APPLICANT_ID,
                                              material=SimpleUploadedFile("申请书.pdf", b"%PDF-1.4\n%x\n")), 3)
    plan = plans.plan_save(actor=secretary, branch=branch, year=TODAY.year, kind=PlanKind.WORK, text="",
                        upload=SimpleUploadedFile("计划.docx", b"PK\x03\x04word"))  # fmt: skip
    flow = member_flow_start(actor=secretary, member=others[2], direction="out", started_on=TODAY,
                             counterpart="中共上海市某流动党员党支部")  # fmt: skip
    member_set_district_cadre(actor=reviewer, member=member, value=True, version=None)
    meeting = life_meeting_create(actor=reviewer, organization=committee, held_on=TODAY, topic="民主生活会",
                                  minutes="对照检查", participants=[member])  # fmt: skip
    period = make_period(district_user)
    open_all(district_user, period)
    assessment = Assessment.objects.get(period=period, branch=branch)
    return {
        "branch/": [branch.pk],
        "org/": [branch.pk, committee.pk],
        "review/committee/": [committee.pk],
        "member/": [member.pk],
        "flow/": [flow.pk],
        "cadres/life-meetings/": [meeting.pk],
        "group/": [group.pk],
        "term/": [term.pk],
        "seat/": list(term.seats.values_list("pk", flat=True)),
        "activity/": [activity.pk, life.pk],
        "photo/": list(activity.photos.values_list("pk", flat=True)),
        "attachment/": list(activity.attachments.values_list("pk", flat=True)),
        "development/applicant/": [applicant.pk],
        "development/material/": list(applicant.steps.exclude(material="").values_list("pk", flat=True)),
        "plan/": [plan.pk],
        "assessment/periods/": [period.pk],
        "assessment/jobs/": list(Job.objects.values_list("pk", flat=True)),
        "assessment/rubric/item/": [RubricItem.objects.filter(section__version__code="2016").first().pk],
        "assessment/rubric/": [RubricVersion.objects.get(code="2016").pk],
        "assessment/": [assessment.pk],
        "veto/": list(assessment.vetoes.values_list("pk", flat=True)),
        "year": sorted({activity.held_on.year, TODAY.year}),
        "member": member,
        "applicant": applicant,
    }


def routes():
    """(route, name) of every URL pattern outside the admin."""

    def walk_patterns(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if str(p.pattern) != "admin/":
                    yield from walk_patterns(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p.name

    return list(walk_patterns(get_resolver().url_patterns))


OTHER_PARAMS = {"code": [1, 4], "variant": ["thumb", "display", "original"], "kind": [PlanKind.WORK],
                "item": [RoomItem.SIGN], "action": ["committee_return"]}  # fmt: skip


def urls_for(world):
    urls = []
    for route, name in routes():
        params = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if not params:
            urls.append(reverse(name))
            continue
        if any(route.startswith(p) for p in NOT_ABOUT_PEOPLE):
            continue
        prefix = max((k for k in world if k.endswith("/") and route.startswith(k)), key=len, default=None)
        assert prefix is not None, f"the sweep does not know what {route} ({name}) shows: add it above"
        combos = [{}]
        for param in params:
            values = world[prefix] if param == "pk" else world["year"] if param == "year" else OTHER_PARAMS[param]
            combos = [{**c, param: v} for c in combos for v in values]
        urls += [reverse(name, kwargs=c) for c in combos]
    return urls


def text_of(response) -> str:
    """Everything a response hands over, as text: the body, and a PDF's or workbook's text."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    parts = [body.decode("utf-8", "ignore"), str(dict(response.headers))]
    if body.startswith(b"%PDF") and len(body) > 100:
        parts += [page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(body)).pages]
    elif body.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as z:
                parts += [z.read(n).decode("utf-8", "ignore") for n in z.namelist() if n.endswith(".xml")]
        except zipfile.BadZipFile:
            pass
    return re.sub(r"\s+", "", "".join(parts))


def leaks(text):
    return [n for n in (MEMBER_ID, APPLICANT_ID, MEMBER_ID[4:14], APPLICANT_ID[4:14]) if n in text]


@pytest.mark.parametrize("role", ["secretary", "reviewer"])
def test_no_page_or_export_hands_out_a_full_number(client, request, world, role):
    client.force_login(request.getfixturevalue(role))
    seen, found = 0, []
    for url in urls_for(world):
        response = client.get(url)
        if response.status_code == 200:
            seen += 1
        found += [(url, n) for n in leaks(text_of(response))]
    assert found == []
    assert seen > 60  # the sweep did reach the pages
    member = world["member"]
    html = client.get(reverse("member_detail", args=[member.pk])).content.decode()
    assert member.id_number_masked in html


def test_district_staff_see_full_numbers(client, world, district_user):
    client.force_login(district_user)
    member, applicant = world["member"], world["applicant"]
    assert MEMBER_ID in client.get(reverse("member_detail", args=[member.pk])).content.decode()
    assert MEMBER_ID in client.get(reverse("member_edit", args=[member.pk])).content.decode()
    assert APPLICANT_ID in client.get(reverse("dev_applicant_edit", args=[applicant.pk])).content.decode()
    page = client.get(reverse("member_list"), {"q": MEMBER_ID}).content.decode()
    assert reverse("member_detail", args=[member.pk]) in page


@pytest.mark.parametrize("role", ["secretary", "reviewer"])
def test_search_does_not_confirm_a_guessed_number(client, request, branch, role):
    member = MemberFactory(branch=branch, name="张伟", id_number=MEMBER_ID)
    client.force_login(request.getfixturevalue(role))
    detail = reverse("member_detail", args=[member.pk])
    for q in (MEMBER_ID, MEMBER_ID.lower(), MEMBER_ID[-8:], MEMBER_ID[-5:]):
        assert detail not in client.get(reverse("member_list"), {"q": q}).content.decode(), q
    assert detail in client.get(reverse("member_list"), {"q": MEMBER_ID[-4:]}).content.decode()
    assert detail in client.get(reverse("member_list"), {"q": "zw"}).content.decode()


# ---------------------------------------------------------------- the edit forms


def _member_post(client, member, **changes):
    url = reverse("member_edit", args=[member.pk])
    form = client.get(url).context["form"]
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in form.initial.items() if v is not None}
    data.update(changes)
    return client.post(url, data)


def test_member_form_masks_and_keeps_the_number(client, secretary, branch):
    member = MemberFactory(branch=branch, id_number=MEMBER_ID)
    client.force_login(secretary)
    html = client.get(reverse("member_edit", args=[member.pk])).content.decode()
    assert MEMBER_ID not in html and f'value="{member.id_number_masked}"' in html
    assert _member_post(client, member, phone="13900000001").status_code == 302  # masked number sent back
    member.refresh_from_db()
    assert member.id_number == MEMBER_ID and member.phone == "13900000001"
    assert _member_post(client, member, id_number="", phone="13900000002").status_code == 302  # blank
    member.refresh_from_db()
    assert member.id_number == MEMBER_ID and member.phone == "13900000002"
    wrong = MEMBER_ID[:17] + ("1" if MEMBER_ID[17] == "0" else "0")  # a wrong check digit
    r = _member_post(client, member, id_number=wrong)
    assert r.status_code == 200 and "身份证号格式不正确" in r.content.decode()
    new = make_id_number(datetime.date(1980, 5, 1), 420)
    assert _member_post(client, member, id_number=new).status_code == 302  # a new number may be typed
    member.refresh_from_db()
    assert member.id_number == new


def test_applicant_form_masks_and_keeps_the_number(client, secretary, branch):
    a = new_applicant(secretary, branch, birth=APPLICANT_BIRTH, id_number=APPLICANT_ID)
    client.force_login(secretary)
    url = reverse("dev_applicant_edit", args=[a.pk])
    response = client.get(url)
    html = response.content.decode()
    assert APPLICANT_ID not in html and f'value="{a.id_number_masked}"' in html
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in response.context["form"].initial.items()}
    data["name"] = "孙小明"
    assert client.post(url, data).status_code == 302
    a.refresh_from_db()
    assert a.name == "孙小明" and a.id_number == APPLICANT_ID
    data.update(version=a.version, id_number="")
    assert client.post(url, data).status_code == 302
    assert Applicant.objects.get(pk=a.pk).id_number == APPLICANT_ID


# ---------------------------------------------------------------- the admin


def test_admin_masks_numbers_for_anyone_but_district_staff(client, branch, district):
    member = MemberFactory(branch=branch, id_number=MEMBER_ID)
    member.phone = "13900000009"
    member.save()  # a history row to open in the history view
    admin_user = UserFactory(is_staff=True, is_superuser=True)  # a technician, no district role
    urls = [reverse("admin:branches_member_change", args=[member.pk]),
            reverse("admin:branches_member_history", args=[member.pk]),
            reverse("admin:branches_member_simple_history", args=[member.pk, member.history.latest().pk]),
            reverse("admin:branches_member_changelist") + f"?q={MEMBER_ID}"]  # fmt: skip
    client.force_login(admin_user)
    for url in urls[:3]:  # (the search page repeats what was typed into the search box)
        response = client.get(url)
        assert response.status_code == 200 and leaks(text_of(response)) == [], url
    assert member.id_number_masked in client.get(urls[0]).content.decode()
    assert urls[0] not in client.get(urls[3]).content.decode()  # the search does not match on the number
    client.force_login(grant(UserFactory(is_staff=True, is_superuser=True), district, Role.DISTRICT))
    assert MEMBER_ID in client.get(urls[0]).content.decode()

