"""党员信息台账 and 联系服务群众台账: generated from records made through the real services,
rendered three ways (web, PDF, Excel)."""

import datetime
import io
from urllib.parse import quote

import pypdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from branches import services as branches
from branches.models import MemberStatus, Organization, SanctionKind, TransferDirection
from branches.permissions import user_scopes
from ledgers import development as dev
from ledgers import dues
from ledgers.books import members as ledger_members
from ledgers.books import members_xlsx
from ledgers.books import service as ledger_service
from ledgers.member_records.services import member_record_create
from ledgers.models import (
    ActivityType,
    AttendanceStatus,
    DevStage,
    DuesGroup,
    PlanKind,
    RecordKind,
    ServiceSystem,
)
from ledgers.plans import services as plans
from ledgers.service import services as service
from tests.factories import MemberFactory, MemberFlowFactory, unique_id_number
from wujin_branch import fonts

from .test_ledger import record

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year - 1  # a whole past year: every date in it is allowed
D = datetime.date


def _text(pdf_bytes):
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    return reader, "".join(page.extract_text() for page in reader.pages)


def _pdf_fonts(reader):
    names = set()
    for page in reader.pages:
        for font in (page.get("/Resources") or {}).get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def _rows(ws):
    header = [c.value for c in ws[1]]
    return [dict(zip(header, (c.value for c in row), strict=False)) for row in ws.iter_rows(min_row=2)]


# ================================================================ 党员信息台账: data


def person(name, birth=None):
    birth = birth or D(1990, 3, 8)
    return {
        "name": name,
        "gender": "F",
        "birth_date": birth,
        "education": "college",
        "occupation": "farmer",
        "id_number": unique_id_number(birth),
        "phone": "",
    }


def dev_step(actor, a, code, day):
    step = dev.STEP[code]
    kw = {"exception_reason": "测试数据"}
    if step.vote == "required":
        kw["votes"] = {
            "vote_expected": 9,
            "vote_present": 8,
            "ballots_issued": 8,
            "ballots_returned": 8,
            "votes_for": 7,
        }
    if step.people_required:
        kw["people"] = "张伟、王芳"
    if code == 11:
        kw["training_days"] = 3
    a.refresh_from_db()
    return dev.step_record(actor=actor, applicant=a, code=code, done_on=day, **kw)


@pytest.fixture
def members(branch):
    """Seven members: an old one from before 1949, a hardship case, a flowing one, a recent one."""
    m = {
        "张伟": MemberFactory(
            branch=branch, name="张伟", birth_date=D(1926, 5, 1), joined_on=D(1947, 7, 1), full_member_on=D(1948, 7, 1)
        ),
        "王芳": MemberFactory(branch=branch, name="王芳", gender="F", is_hardship=True, hardship_note="因病致困"),
        "李娜": MemberFlowFactory(member=MemberFactory(branch=branch, name="李娜", gender="F")).member,
        "刘洋": MemberFactory(branch=branch, name="刘洋"),
        "陈静": MemberFactory(
            branch=branch, name="陈静", gender="F", joined_on=D(YEAR - 1, 9, 1), full_member_on=D(YEAR, 9, 1)
        ),
        "欧阳晓燕": MemberFactory(branch=branch, name="欧阳晓燕", gender="F", ethnicity="回族"),
        "王昺": MemberFactory(branch=branch, name="王昺"),  # 昺 is outside GB 2312
    }
    return m


