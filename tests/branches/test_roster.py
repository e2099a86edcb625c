"""Excel roster: template download, all-or-nothing import, export, and who may use them."""

import datetime
import io

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from branches.models import Member, MemberStatus, Standing
from branches.roster import HEADERS, HELP_SHEET, ROSTER_SHEET, RosterImportError, roster_import, roster_parse
from tests.factories import MemberFactory, PartyGroupFactory, make_id_number
from wujin_branch.errors import DomainError

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def person(
    name="张三",
    *,
    gender="男",
    birth=datetime.date(1985, 3, 2),
    id_number=None,
    joined=datetime.date(2010, 7, 1),
    full=datetime.date(2011, 7, 1),
    status="正式党员",
    group=None,
):
    """One roster row in template column order."""
    id_number = id_number or make_id_number(birth)
    return [name, gender, "汉族", birth, "大学本科", "工人", id_number, "13812345678", joined, full, status, group]


def upload(rows, *, name="花名册.xlsx", headers=HEADERS):
    wb = Workbook()
    ws = wb.active
    ws.title = ROSTER_SHEET
    ws.append(headers)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue(), content_type=XLSX)


def id_with_x_check_digit(birth):
    for seq in range(1000):
        n = make_id_number(birth, seq)
        if n.endswith("X"):
            return n
    raise AssertionError("no X check digit found")


def urls(branch):
    return {name: reverse(name, args=[branch.pk]) for name in ("roster_template", "roster_import", "roster_export")}


# ---------------------------------------------------------------- template


def test_template_downloads_as_xlsx_with_headers_and_lists(client, branch, secretary):
    PartyGroupFactory(branch=branch, name="第一党小组")
    PartyGroupFactory(branch=branch, name="已撤销小组", is_active=False)
    client.force_login(secretary)

    response = client.get(urls(branch)["roster_template"])

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == [ROSTER_SHEET, HELP_SHEET]
    ws = wb[ROSTER_SHEET]
    assert [c.value for c in ws[1]] == HEADERS
    assert ws.max_row == 1  # no sample rows that could be imported by mistake
    help_values = {c.value for row in wb[HELP_SHEET].iter_rows() for c in row if c.value}
    assert {"男", "女", "大学本科", "机关/事业单位工作人员", "预备党员", "第一党小组"} <= help_values
    assert "已撤销小组" not in help_values
    validated = {str(dv.sqref).split(":")[0] for dv in ws.data_validations.dataValidation}
    assert validated == {"B2", "E2", "F2", "K2", "L2"}  # 性别 学历 职业类别 党员类别 党小组


# ---------------------------------------------------------------- import


