"""Install 《武进区党支部规范化建设考核细则》 (annex to 武组发〔2016〕113号) exactly as written
(the texts are copied character for character from the seed, punctuation included).

The items of 活动开展有序 add up to 32 although the section is declared as 30 points; both
numbers are kept (items total 102, declared total 100). Totals cap each section.
"""

from decimal import Decimal

from django.db import migrations

SECTIONS = [
    ('组织设置合理', 10, [
        ('组织健全', '党支部职数设置合理。', 2, 'committee_size'),
        ('组织健全', '党小组划分合理。', 2, 'party_groups'),
        ('班子过硬', '党支部班子搭配科学,分工明确。', 3, 'committee_duties'),
        ('按期换届', '党支部按期换届,委员出缺及时补选。', 3, 'elections'),
    ]),
    ('党员管理规范', 30, [
        ('发展党员规范', '发展党员符合优化党员队伍年龄、知识、职业结构的要求。', 3, 'development_structure'),
        ('发展党员规范', '每年制定工作计划,对入党积极分子开展教育培训、谈心谈话等形式的培养考察。', 3, 'activist_plan'),
        ('发展党员规范', '发展党员工作程序规范、材料齐全。', 3, 'development_procedure'),
        ('党员教育规范', '每年制定支部学习计划、党员个人学习计划,督促党员记好学习笔记。', 3, 'study_plans'),
        ('党员教育规范', '教育内容坚持以理想信念教育为主,并结合实际提升党员业务、文化等综合素质。', 3, ''),
        ('党员教育规范', '注重运用互联网信息技术等手段探索更加多样化的教育形式,提升吸引力和感染力。', 3, 'online_education'),
        ('党员管理规范', '规范党员组织关系管理,做好党组织关系网上接转工作,定期对党员基本情况进行维护更新,做好年度党内统计工作,摸清流动党员底数,理顺“空挂党员”隶属关系,稳妥处理“失联”党员。', 3, 'member_management'),
        ('党员管理规范', '落实对违法违纪党代表和党员的排查清理。', 3, 'screening'),
        ('党员管理规范', '规范党费收缴工作,党费基数一年一核定,提醒党员主动、按时、足额交纳党费。', 3, 'dues'),
        ('党员评议规范', '每年以党支部为单位开展一次民主评议党员工作,为党员评定等次。', 3, 'appraisal'),
    ]),
    ('活动开展有序', 30, [
        ('落实“三会一课”制度', '每三个月召开一次支部党员大会,内容形式、到会人数符合要求。', 2, 'freq_congress'),
        ('落实“三会一课”制度', '每月召开一次支委会,内容形式、到会人数符合要求。', 6, 'freq_committee'),
        ('落实“三会一课”制度', '每月召开一次党小组会,内容形式、到会人数符合要求。', 6, 'freq_group'),
        ('落实“三会一课”制度', '每三个月上一次党课,内容形式、到会人数符合要求。', 2, 'freq_lecture'),
        ('落实组织生活会制度', '每半年召开一次党支部或党小组组织生活会,会议内容、流程符合要求。', 8, 'freq_life'),
        ('落实联系服务群众制度', '党支部要根据自身实际确定一项联系服务群众制度,结合群众需求、创新服务载体、整合各方资源、切实发挥作用。', 8, 'service_system'),
    ]),
    ('保障措施到位', 30, [
        ('强化阵地建设', '每个党支部确保有固定的活动阵地。', 3, 'room'),
        ('强化阵地建设', '阵地设施完善,未有党支部标识,阵地布置、设施不完善的酌情扣分。', 3, 'room_facilities'),
        ('落实经费保障', '按照要求落实党建工作专项经费。', 3, 'funding_provided'),
        ('落实经费保障', '党建工作经费用于党支部建设的各项工作,未被挪用占用。', 3, 'funding_use'),
        ('落实经费保障', '党建工作经费设专户管理,合理规划、收支平衡、账目明晰。', 3, 'funding_account'),
        ('规范台账管理', '做好党员信息台帐。维护更新《党员基本情况登记表》;记录党员参加教育培训、奖惩等情况;记录党员党费缴纳情况;记录党员发展情况;记录建国前老党员和困难党员情况。', 5, 'member_ledger'),
        ('规范台账管理', '做好党组织生活台帐。图文结合记录“三会一课”等党组织生活开展情况,反映党员活动的时间、地点、活动方式、参加人员和活动内容。', 5, 'life_ledger'),
        ('规范台账管理', '做好党员联系服务群众台帐。图文结合记录开展党员联系和服务群众工作历次的实施计划、方案和成效。', 5, 'service_ledger'),
    ]),
]  # fmt: skip

VETOES = [
    ("secretary_vacant", "党支部书记缺职", "secretary_vacant"),
    ("secretary_sanctioned", "党支部书记受党内警告以上处分", "secretary_sanctioned"),
    ("member_sanctioned", "支委班子成员受党内严重警告以上处分", "committee_member_sanctioned"),
    ("no_special_fund", "未落实党建工作专项经费", "no_special_fund"),
    ("other", "其他一票否决情形（由党(工)委或区委组织部认定）", ""),
]


def install(apps, schema_editor):
    Version = apps.get_model("assessment", "RubricVersion")
    Section = apps.get_model("assessment", "RubricSection")
    Item = apps.get_model("assessment", "RubricItem")
    VetoKind = apps.get_model("assessment", "VetoKind")
    v = Version.objects.create(
        code="2016",
        name="武进区党支部规范化建设考核细则",
        source="武组发〔2016〕113号附件",
    )
    n = 0
    for s_order, (name, max_points, items) in enumerate(SECTIONS, start=1):
        section = Section.objects.create(version=v, order=s_order, name=name, max_points=Decimal(max_points))
        for i_order, (requirement, standard, points, rule) in enumerate(items, start=1):
            n += 1
            Item.objects.create(
                section=section,
                order=i_order,
                code=str(n),
                requirement=requirement,
                standard=standard,
                points=Decimal(points),
                rule=rule,
                evaluation="auto" if rule else "manual",
            )
    for order, (code, name, detection) in enumerate(VETOES, start=1):
        VetoKind.objects.create(code=code, name=name, detection=detection, order=order)


def remove(apps, schema_editor):
    apps.get_model("assessment", "RubricVersion").objects.filter(code="2016").delete()
    apps.get_model("assessment", "VetoKind").objects.filter(code__in=[v[0] for v in VETOES]).delete()


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
