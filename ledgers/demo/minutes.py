"""The minutes writer: Chinese minutes of each kind of meeting from templates and fill-ins."""



from branches.demo import FEMALE_GIVEN, MALE_GIVEN
from branches.models import Position
from ledgers.demo.common import AT, SURNAME_PICK
from ledgers.demo.planning import Plan
from ledgers.demo.words import (
    ACT_REPORTS,
    ACTIVITY_CLOSINGS,
    CLOSINGS,
    COMMITTEE_TOPICS,
    CONGRESS_TOPICS,
    GROUP_TOPICS,
    GUESTS,
    ISSUES,
    LECTURE_TITLES,
    MONTH_THEMES,
    PLACES,
    PROGRAMS,
    PROJECTS,
    QUOTES,
    RED_SITES,
    SEASONS,
    SERVICES,
    STUDY,
    UPPER_BODIES,
    UPPER_TITLES,
    VILLAGE_COMMITTEE_TOPICS,
    cn_date,
    fill_in,
)
from ledgers.models import ActivityForm, AttendanceStatus, LecturerRole

# ---------------------------------------------------------------- minutes


def _person_name(rng):
    female = rng.random() < 0.35
    return SURNAME_PICK.pick(rng) + rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)


class Writer:
    """Topic, place, minutes and the other text fields of one record, as the branch would type them."""

    def __init__(self, rng):
        self.rng = rng
        self._upper_people = {}

    def _names(self, marks, k, exclude=()):
        present = [m.name for m, _, status, _ in marks if status == AttendanceStatus.PRESENT and m.name not in exclude]
        if len(present) < k:
            return present
        return self.rng.sample(present, k)

    def upper_person(self, upper):
        if upper not in self._upper_people:
            self._upper_people[upper] = [(_person_name(self.rng), self.rng.choice(UPPER_TITLES)) for _ in range(3)]
        return self.rng.choice(self._upper_people[upper])

    def topic(self, p) -> str:
        rng, m = self.rng, p.held_on.month
        t = p.type
        if t == AT.COMMITTEE:
            pool = COMMITTEE_TOPICS + (VILLAGE_COMMITTEE_TOPICS if p.info.profile == "village" else [])
            return rng.choice(pool).format(m=m, season=SEASONS[m], project=rng.choice(PROJECTS))
        if t == AT.GROUP:
            return f"{p.group.name}：" + rng.choice(GROUP_TOPICS).format(study=rng.choice(STUDY), n=rng.randint(1, 11))
        if t == AT.CONGRESS:
            return rng.choice(CONGRESS_TOPICS[(m - 1) // 3])
        if t == AT.LECTURE:
            return rng.choice(LECTURE_TITLES)
        if t == AT.LIFE:
            if m <= 3:
                return f"{p.held_on.year - 1}年度组织生活会"
            return rng.choice(
                ["专题组织生活会", "围绕学习贯彻上级精神召开专题组织生活会", "“强党性 守纪律”专题组织生活会"]
            )
        if t == AT.APPRAISAL:
            return f"{p.held_on.year - 1 if m <= 6 else p.held_on.year}年度民主评议党员"
        if t == AT.THEME_DAY:
            return rng.choice(MONTH_THEMES[m])
        return rng.choice(list(SERVICES))

    def place(self, p) -> str:
        rng = self.rng
        if p.type == AT.THEME_DAY and rng.random() < 0.25:
            return rng.choice(RED_SITES)
        if p.type == AT.SERVICE:
            return rng.choice(["辖区各网格", "辖区主要道路", "居民小区", "村（社区）广场", "农户家中", "企业车间"])
        if p.type == AT.GROUP and rng.random() < 0.3:
            return rng.choice(["组长家中", "小组活动点", "车间休息室", "党员之家"])
        return rng.choice(PLACES[p.info.profile])

    def record(self, p: Plan, marks) -> dict:
        """``marks``: (member, counts_for_quorum, status, reason) for everyone expected."""
        rng, info, t = self.rng, p.info, p.type
        secretary = info.holder(Position.SECRETARY, Position.DEPUTY, Position.ORGANIZATION)
        recorder_m = info.holder(Position.ORGANIZATION, Position.PROPAGANDA, Position.DEPUTY)
        host = secretary.name if secretary else (marks[0][0].name if marks else "")
        recorder = recorder_m.name if recorder_m and recorder_m is not secretary else ""
        if t == AT.GROUP:
            leader = getattr(p.group, "leader", None)
            host = leader.name if leader else host
            others = self._names(marks, 1, exclude=(host,))
            recorder = others[0] if others else recorder
        if not recorder:
            others = self._names(marks, 1, exclude=(host,))
            recorder = others[0] if others else host
        expected = len(marks)
        present = sum(1 for *_, s, _ in marks if s == AttendanceStatus.PRESENT)
        leave = sum(1 for *_, s, _ in marks if s == AttendanceStatus.LEAVE)
        absent = expected - present - leave
        topic = self.topic(p)
        place = self.place(p)
        type_name = {
            AT.THEME_DAY: "主题党日活动",
            AT.SERVICE: "联系服务群众活动",
            AT.APPRAISAL: "民主评议党员会议",
            AT.GROUP: "党小组会",
        }.get(t, AT(t).label)
        where = info.org.name if t != AT.GROUP else f"{info.org.name}{p.group.name}"
        v = {
            "date": cn_date(p.held_on),
            "time": f"{p.start_time:%H:%M}",
            "where": where,
            "place": place,
            "kind": type_name,
            "host": host,
            "rec": recorder,
            "e": expected,
            "p": present,
            "verb": "组织" if t == AT.LECTURE else "开展" if t in (AT.THEME_DAY, AT.SERVICE) else "召开",
        }
        pieces = fill_in("{date}{time}，{where}在{place}{verb}{kind}，{host}主持，{rec}记录。应到{e}人，实到{p}人", v)
        if leave:
            pieces += ["，请假", str(leave), "人"]
        if absent:
            pieces += ["，缺席", str(absent), "人"]
        pieces.append("。")
        data = {
            "type": t,
            "party_group": p.group,
            "held_on": p.held_on,
            "start_time": p.start_time,
            "place": place,
            "form": ActivityForm.OFFLINE,
            "host": host,
            "recorder": recorder,
            "topic": topic,
            "decisions": "",
            "lecturer": "",
            "lecturer_role": "",
            "life_level": p.life_level,
            "team_check": "",
            "personal_check": "",
            "minutes_filed": False,
            "minutes_filed_on": None,
        }
        if t in (AT.COMMITTEE, AT.GROUP) and rng.random() < 0.04:
            data["form"] = ActivityForm.MIXED
        pieces += getattr(self, f"_body_{t}")(p, data, marks, present)
        closing = rng.choice(ACTIVITY_CLOSINGS if t in (AT.THEME_DAY, AT.SERVICE) else CLOSINGS)
        pieces += fill_in(closing, {"host": host})
        p.pieces = pieces
        data["content"] = "".join(pieces)
        return data

    # each body returns pieces and may set fields of ``data``

    def _speakers(self, marks, host, k=2):
        return self._names(marks, k, exclude=(host,))

    def _body_committee(self, p, data, marks, present):
        rng = self.rng
        m = p.held_on.month
        out = fill_in("会议围绕“{topic}”进行研究。", {"topic": data["topic"]})
        names = self._speakers(marks, data["host"], 3) + ["组织委员"] * 3
        reports = rng.sample(ACT_REPORTS, 2)
        out += fill_in("{a}通报了上月工作情况：", {"a": names[0]})
        for (report, lo, hi), end in zip(reports, "，。", strict=True):
            out += fill_in(report + end, {"n": rng.randint(lo, hi)})
        options = [
            (
                "会议传达学习了{u}关于{w}的部署要求，{a}就贯彻落实提出具体分工。",
                {"u": rng.choice(UPPER_BODIES), "w": SEASONS[m] + "工作", "a": names[1]},
            ),
            (
                "会议讨论了入党积极分子{x}的培养考察情况，同意列为发展对象，报{u}预审。",
                {"x": names[2], "u": rng.choice(UPPER_BODIES)},
            ),
            (
                "会议听取了党费收缴情况汇报，截至{m}月底应交党费{f}元，实交{f}元。",
                {"m": m, "f": f"{rng.randint(300, 9000)}.{rng.randint(0, 9)}0"},
            ),
            (
                "会议研究了{m2}月主题党日活动方案，确定以“{th}”为主题，由{a}负责组织。",
                {"m2": m % 12 + 1, "th": rng.choice(MONTH_THEMES[m % 12 + 1]), "a": names[1]},
            ),
            (
                "会议对{pr}工作进行了讲评，{k}名党员获评“{pr}”示范岗。",
                {"pr": rng.choice(PROGRAMS), "k": rng.randint(1, 6)},
            ),
            ("会议按照分工，明确每名支委联系{k}名党员、{h}户群众。", {"k": rng.randint(3, 9), "h": rng.randint(5, 30)}),
            (
                "会议梳理了群众反映的{i}等问题{k}条，逐条明确责任人和办结时限。",
                {"i": rng.choice(ISSUES), "k": rng.randint(2, 12)},
            ),
        ]
        if p.info.profile == "village":
            options.append(
                ("会议按照“四议两公开”程序，讨论了{pj}，形成初步意见提交党员大会审议。", {"pj": rng.choice(PROJECTS)})
            )
        for tpl, vals in rng.sample(options, rng.randint(2, 3)):
            out += fill_in(tpl, vals)
        decisions = [
            f"由{names[1]}牵头落实{rng.choice(PROGRAMS)}工作",
            f"{m % 12 + 1}月上旬召开党员大会",
            "按时完成党费收缴并公示",
            f"走访慰问困难党员{rng.randint(2, 8)}名",
            f"开展{SEASONS[m]}检查",
            "党务公开栏月底前更新",
        ]
        data["decisions"] = "；".join(f"{i}．{d}" for i, d in enumerate(rng.sample(decisions, 2), 1)) + "。"
        return out

    def _body_group(self, p, data, marks, present):
        rng = self.rng
        names = self._speakers(marks, data["host"], 3) + ["组员"] * 3
        out = fill_in("组长{h}领学了{s}，", {"h": data["host"], "s": rng.choice(STUDY)})
        out += fill_in("{a}、{b}结合工作谈了体会。", {"a": names[0], "b": names[1]})
        options = [
            ("{a}发言说：“{q}。”", {"a": names[2], "q": rng.choice(QUOTES)}),
            ("会议通报了本小组党员参加志愿服务情况，本月累计服务{k}人次。", {"k": rng.randint(3, 40)}),
            ("小组成员对照党员积分细则进行了互评，{a}、{b}得分靠前。", {"a": names[0], "b": names[2]}),
            (
                "会议收集群众反映的{i}等问题{k}条，汇总后报支委会研究。",
                {"i": rng.choice(ISSUES), "k": rng.randint(1, 6)},
            ),
            (
                "组长布置了下月任务：做好{pr}工作，每人至少走访联系户{k}户。",
                {"pr": rng.choice(PROGRAMS), "k": rng.randint(2, 6)},
            ),
            (
                "大家观看了{th}专题片，时长约{k}分钟。",
                {"th": rng.choice(["先进典型", "警示教育", "党史教育", "红色故事"]), "k": rng.randint(15, 45)},
            ),
        ]
        for tpl, vals in rng.sample(options, rng.randint(2, 3)):
            out += fill_in(tpl, vals)
        return out

    def _body_congress(self, p, data, marks, present):
        rng = self.rng
        voters = sum(1 for _, counts, _, _ in marks if counts)
        voting = sum(1 for _, counts, s, _ in marks if counts and s == AttendanceStatus.PRESENT)
        names = self._speakers(marks, data["host"], 3) + ["党员"] * 3
        out = fill_in(
            "会议传达学习了{u}{d}精神。",
            {
                "u": rng.choice(UPPER_BODIES),
                "d": rng.choice(["年度工作会议", "全会", "关于加强党员教育管理的通知", "党建工作要点"]),
            },
        )
        out += fill_in("{h}通报了支部前阶段工作情况和下一步安排。", {"h": data["host"]})
        options = [
            (
                "会议讨论了{a}同志的入党申请，有表决权的正式党员{q}人，到会{k}人，经举手表决，同意{k}票，"
                "同意接收{a}同志为预备党员，报上级党组织审批。",
                {"a": names[0], "q": voters, "k": voting},
            ),
            ("会议讨论了预备党员{a}同志的转正申请，经表决，同意{a}同志按期转为正式党员。", {"a": names[1]}),
            (
                "会议审议通过了《{doc}》。",
                {
                    "doc": rng.choice(
                        ["支部年度工作计划", "党员积分管理办法（修订稿）", "党员志愿服务实施方案", "困难党员帮扶方案"]
                    )
                },
            ),
            ("会议通报了党费收缴情况，{k}名党员均按时足额交纳党费。", {"k": present}),
            ("{a}、{b}分别作了发言，表示将带头落实支部各项部署。", {"a": names[1], "b": names[2]}),
        ]
        for tpl, vals in rng.sample(options, rng.randint(2, 3)):
            out += fill_in(tpl, vals)
        data["decisions"] = rng.choice(
            ["通过支部工作安排。", "同意有关人选，报上级党组织审批。", "审议通过有关文件，会后印发执行。"]
        )
        return out

    def _body_lecture(self, p, data, marks, present):
        rng, info = self.rng, p.info
        r = rng.random()
        if r < 0.5:
            lecturer, role, intro = data["host"], LecturerRole.BRANCH_LEADER, f"书记{data['host']}"
        elif r < 0.7:
            name, title = self.upper_person(info.upper_name)
            lecturer, role, intro = name, LecturerRole.UPPER_LEADER, f"{info.upper_name}{title}{name}"
        elif r < 0.9:
            names = self._speakers(marks, data["host"], 1) or [data["host"]]
            lecturer, role, intro = names[0], LecturerRole.MEMBER, f"党员{names[0]}"
        else:
            name, title = _person_name(rng), rng.choice(GUESTS)
            lecturer, role, intro = name, LecturerRole.GUEST, f"{title}{name}"
        data["lecturer"], data["lecturer_role"] = lecturer, role
        parts = rng.sample(
            [
                "坚定理想信念",
                "严守纪律规矩",
                "践行群众路线",
                "勇于担当作为",
                "提升履职本领",
                "弘扬优良作风",
                "推动高质量发展",
                "加强自身修养",
            ],
            3,
        )
        out = fill_in(
            "{i}以“{t}”为题讲授党课，从{a}、{b}、{c}三个方面进行了阐述。",
            {"i": intro, "t": data["topic"], "a": parts[0], "b": parts[1], "c": parts[2]},
        )
        out += fill_in(
            "授课中讲述了{s}的事迹，引导党员{x}。",
            {
                "s": rng.choice(
                    [
                        "张太雷、瞿秋白、恽代英“常州三杰”",
                        "身边的优秀共产党员",
                        "抗洪一线党员突击队",
                        "扎根基层的老支书",
                        "“时代楷模”",
                        "本地先进党组织",
                    ]
                ),
                "x": rng.choice(
                    ["对标先进、见贤思齐", "立足岗位、争创一流", "坚守初心、服务群众", "守住底线、不越红线"]
                ),
            },
        )
        names = self._speakers(marks, lecturer, 2)
        if len(names) == 2:
            out += fill_in("课后，{a}、{b}谈了学习体会。", {"a": names[0], "b": names[1]})
        out += fill_in("本次党课时长约{k}分钟。", {"k": rng.choice([45, 50, 60, 70, 90])})
        return out

    def _body_life(self, p, data, marks, present):
        rng = self.rng
        k_opinions, k_crit, k_fix = rng.randint(5, 30), rng.randint(present, present * 3 + 2), rng.randint(3, 9)
        out = fill_in(
            "会前，支部通过发放征求意见表、个别访谈等方式征求意见建议{a}条，支委之间、支委与党员之间开展谈心谈话。",
            {"a": k_opinions},
        )
        out += fill_in(
            "会上，{h}代表支委班子作对照检查，并带头开展批评和自我批评；党员逐一对照检查，相互提出批评意见{b}条。",
            {"h": data["host"], "b": k_crit},
        )
        out += fill_in("会议梳理整改事项{c}项，明确责任人和完成时限。", {"c": k_fix})
        data["team_check"] = "".join(
            fill_in(
                "对照检查发现：一是{a}；二是{b}；三是{c}。下一步将{d}。",
                {
                    "a": rng.choice(["理论学习深度不够", "学用结合不紧", "学习形式较为单一"]),
                    "b": rng.choice(["联系服务群众不够经常", "解决群众急难愁盼问题办法不多", "走访覆盖不全"]),
                    "c": rng.choice(["党员教育管理不够严格", "组织生活质量有待提高", "发展党员工作力度不够"]),
                    "d": rng.choice(["建立问题清单、逐项销号", "完善学习制度、压实责任", "每季度检查一次整改进展"]),
                },
            )
        )
        data["personal_check"] = "".join(
            fill_in(
                "本人存在{a}、{b}等问题，今后将{c}。",
                {
                    "a": rng.choice(["学习不够系统", "抓落实不够有力", "调查研究不够深入"]),
                    "b": rng.choice(["工作方法简单", "对党员思想动态掌握不够", "批评与自我批评辣味不足"]),
                    "c": rng.choice(["加强学习、以身作则", "带头深入群众、改进作风", "严格要求自己、接受监督"]),
                },
            )
        )
        # 备案 is the committee's step (ledgers.life.services.minutes_accept), seeded by life_filing;
        # the draw that used to date it is kept so the rest of the demo stays as it was.
        rng.randint(3, 12)
        return out

    def _body_appraisal(self, p, data, marks, present):
        rng = self.rng
        excellent = max(1, round(present * rng.uniform(0.1, 0.2))) if present else 0
        basic = 1 if present > 12 and rng.random() < 0.3 else 0
        ok = max(0, present - excellent - basic)
        return fill_in(
            "会议按照个人自评、党员互评、民主测评的程序开展评议，发放测评票{n}张，收回{n}张。"
            "经支委会研究，评定优秀等次党员{a}名、合格等次{b}名、基本合格{c}名，评议结果将在党务公开栏公示。",
            {"n": present, "a": excellent, "b": ok, "c": basic},
        )

    def _body_theme_day(self, p, data, marks, present):
        rng = self.rng
        out = fill_in("活动以“{t}”为主题，", {"t": data["topic"]})
        out += fill_in(
            "首先集体{a}，随后{b}。",
            {
                "a": rng.choice(["重温入党誓词", "学习上级部署要求", "诵读党章", "观看红色影片片段", "交纳党费"]),
                "b": rng.choice(
                    ["分组开展志愿服务", "参观学习并交流体会", "开展集中学习讨论", "走访慰问困难群众", "开展知识测试"]
                ),
            },
        )
        names = self._speakers(marks, data["host"], 2) + ["党员"] * 2
        out += fill_in(
            "{a}、{b}等党员带头参与，共服务群众{k}人次。", {"a": names[0], "b": names[1], "k": rng.randint(10, 200)}
        )
        if rng.random() < 0.5:
            out += fill_in("活动现场发放宣传资料{k}份。", {"k": rng.randint(50, 600)})
        return out

    def _body_service(self, p, data, marks, present):
        act = SERVICES.get(data["topic"], "走访慰问辖区困难群众{k}户")
        numbers = {"n": present, "k": self.rng.randint(8, 80), "t": self.rng.randint(2, 12)}
        return fill_in("支部组织党员志愿者{n}人，" + act + "。", numbers)