@pytest.fixture
def member_year(secretary, reviewer, branch, other_branch, members):
    """A year of member records, sanctions, dues, development and transfers, all through the services."""
    m = members
    rec = [
        (m["王芳"], RecordKind.HELP, D(YEAR, 2, 1), "春节帮扶", 50000, "镇党委"),
        (m["张伟"], RecordKind.VISIT, D(YEAR, 6, 30), "七一走访慰问老党员", 30000, "书记王芳"),
        (m["李娜"], RecordKind.TRAINING, D(YEAR, 4, 10), "参加镇党员冬训", None, "镇党校"),
        (m["刘洋"], RecordKind.REWARD, D(YEAR, 7, 1), "优秀共产党员", None, "镇党委"),
        (m["王昺"], RecordKind.PENALTY, D(YEAR, 8, 3), "批评教育", None, ""),
        (m["陈静"], RecordKind.INTEGRITY, D(YEAR, 3, 3), "签订廉洁承诺书", None, ""),
        (m["李娜"], RecordKind.TRAINING, D(YEAR - 1, 4, 10), "上一年的培训", None, ""),  # not in the year
    ]
    for member, kind, day, title, fen, by in rec:
        member_record_create(
            actor=secretary,
            member=member,
            kind=kind,
            occurred_on=day,
            title=title,
            detail=f"{title}的情况说明",
            amount_fen=fen,
            by_whom=by,
        )
    branches.sanction_create(
        actor=secretary,
        member=m["王昺"],
        kind=SanctionKind.WARNING,
        imposed_on=D(YEAR, 5, 6),
        effective_until=D(YEAR + 1, 5, 5),
        reason="违反工作纪律",
    )
    branches.sanction_create(
        actor=secretary,
        member=m["刘洋"],
        kind=SanctionKind.SERIOUS_WARNING,
        imposed_on=D(YEAR - 1, 10, 1),
        effective_until=D(YEAR, 4, 1),
        reason="以前年度处分",
    )
    branches.sanction_create(
        actor=secretary,
        member=m["刘洋"],
        kind=SanctionKind.WARNING,
        imposed_on=D(YEAR - 3, 1, 1),
        effective_until=D(YEAR - 2, 1, 1),
        reason="早已期满",
    )

    # Dues: everyone a farmer's fixed amount, 欧阳晓燕 waived; payments for part of the year.
    rows = [dues.BaseInput(member_id=x.pk, group=DuesGroup.FARMER) for x in m.values() if x.name != "欧阳晓燕"]
    rows.append(
        dues.BaseInput(
            member_id=m["欧阳晓燕"].pk,
            group=DuesGroup.LOW_INCOME,
            reduced=True,
            reduced_fen=0,
            reduction_reason="重病",
            branch_decision="支委会决定",
            upper_approval="镇党委批准",
        )
    )
    dues.dues_bases_save(actor=secretary, branch=branch, year=YEAR, rows=rows)
    for month in range(1, 13):
        payers = [m["张伟"], m["陈静"]] + ([m["王芳"]] if month <= 6 else [])
        dues.dues_month_save(
            actor=secretary,
            branch=branch,
            month=D(YEAR, month, 1),
            rows=[dues.PaymentInput(member_id=x.pk, paid=True, paid_on=D(YEAR, month, 10)) for x in payers],
        )

    # Transfers: 刘洋 leaves the district, 王昺's neighbour comes in, one goes to another branch.
    branches.member_transfer(
        actor=secretary,
        member=m["刘洋"],
        direction=TransferDirection.OUT,
        occurred_on=D(YEAR, 9, 15),
        counterpart="上海市某党支部",
    )
    moved = MemberFactory(branch=branch, name="杨磊")
    branches.member_transfer(
        actor=secretary,
        member=moved,
        direction=TransferDirection.INTERNAL,
        occurred_on=D(YEAR, 3, 1),
        to_branch=other_branch,
    )
    branches.member_create(
        actor=secretary,
        branch=branch,
        transfer_from="南京市某党支部",
        transfer_on=D(YEAR, 10, 8),
        **{
            **person("赵敏", D(1985, 1, 2)),
            "joined_on": D(2010, 7, 1),
            "full_member_on": D(2011, 7, 1),
            "status": MemberStatus.FULL,
            "dues_from": D(YEAR, 10, 1),  # entered on the platform when the transfer came in
        },
    )

    # Development: an applicant of the year, an activist since last year, a new probationary member,
    # one stopped before the year (left out) and one who applied after it (left out).
    new = dev.applicant_create(actor=secretary, branch=branch, applied_on=D(YEAR, 5, 1), **person("孙晓明"))
    dev_step(secretary, new, 2, D(YEAR, 5, 20))
    activist = dev.applicant_create(actor=secretary, branch=branch, applied_on=D(YEAR - 1, 3, 1), **person("周杰"))
    for code, day in [(2, D(YEAR - 1, 3, 10)), (3, D(YEAR - 1, 3, 20)), (4, D(YEAR, 1, 5)), (5, D(YEAR, 1, 5))]:
        dev_step(secretary, activist, code, day)
    prob = dev.applicant_create(actor=secretary, branch=branch, applied_on=D(YEAR - 2, 1, 5), **person("吴霞"))
    for code in range(2, 17):
        dev_step(secretary, prob, code, D(YEAR - 2, 1, 5) + datetime.timedelta(days=20 * code))
    dev_step(secretary, prob, 17, D(YEAR, 3, 1))
    old = dev.applicant_create(actor=secretary, branch=branch, applied_on=D(YEAR - 2, 1, 5), **person("黄强"))
    dev.applicant_stop(actor=secretary, applicant=old, stopped_on=D(YEAR - 1, 6, 1), reason="本人放弃")
    if D(YEAR + 1, 1, 2) <= TODAY:
        dev.applicant_create(actor=secretary, branch=branch, applied_on=D(YEAR + 1, 1, 2), **person("郑洁"))
    return m