def test_filled_template_imports_every_member(client, branch, secretary):
    group = PartyGroupFactory(branch=branch, name="第一党小组")
    client.force_login(secretary)
    wb = load_workbook(io.BytesIO(client.get(urls(branch)["roster_template"]).content))
    ws = wb[ROSTER_SHEET]
    x_id = id_with_x_check_digit(datetime.date(1990, 1, 5))
    ws.append(person("张三", group="第一党小组"))
    ws.append([None] * len(HEADERS))  # empty rows are skipped
    ws.append(
        person(
            "李四",
            gender="女",
            birth=datetime.date(1990, 1, 5),
            id_number=x_id.lower(),
            joined="2015/7/1",
            full="2016.7.1",
        )
    )
    ws.append(
        person(
            "欧阳娜娜",
            birth="1995-02-03",
            id_number=make_id_number(datetime.date(1995, 2, 3)),
            joined="2020-01-05",
            full=None,
            status="预备党员",
        )
    )
    buf = io.BytesIO()
    wb.save(buf)

    response = client.post(
        urls(branch)["roster_import"], {"file": SimpleUploadedFile("花名册.xlsx", buf.getvalue(), content_type=XLSX)}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("branch_detail", args=[branch.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["已导入 3 名党员"]
    members = {m.name: m for m in Member.objects.filter(branch=branch)}
    assert set(members) == {"张三", "李四", "欧阳娜娜"}
    zhang, li, ouyang = members["张三"], members["李四"], members["欧阳娜娜"]
    assert (zhang.name_pinyin, zhang.name_initials) == ("zhang san", "zs")
    assert ouyang.name_initials == "oynn"
    assert zhang.party_group == group and li.party_group is None
    assert li.id_number == x_id  # lower-case x normalized
    assert (li.gender, li.joined_on, li.full_member_on) == ("F", datetime.date(2015, 7, 1), datetime.date(2016, 7, 1))
    assert (ouyang.status, ouyang.full_member_on) == (MemberStatus.PROBATIONARY, None)
    assert ouyang.birth_date == datetime.date(1995, 2, 3)
    assert zhang.education == "bachelor" and zhang.occupation == "worker" and zhang.standing == Standing.ACTIVE
    history = Member.history.filter(history_type="+", branch=branch)
    assert history.count() == 3
    assert {h.history_user_id for h in history} == {secretary.pk}


def test_import_sets_the_dues_start_month(branch, secretary):
    """党费起算月: the month of the import unless the file says otherwise (an older template
    without the column imports the same way); months before it are never owed."""
    this_month = datetime.date.today().replace(day=1)
    rows = [
        person("默认") + [None],
        person("文字", id_number=make_id_number(datetime.date(1985, 3, 2), 901)) + ["2024-03"],
        person("中文", id_number=make_id_number(datetime.date(1985, 3, 2), 902)) + ["2024年11月"],
        person("日期", id_number=make_id_number(datetime.date(1985, 3, 2), 903)) + [datetime.date(2023, 5, 17)],
        person("早于入党", id_number=make_id_number(datetime.date(1985, 3, 2), 904)) + ["2001-01"],
    ]
    assert roster_import(actor=secretary, branch=branch, fileobj=upload(rows)) == 5
    got = dict(Member.objects.filter(branch=branch).values_list("name", "dues_from"))
    assert got == {"默认": this_month, "文字": datetime.date(2024, 3, 1), "中文": datetime.date(2024, 11, 1),
                   "日期": datetime.date(2023, 5, 1), "早于入党": datetime.date(2010, 7, 1)}  # fmt: skip
    old_template = [h for h in HEADERS if h != "党费起算月"]
    one = person("旧模板", id_number=make_id_number(datetime.date(1985, 3, 2), 905))
    assert roster_import(actor=secretary, branch=branch, fileobj=upload([one], headers=old_template)) == 1
    assert Member.objects.get(name="旧模板").dues_from == this_month
    bad = [person("错月", id_number=make_id_number(datetime.date(1985, 3, 2), 906)) + ["2024-13"],
           person("未来", id_number=make_id_number(datetime.date(1985, 3, 2), 907)) + ["2099-01"]]  # fmt: skip
    with pytest.raises(RosterImportError) as e:
        roster_import(actor=secretary, branch=branch, fileobj=upload(bad))
    assert [str(x) for x in e.value.errors] == [
        "第 2 行：党费起算月“2024-13”不是有效月份（可填 2026-03 或 2026年3月）",
        "第 3 行：党费起算月不能晚于本月",
    ]


def test_bad_rows_are_all_reported_and_nothing_is_imported(client, branch, secretary, other_branch):
    existing = MemberFactory(branch=other_branch)
    dup = make_id_number(datetime.date(1980, 1, 1))
    good = make_id_number(datetime.date(1985, 3, 2))
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    future = datetime.date.today() + datetime.timedelta(days=30)
    rows = [
        person("好人"),  # 2: fine
        person("校验错", id_number=bad_check),  # 3
        person("重复甲", id_number=dup, birth=datetime.date(1980, 1, 1)),  # 4: fine by itself
        person("重复乙", id_number=dup, birth=datetime.date(1980, 1, 1)),  # 5
        person("已登记", id_number=existing.id_number, birth=existing.birth_date),  # 6
        person(None),  # 7
        person("日期错", joined="2020-13-45"),  # 8
        person("预备错", status="预备党员"),  # 9: has 转正日期
        person(
            "未成年", birth=datetime.date(2000, 1, 1), joined=datetime.date(2015, 7, 1), full=datetime.date(2016, 7, 1)
        ),  # 10
        [None] * len(HEADERS),  # 11: skipped
        person("将来", joined=future, full=None, status="预备党员"),  # 12
        person("选项错", gender="未知"),  # 13
    ]
    before = Member.history.count()
    client.force_login(secretary)

    response = client.post(urls(branch)["roster_import"], {"file": upload(rows)})

    assert response.status_code == 200
    errors = response.context["row_errors"]
    by_row = {}
    for e in errors:
        by_row.setdefault(e.row, []).append(e.reason)
    assert set(by_row) == {3, 5, 6, 7, 8, 9, 10, 12, 13}
    assert "校验码" in by_row[3][0]
    assert by_row[5] == ["身份证号与第 4 行重复"]
    assert "已登记在册" in by_row[6][0]
    assert by_row[7] == ["姓名不能为空"]
    assert "入党日期“2020-13-45”不是有效日期" in by_row[8][0]
    assert "预备党员不应填写转正日期" in by_row[9][0]
    assert "年满十八周岁" in by_row[10][0]
    assert by_row[12] == ["入党日期不能晚于今天"]
    assert "性别“未知”不正确" in by_row[13][0]
    content = response.content.decode()
    assert "第 5 行" in content and "身份证号与第 4 行重复" in content and "未导入任何党员" in content
    assert Member.objects.filter(branch=branch).count() == 0
    assert Member.history.count() == before


def test_text_file_named_xlsx_gets_a_chinese_message(client, branch, secretary):
    client.force_login(secretary)
    fake = SimpleUploadedFile("花名册.xlsx", "姓名,性别\n张三,男\n".encode(), content_type=XLSX)

    response = client.post(urls(branch)["roster_import"], {"file": fake})

    assert response.status_code == 200
    assert "无法读取该文件" in response.content.decode()
    assert not Member.objects.exists()


def test_other_extensions_and_missing_file_are_refused(client, branch, secretary):
    client.force_login(secretary)
    csv = SimpleUploadedFile("花名册.csv", b"a,b\n", content_type="text/csv")
    assert "只能上传 .xlsx" in client.post(urls(branch)["roster_import"], {"file": csv}).content.decode()
    assert "请选择要上传的花名册文件" in client.post(urls(branch)["roster_import"], {}).content.decode()


def test_wrong_headers_and_too_many_rows_are_refused(branch, secretary, settings):
    with pytest.raises(DomainError, match="表头缺少：身份证号"):
        roster_parse(branch, upload([person()], headers=[h for h in HEADERS if h != "身份证号"]))
    settings.ROSTER_IMPORT_MAX_ROWS = 2
    with pytest.raises(DomainError, match="一次最多导入 2 名党员"):
        roster_import(actor=secretary, branch=branch, fileobj=upload([person(), person(), person()]))
    assert not Member.objects.exists()


def test_service_rechecks_the_actor_and_carries_row_errors(branch, secretary, reviewer):
    with pytest.raises(DomainError, match="没有权限"):
        roster_import(actor=reviewer, branch=branch, fileobj=upload([person()]))
    with pytest.raises(RosterImportError) as exc:
        roster_import(actor=secretary, branch=branch, fileobj=upload([person(), person(None)]))
    assert [(e.row, e.reason) for e in exc.value.errors] == [(3, "姓名不能为空")]
    assert str(exc.value.errors[0]) == "第 3 行：姓名不能为空"
    assert not Member.objects.exists()


def test_import_page_shows_instructions(client, branch, secretary):
    client.force_login(secretary)
    response = client.get(urls(branch)["roster_import"])
    assert response.status_code == 200
    content = response.content.decode()
    assert urls(branch)["roster_template"] in content and 'enctype="multipart/form-data"' in content


# ---------------------------------------------------------------- export


def test_export_lists_active_members_sorted_by_pinyin(client, branch, secretary, district_user, other_branch):
    group = PartyGroupFactory(branch=branch, name="第一党小组")
    zhang = MemberFactory(branch=branch, name="张伟", party_group=group)
    MemberFactory(branch=branch, name="王芳", status=MemberStatus.PROBATIONARY, full_member_on=None)
    MemberFactory(branch=branch, name="陈静")
    MemberFactory(branch=branch, name='=HYPERLINK("http://x")')  # must stay text, not a formula
    MemberFactory(branch=branch, name="已转出", standing=Standing.TRANSFERRED_OUT)
    MemberFactory(branch=other_branch, name="外支部")
    client.force_login(secretary)

    response = client.get(urls(branch)["roster_export"])

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    ws = load_workbook(io.BytesIO(response.content))[ROSTER_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(\"http://x\")", "陈静", "王芳", "张伟"]
    assert ws["A2"].data_type == "s"
    zhang_row = rows[4]
    assert zhang_row[1] == "男" and zhang_row[4] == "大学本科" and zhang_row[11] == "第一党小组"
    assert zhang_row[3].date() == zhang.birth_date and zhang_row[10] == "正式党员"
    assert zhang_row[6] == zhang.id_number_masked != zhang.id_number  # a secretary may not see full numbers
    assert rows[3][9] is None and rows[3][10] == "预备党员"

    client.force_login(district_user)
    rows = list(
        load_workbook(io.BytesIO(client.get(urls(branch)["roster_export"]).content))[ROSTER_SHEET].iter_rows(
            values_only=True
        )
    )
    assert rows[4][6] == zhang.id_number


# ---------------------------------------------------------------- access


def test_other_branch_secretary_gets_404_everywhere(client, branch, other_secretary):
    client.force_login(other_secretary)
    u = urls(branch)
    assert client.get(u["roster_template"]).status_code == 404
    assert client.get(u["roster_import"]).status_code == 404
    assert client.post(u["roster_import"], {"file": upload([person()])}).status_code == 404
    assert client.get(u["roster_export"]).status_code == 404
    assert not Member.objects.exists()


def test_missing_branch_is_404(client, secretary):
    client.force_login(secretary)
    assert client.get(reverse("roster_export", args=[999999])).status_code == 404


def test_reviewer_may_export_but_not_import(client, branch, reviewer):
    client.force_login(reviewer)
    u = urls(branch)
    assert client.get(u["roster_import"]).status_code == 404
    assert client.post(u["roster_import"], {"file": upload([person()])}).status_code == 404
    assert client.get(u["roster_template"]).status_code == 404
    assert client.get(u["roster_export"]).status_code == 200
    assert not Member.objects.exists()


def test_anonymous_is_sent_to_login(client, branch):
    response = client.get(urls(branch)["roster_import"])
    assert response.status_code == 302 and reverse("login") in response["Location"]
