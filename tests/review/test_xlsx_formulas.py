"""Every workbook the platform writes keeps typed text as text: nothing a user typed can
become a live formula in Excel or WPS, on opening, on editing a cell or after saving as CSV
(issue 11, point 2). One helper does it: ``wujin_branch.xlsx``."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessment.models import AssessmentStatus as S
from branches.models import Role
from ledgers.member_records.services import member_record_create
from ledgers.models import ActivityType, RecordKind
from tests.factories import MemberFactory, PartyGroupFactory, UserFactory, grant, make_branch
from tests.ledgers.test_ledger import record
from tests.review.test_dashboards import assess, make_period
from wujin_branch import xlsx

pytestmark = pytest.mark.django_db

YEAR = datetime.date.today().year - 1
HYPERLINK = '=HYPERLINK("http://evil.example/","点我")'
DDE = "=cmd|' /C calc'!A0"
HOSTILE = [HYPERLINK, DDE, "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def cells_of(content: bytes) -> list[str]:
    """Every text in the workbook, after checking that no cell is or looks like a formula."""
    texts = []
    for ws in load_workbook(io.BytesIO(content)).worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str):
                    assert not c.value.startswith(xlsx.FORMULA_START), (ws.title, c.coordinate, c.value)
                    texts.append(c.value)
    return texts


@pytest.fixture
def evil(committee):
    """A branch whose name, records, members and groups all start like formulas."""
    branch = make_branch(committee, name=HYPERLINK)
    user = grant(UserFactory(), branch, Role.SECRETARY)
    group = PartyGroupFactory(branch=branch, name="-第一党小组")
    m = MemberFactory(branch=branch, name=DDE, ethnicity="@汉族", phone="+8613800000000", party_group=group)
    record(user, branch, ActivityType.THEME_DAY, datetime.date(YEAR, 5, 4), DDE, place="+会议室", host="-张伟",
           recorder="@王芳", content="\t=1+1 内容", decisions="\r=1+1 决议")  # fmt: skip
    record(user, branch, ActivityType.SERVICE, datetime.date(YEAR, 6, 4), HYPERLINK, place="@村委")
    member_record_create(actor=user, member=m, kind=RecordKind.TRAINING, occurred_on=datetime.date(YEAR, 1, 2),
                         title="+培训", detail="-说明", by_whom="=组织部")  # fmt: skip
    return {"branch": branch, "user": user}


def _get(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return cells_of(response.content)


@pytest.mark.parametrize("name", ["life_ledger_xlsx", "member_ledger_xlsx", "service_ledger_xlsx"])
def test_ledgers(client, evil, name):
    texts = _get(client, evil["user"], reverse(name, args=[evil["branch"].pk, YEAR]))
    assert "'" + HYPERLINK in texts  # the branch's name on the summary, or the service record's topic


def test_life_ledger_every_column(client, evil):
    texts = _get(client, evil["user"], reverse("life_ledger_xlsx", args=[evil["branch"].pk, YEAR]))
    for typed in (DDE, "+会议室", "-张伟", "@王芳", "\t=1+1 内容", "\r=1+1 决议"):
        assert "'" + typed.replace("\r", "\n") in texts, typed  # the XML reader reads a CR back as LF


def test_roster_export_and_template(client, evil):
    texts = _get(client, evil["user"], reverse("roster_export", args=[evil["branch"].pk]))
    assert {"'" + DDE, "'@汉族", "'+8613800000000", "'-第一党小组"} <= set(texts)
    texts = _get(client, evil["user"], reverse("roster_template", args=[evil["branch"].pk]))
    assert "'-第一党小组" in texts  # the help sheet's list of groups


def test_statistics(client, evil, reviewer):
    texts = _get(client, reviewer, reverse("statistics", args=[evil["branch"].pk]) + f"?format=xlsx&year={YEAR}")
    assert any(t.startswith("'" + HYPERLINK) for t in texts)


def test_results(client, evil, district_user):
    assess(make_period(), evil["branch"], S.DRAFT)
    texts = _get(client, district_user, reverse("results_xlsx"))
    assert "'" + HYPERLINK in texts


def test_helper():
    for typed in HOSTILE:
        assert xlsx.safe_text(typed) == "'" + typed
        assert xlsx.unescape(xlsx.safe_text(typed)) == typed
    for plain in ("张伟", "", "'引号开头", "1+1", " =1"):
        assert xlsx.safe_text(plain) == plain and xlsx.unescape(plain) == plain
    assert xlsx.safe_text("=1\x0b+1") == "'=1+1"  # control characters openpyxl refuses are dropped