# ---------------------------------------------------------------- selector


def test_member_ledger_reads_everything_in_fixed_queries(member_year, secretary, branch, django_assert_num_queries):
    branch = Organization.objects.get(pk=branch.pk)
    user_scopes(secretary)  # read once per request by the access check
    with django_assert_num_queries(14):  # the flows touching the branch: one more
        ledger = ledger_members.member_ledger(branch, YEAR, user=secretary)
    roster_names = [r.member.name for r in ledger.roster]
    assert roster_names[0] == "陈静"  # pinyin order
    assert "刘洋" in roster_names and "杨磊" not in roster_names  # left in the year: listed; moved away: not
    assert "吴霞" in roster_names and "赵敏" in roster_names
    by_name = {r.member.name: r for r in ledger.roster}
    assert by_name["张伟"].flags == ["建国前老党员"]
    assert by_name["王芳"].flags == ["困难党员"]
    assert by_name["李娜"].flags == ["流动党员（流出）"]
    (flow,) = ledger.flows
    assert flow.flow.member.name == "李娜" and flow.direction_label == "流出（协管）"
    assert by_name["刘洋"].flags == [f"已转出（{YEAR}年9月15日）"]
    assert by_name["吴霞"].status_label == "预备党员" and "本年入党" in by_name["吴霞"].flags
    assert by_name["陈静"].status_label == "正式党员" and by_name["陈静"].flags == ["本年转正"]
    assert by_name["王芳"].id_text == by_name["王芳"].member.id_number_masked and "*" in by_name["王芳"].id_text
    assert ledger.parent_name == "湖塘镇党委"

    sections = {s.kind: s for s in ledger.record_sections}
    assert [s.label for s in ledger.record_sections] == [label for _, label in RecordKind.choices]
    assert [r.title for r in sections[RecordKind.TRAINING].records] == ["参加镇党员冬训"]
    assert sections[RecordKind.HELP].records[0].amount_yuan == "500.00"
    assert [(s.sanction.reason, s.in_year) for s in ledger.sanctions] == [
        ("以前年度处分", False),
        ("违反工作纪律", True),
    ]

    rows = {r.member.name: r for r in ledger.dues.rows}
    assert [c.state for c in rows["张伟"].cells] == ["paid"] * 12
    assert [c.state for c in rows["王芳"].cells] == ["paid"] * 6 + ["unpaid"] * 6
    assert rows["王芳"].unpaid_months == 6 and rows["王芳"].paid_months == 6
    assert [c.state for c in rows["欧阳晓燕"].cells] == ["exempt"] * 12 and rows["欧阳晓燕"].note == "经批准免交"
    assert [c.state for c in rows["刘洋"].cells] == ["unpaid"] * 9 + ["exempt"] * 3  # left on 15 September
    assert [c.state for c in rows["吴霞"].cells] == ["exempt"] * 2 + ["unpaid"] * 10  # from the month of admission
    assert [c.state for c in rows["赵敏"].cells] == ["exempt"] * 10 + ["unpaid"] * 2  # from the month after transfer
    assert rows["张伟"].paid_fen == 12 * rows["张伟"].expected_fen
    arrears = {a.member.name: a for a in ledger.dues.arrears.rows}
    assert ledger.dues.as_of == f"{YEAR}年12月"
    assert arrears["王芳"].run == 6 and arrears["王芳"].flagged
    assert "刘洋" not in arrears  # no longer on the roster
    assert rows["王芳"].arrears is arrears["王芳"]

    groups = {g.stage: g for g in ledger.development}
    assert [r.applicant.name for r in groups[DevStage.APPLICANT].rows] == ["孙晓明"]
    assert [r.applicant.name for r in groups[DevStage.ACTIVIST].rows] == ["周杰"]
    assert [code for code, _, _ in groups[DevStage.ACTIVIST].rows[0].steps_in_year] == [4, 5]
    assert [r.applicant.name for r in groups[DevStage.PROBATIONARY].rows] == ["吴霞"]
    assert groups[DevStage.PROBATIONARY].rows[0].steps_in_year == [(17, "上级党委审批", D(YEAR, 3, 1))]
    assert groups[DevStage.STOPPED].rows == [] and groups[DevStage.CANDIDATE].rows == []

    care = {c.member.name: c for c in ledger.care}
    assert set(care) == {"张伟", "王芳"}
    assert [r.title for r in care["张伟"].records] == ["七一走访慰问老党员"]
    assert care["王芳"].reasons_text == "困难党员（因病致困）"

    assert [(t.transfer.member.name, t.direction_label, t.counterpart) for t in ledger.transfers] == [
        ("杨磊", "区内转出", "西庄村党支部"),
        ("刘洋", "转出", "上海市某党支部"),
        ("赵敏", "转入", "南京市某党支部"),
    ]
    summary = dict(ledger.summary)
    assert summary["年末在册党员"].startswith("8 人（正式党员 7 人，预备党员 1 人）")
    assert "转入 1 人次，转出 2 人次" == summary["组织关系接转"]


def test_identity_numbers_in_full_only_with_see_id(member_year, branch, secretary, district_user):
    masked = ledger_members.member_ledger(branch, YEAR, user=secretary)
    full = ledger_members.member_ledger(branch, YEAR, user=district_user)
    assert not masked.show_id and full.show_id
    assert all(r.id_text == r.member.id_number for r in full.roster)
    assert all(r.id_text != r.member.id_number for r in masked.roster)


def test_empty_year_and_other_branches(members, branch, other_branch, secretary, other_secretary):
    MemberFactory(branch=other_branch, name="外支部", dues_from=TODAY.replace(day=1))  # entered this month
    ledger = ledger_members.member_ledger(other_branch, YEAR, user=other_secretary)
    assert [r.member.name for r in ledger.roster] == ["外支部"]
    assert ledger.records_count == 0 and ledger.dues.arrears.rows == [] and ledger.development_count == 0
    before = ledger_members.member_ledger(branch, 1990, user=secretary)
    assert [r.member.name for r in before.roster] == ["张伟"]  # the others joined later


# ---------------------------------------------------------------- web page


def test_member_ledger_page(client, secretary, branch, member_year):
    client.force_login(secretary)
    response = client.get(reverse("member_ledger", args=[branch.pk, YEAR]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "党员信息台账",
        "党员基本情况登记表",
        "湖塘镇党委",
        "欧阳晓燕",
        "王昺",
        "建国前老党员",
        "春节帮扶",
        "违反工作纪律",
        "未交",
        "连续六个月未交纳党费",
        "孙晓明",
        "吴霞",
        "七一走访慰问老党员",
        "上海市某党支部",
        "身份证号已隐去中间位数",
    ):
        assert text in html, text
    assert member_year["王芳"].id_number not in html
    assert reverse("member_ledger_pdf", args=[branch.pk, YEAR]) in html
    assert reverse("member_ledger_xlsx", args=[branch.pk, YEAR]) in html


def test_member_ledger_page_runs_a_fixed_number_of_queries(
    client, secretary, branch, members, django_assert_max_num_queries
):
    client.force_login(secretary)
    url = reverse("member_ledger", args=[branch.pk, YEAR])
    n = 0

    def add(count):
        nonlocal n
        for _ in range(count):
            n += 1
            m = MemberFactory(branch=branch, name=f"党员{n}", is_hardship=n % 3 == 0)
            for kind in RecordKind.values:
                member_record_create(
                    actor=secretary, member=m, kind=kind, occurred_on=D(YEAR, 1 + n % 12, 5), title=f"{kind}{n}"
                )
            dues.dues_bases_save(
                actor=secretary, branch=branch, year=YEAR, rows=[dues.BaseInput(member_id=m.pk, group=DuesGroup.FARMER)]
            )
            dues.dues_month_save(
                actor=secretary,
                branch=branch,
                month=D(YEAR, 1 + n % 12, 1),
                rows=[dues.PaymentInput(member_id=m.pk, paid=True, paid_on=D(YEAR, 12, 1))],
            )
            branches.sanction_create(
                actor=secretary, member=m, kind=SanctionKind.WARNING, imposed_on=D(YEAR, 2, n % 28 + 1), reason="事由"
            )
            a = dev.applicant_create(actor=secretary, branch=branch, applied_on=D(YEAR, 2, 1), **person(f"申请人{n}"))
            dev_step(secretary, a, 2, D(YEAR, 2, 20))
            branches.member_transfer(
                actor=secretary,
                member=MemberFactory(branch=branch),
                direction="out",
                occurred_on=D(YEAR, 6, 1),
                counterpart="区外",
            )

    add(2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    add(8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("申请人") >= 10


# ---------------------------------------------------------------- Excel and PDF


def test_member_ledger_xlsx(client, secretary, branch, member_year):
    client.force_login(secretary)
    response = client.get(reverse("member_ledger_xlsx", args=[branch.pk, YEAR]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert quote(f"东街村党支部-{YEAR}年党员信息台账.xlsx") in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == [
        "党员基本情况登记表",
        "党员信息记录",
        "党纪处分",
        "党费交纳",
        "发展党员",
        "老党员和困难党员",
        "组织关系接转",
        "汇总",
    ]
    people = {r["姓名"]: r for r in _rows(wb["党员基本情况登记表"])}
    assert people["欧阳晓燕"]["民族"] == "回族" and people["张伟"]["情况标记"] == "建国前老党员"
    assert people["张伟"]["入党日期"].date() == D(1947, 7, 1)
    assert "*" in people["张伟"]["身份证号"]
    records = _rows(wb["党员信息记录"])
    assert [r["类别"] for r in records] == ["教育培训", "奖励", "惩处", "受助帮扶", "走访慰问", "廉洁自律"]
    assert next(r for r in records if r["类别"] == "受助帮扶")["金额（元）"] == 500
    dues_rows = {r["姓名"]: r for r in _rows(wb["党费交纳"])}
    assert dues_rows["王芳"]["7月"] == "未交" and dues_rows["王芳"]["本年未交月数"] == 6
    assert dues_rows["王芳"]["欠交提示"].startswith("连续六个月")
    assert dues_rows["欧阳晓燕"]["1月"] == "—"
    dev_rows = _rows(wb["发展党员"])
    assert {r["姓名"]: r["年末阶段"] for r in dev_rows} == {
        "孙晓明": "入党申请人",
        "周杰": "入党积极分子",
        "吴霞": "预备党员",
    }
    summary = {r["项目"]: r["情况"] for r in _rows(wb["汇总"]) if r["项目"]}
    assert summary["上级党组织"] == "湖塘镇党委"


def test_member_ledger_xlsx_text_is_never_a_formula(secretary, branch, members):
    member_record_create(
        actor=secretary,
        member=members["张伟"],
        kind=RecordKind.TRAINING,
        occurred_on=D(YEAR, 1, 2),
        title='=HYPERLINK("http://x","点我")',
        detail="=1+1\x0b说明",
    )
    wb = load_workbook(io.BytesIO(members_xlsx.member_ledger_xlsx(branch, YEAR, user=secretary)))
    row = wb["党员信息记录"][2]
    assert row[3].value == '\'=HYPERLINK("http://x","点我")' and row[3].data_type == "s"
    assert row[4].value == "'=1+1说明" and row[4].data_type == "s"


def test_member_ledger_pdf(client, secretary, branch, member_year, pdf_font):
    client.force_login(secretary)
    response = client.get(reverse("member_ledger_pdf", args=[branch.pk, YEAR]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert f"filename*=utf-8''{quote(f'东街村党支部-{YEAR}年党员信息台账.pdf')}" in response["Content-Disposition"]
    reader, text = _text(response.content)
    for needle in (
        "东街村党支部",
        "党员信息台账",
        "湖塘镇党委",
        "党员基本情况登记表",
        "欧阳晓燕",
        "王昺",
        "春节帮扶",
        "违反工作纪律",
        "未交",
        "孙晓明",
        "七一走访慰问老党员",
        "上海市某党支部",
    ):
        assert needle in text, needle
    assert member_year["王芳"].id_number not in text
    used = _pdf_fonts(reader)
    assert any(f"+{fonts.FAMILY}" in name for name in used), used
    sizes = {tuple(round(float(x)) for x in page.mediabox[2:]) for page in reader.pages}
    assert sizes == {(595, 842), (842, 595)}  # portrait, and landscape for the two wide tables


def test_member_ledger_pdf_of_an_empty_year(branch, secretary, pdf_font):
    _, text = _text(ledger_members.member_ledger_pdf(branch, YEAR, user=secretary))
    assert "本年度名册中没有党员" in text and "本年无党纪处分" in text


# ================================================================ 联系服务群众台账


@pytest.fixture
def service_year(secretary, reviewer, branch, members):
    service.service_system_save(
        actor=secretary, branch=branch, year=YEAR, kind="visits", name="党员联系户", goal="每名党员联系五户群众"
    )
    service.service_review_save(
        actor=secretary,
        system=ServiceSystem.objects.get(branch=branch, year=YEAR),
        year_end_review="全年走访群众三百户次",
        reviewed_on=D(YEAR, 12, 20),
    )
    plans.plan_save(actor=secretary, branch=branch, year=YEAR, kind=PlanKind.SERVICE, text="一季度走访，二季度义诊")
    leave = {members["陈静"].pk: (AttendanceStatus.LEAVE, "外出")}
    made = [
        record(
            secretary,
            branch,
            ActivityType.SERVICE,
            D(YEAR, 1, 15),
            "走访困难群众",
            photos=2,
            seed=1,
            attendance=leave,
            decisions="解决三户取暖问题",
        ),
        record(secretary, branch, ActivityType.SERVICE, D(YEAR, 1, 28), "清理河道垃圾", photos=1, seed=2),
        record(secretary, branch, ActivityType.SERVICE, D(YEAR, 3, 5), "学雷锋志愿服务", seed=3),
        record(secretary, branch, ActivityType.CONGRESS, D(YEAR, 2, 5), "党员大会不是服务活动", seed=4),
        record(secretary, branch, ActivityType.SERVICE, D(YEAR - 1, 12, 5), "上一年的服务", seed=5),
    ]
    e1 = service.escalation_raise(
        actor=secretary, branch=branch, title="村道路灯损坏", description="多次报修未果", raised_on=D(YEAR, 4, 2)
    )
    service.escalation_reply(actor=reviewer, escalation=e1, reply="已协调供电所维修", status="resolved")
    service.escalation_raise(
        actor=secretary, branch=branch, title="桥梁加固", description="桥面开裂", raised_on=D(YEAR, 9, 1)
    )
    service.escalation_raise(
        actor=secretary, branch=branch, title="上一年的问题", description="x", raised_on=D(YEAR - 1, 5, 1)
    )
    return made


def test_service_ledger_reads_everything_in_six_queries(service_year, branch, django_assert_num_queries):
    branch = Organization.objects.get(pk=branch.pk)
    with django_assert_num_queries(6):  # system, plan, activities, photos, escalations, parent
        ledger = ledger_service.service_ledger(branch, YEAR)
    assert ledger.system_label == "党员干部进万家（党员联系户）"
    assert ledger.plan.text.startswith("一季度走访")
    assert [e.activity.topic for e in ledger.entries] == ["走访困难群众", "清理河道垃圾", "学雷锋志愿服务"]
    assert [m.state for m in ledger.months] == ["held", "missing", "held"] + ["missing"] * 9
    assert [len(m.entries) for m in ledger.months[:3]] == [2, 0, 1]
    assert ledger.entries[0].activity.present_count == 6 and ledger.months[0].participants == 13
    assert [len(e.photos) for e in ledger.entries] == [2, 1, 0]
    assert [x.title for x in ledger.escalations] == ["村道路灯损坏", "桥梁加固"]
    assert ledger.escalations[0].replied_by.username == "reviewer"
    summary = dict(ledger.summary)
    assert summary["月月有举措"].startswith("开展活动 3 次，覆盖 2 个月（未开展：2月、4月")
    assert summary["年终有考核"] == f"已于{YEAR}年12月20日考核"
    assert summary["向上级反映的问题"] == "共 2 件（待上级答复 1 件，已答复 0 件，已解决 1 件）"


def test_service_months_of_the_current_year(branch, secretary):
    ledger = ledger_service.service_ledger(branch, TODAY.year)
    states = [m.state for m in ledger.months]
    assert states[TODAY.month - 1] == "current"
    assert states[: TODAY.month - 1] == ["missing"] * (TODAY.month - 1)
    assert states[TODAY.month :] == ["future"] * (12 - TODAY.month)
    assert ledger.system is None and ledger.plan is None and ledger.entries == []


def test_service_ledger_page(client, secretary, branch, service_year):
    client.force_login(secretary)
    response = client.get(reverse("service_ledger", args=[branch.pk, YEAR]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "联系服务群众台账",
        "每名党员联系五户群众",
        "一季度走访，二季度义诊",
        "走访困难群众",
        "解决三户取暖问题",
        "全年走访群众三百户次",
        "村道路灯损坏",
        "已协调供电所维修",
        "未开展",
    ):
        assert text in html, text
    assert "党员大会不是服务活动" not in html and "上一年的服务" not in html and "上一年的问题" not in html
    photo = service_year[0].photos.first()
    assert reverse("photo_file", args=[photo.pk, "thumb"]) in html
    assert reverse("service_ledger_pdf", args=[branch.pk, YEAR]) in html


def test_service_ledger_page_runs_a_fixed_number_of_queries(
    client, secretary, branch, members, django_assert_max_num_queries
):
    client.force_login(secretary)
    url = reverse("service_ledger", args=[branch.pk, YEAR])

    def add(n, start):
        for i in range(start, start + n):
            record(secretary, branch, ActivityType.SERVICE, D(YEAR, 1 + i % 12, 1 + i), f"服务{i}", photos=1, seed=i)
            service.escalation_raise(
                actor=secretary, branch=branch, title=f"问题{i}", description="情况", raised_on=D(YEAR, 1 + i % 12, 2)
            )

    add(2, 0)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    add(10, 2)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('class="card ledger-entry"') == 12


def test_service_ledger_xlsx(client, reviewer, branch, service_year):
    client.force_login(reviewer)
    response = client.get(reverse("service_ledger_xlsx", args=[branch.pk, YEAR]))
    assert response.status_code == 200
    assert quote(f"东街村党支部-{YEAR}年联系服务群众台账.xlsx") in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["服务制度和计划", "月度举措", "活动记录", "问题上报"]
    first = {r["项目"]: r["内容"] for r in _rows(wb["服务制度和计划"]) if r["项目"]}
    assert first["服务制度"] == "党员干部进万家（党员联系户）" and first["年度目标"] == "每名党员联系五户群众"
    assert first["考核日期"].date() == D(YEAR, 12, 20)
    months = _rows(wb["月度举措"])
    assert [(r["月份"], r["情况"], r["活动次数"]) for r in months[:3]] == [
        ("1月", "已开展", 2),
        ("2月", "未开展", 0),
        ("3月", "已开展", 1),
    ]
    acts = _rows(wb["活动记录"])
    assert [(r["主题"], r["参加党员人数"], r["照片数"]) for r in acts] == [
        ("走访困难群众", 6, 2),
        ("清理河道垃圾", 7, 1),
        ("学雷锋志愿服务", 7, 0),
    ]
    assert acts[0]["日期"].date() == D(YEAR, 1, 15) and acts[0]["成效和后续安排"] == "解决三户取暖问题"
    esc = _rows(wb["问题上报"])
    assert [(r["问题"], r["状态"], r["上级答复"]) for r in esc] == [
        ("村道路灯损坏", "已解决", "已协调供电所维修"),
        ("桥梁加固", "待上级答复", None),
    ]


def test_service_ledger_xlsx_text_is_never_a_formula(secretary, branch, members):
    record(secretary, branch, ActivityType.SERVICE, D(YEAR, 5, 4), "=1+2", content="=SUM(A1)\x0b内容")
    wb = load_workbook(io.BytesIO(ledger_service.service_ledger_xlsx(branch, YEAR)))
    row = wb["活动记录"][2]
    assert row[7].value == "'=1+2" and row[7].data_type == "s"
    assert row[9].value == "'=SUM(A1)内容" and row[9].data_type == "s"


def test_service_ledger_pdf(client, secretary, branch, service_year, pdf_font):
    client.force_login(secretary)
    response = client.get(reverse("service_ledger_pdf", args=[branch.pk, YEAR]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f"filename*=utf-8''{quote(f'东街村党支部-{YEAR}年联系服务群众台账.pdf')}" in response["Content-Disposition"]
    reader, text = _text(response.content)
    for needle in (
        "联系服务群众台账",
        "湖塘镇党委",
        "党员干部进万家",
        "每名党员联系五户群众",
        "走访困难群众",
        "解决三户取暖问题",
        "全年走访群众三百户次",
        "村道路灯损坏",
        "已协调供电所维修",
    ):
        assert needle in text, needle
    assert len(reader.pages) >= 2 + 3  # cover, front matter, one section per activity, the review
    images = {
        xobject.idnum
        for page in reader.pages
        for xobject in (page["/Resources"].get("/XObject") or {}).values()
        if xobject.get_object()["/Subtype"] == "/Image"
    }
    assert len(images) == 3  # every photo, once
    assert any(f"+{fonts.FAMILY}" in name for name in _pdf_fonts(reader))


def test_service_ledger_pdf_of_an_empty_year(branch, pdf_font):
    _, text = _text(ledger_service.service_ledger_pdf(branch, YEAR))
    assert "尚未确定" in text and "本年没有向上级反映的问题" in text


# ================================================================ access

NAMES = [
    "member_ledger",
    "member_ledger_pdf",
    "member_ledger_xlsx",
    "service_ledger",
    "service_ledger_pdf",
    "service_ledger_xlsx",
]


@pytest.mark.parametrize("name", NAMES)
def test_foreign_and_missing_ids_are_404(client, name, branch, other_secretary, secretary):
    client.force_login(other_secretary)
    assert client.get(reverse(name, args=[branch.pk, YEAR])).status_code == 404
    client.force_login(secretary)
    assert client.get(reverse(name, args=[999999, YEAR])).status_code == 404
    assert client.get(reverse(name, args=[branch.pk, 1999])).status_code == 404
    assert client.get(reverse(name, args=[branch.pk, TODAY.year + 1])).status_code == 404
    committee = Organization.objects.get(path=branch.path[: -Organization.steplen])
    assert client.get(reverse(name, args=[committee.pk, YEAR])).status_code == 404


@pytest.mark.parametrize("name", NAMES)
def test_login_required(client, name, branch):
    response = client.get(reverse(name, args=[branch.pk, YEAR]))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("name", ["member_ledger", "member_ledger_xlsx", "service_ledger", "service_ledger_xlsx"])
def test_reviewer_of_the_parent_may_read(client, reviewer, branch, members, name):
    client.force_login(reviewer)
    assert client.get(reverse(name, args=[branch.pk, YEAR])).status_code == 200


def test_post_is_refused(client, secretary, branch):
    client.force_login(secretary)
    assert client.post(reverse("member_ledger", args=[branch.pk, YEAR])).status_code == 405


# ================================================================ a full year


def test_pdfs_of_a_full_year(secretary, branch, pdf_font):
    """60 members with a year of records and dues; 24 service records with photos. (How long
    they take is measured in the benchmark, at district scale.)"""
    people = [MemberFactory(branch=branch, is_hardship=i % 10 == 0) for i in range(60)]
    for i, m in enumerate(people):
        for k, kind in enumerate(RecordKind.values[: 2 + i % 3]):
            member_record_create(
                actor=secretary,
                member=m,
                kind=kind,
                occurred_on=D(YEAR, 1 + (i + k) % 12, 9),
                title=f"{RecordKind(kind).label}事项{i}",
                detail="情况说明。" * 8,
            )
    dues.dues_bases_save(
        actor=secretary,
        branch=branch,
        year=YEAR,
        rows=[dues.BaseInput(member_id=m.pk, group=DuesGroup.FARMER) for m in people],
    )
    for month in range(1, 13):
        dues.dues_month_save(
            actor=secretary,
            branch=branch,
            month=D(YEAR, month, 1),
            rows=[
                dues.PaymentInput(member_id=m.pk, paid=True, paid_on=D(YEAR, month, 10)) for m in people[: 40 + month]
            ],
        )
    for i in range(8):
        a = dev.applicant_create(actor=secretary, branch=branch, applied_on=D(YEAR, 1 + i, 3), **person(f"申请人{i}"))
        dev_step(secretary, a, 2, D(YEAR, 1 + i, 20))
    service.service_system_save(actor=secretary, branch=branch, year=YEAR, kind="volunteer", goal="月月开展志愿服务")
    for i in range(24):
        record(
            secretary,
            branch,
            ActivityType.SERVICE,
            D(YEAR, 1 + i % 12, 1 + i),
            f"第{i + 1}次志愿服务",
            photos=1 + i % 2,
            seed=300 + i,
            content="服务内容：" + "走访群众，解决困难。" * 30,
        )

    member_pdf = ledger_members.member_ledger_pdf(branch, YEAR, user=secretary)
    service_pdf = ledger_service.service_ledger_pdf(branch, YEAR)
    member_pages = len(pypdf.PdfReader(io.BytesIO(member_pdf)).pages)
    service_reader = pypdf.PdfReader(io.BytesIO(service_pdf))
    service_text = "".join(page.extract_text() for page in service_reader.pages)
    assert all(f"第{i + 1}次志愿服务" in service_text for i in range(24))
    assert member_pages >= 6 and len(service_reader.pages) >= 24
