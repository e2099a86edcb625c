"""``manage.py seed_demo``: demo data for trying the platform, or district scale for the benchmark."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from branches.demo import DEMO_PASSWORD, DemoBuilder, district_plan, flush_demo_data, small_plan
from branches.demo.common import without_savepoints
from branches.models import Organization
from ledgers.demo.activities import seed_activities
from wujin_branch import branch_versions, versions


class Command(BaseCommand):
    help = (
        "生成演示数据：默认是一个小型示范区（8 个党(工)委、约 30 个支部、约 600 名党员）；"
        "--scale district 生成全区规模（约 40 个党(工)委、3000 个支部、9 万名党员），用于性能测试。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", choices=["demo", "district"], default="demo", help="demo：小型示范区（默认）；district：全区规模"
        )
        parser.add_argument("--seed", type=int, default=1, help="随机种子；相同种子在同一天生成相同的数据")
        parser.add_argument("--if-empty", action="store_true", help="已有任何组织数据时什么也不做")
        parser.add_argument(
            "--flush", action="store_true", help="先删除现有组织及其下的全部数据（党员、届次、台账等；用户账号保留）"
        )
        parser.add_argument("--branches", type=int, default=None, help="仅 --scale district：支部数（默认 3000）")
        parser.add_argument(
            "--members-per-branch", type=int, default=None, help="仅 --scale district：平均每个支部的党员数（默认 30）"
        )
        parser.add_argument(
            "--no-activities", action="store_true", help="不生成组织生活记录（出勤、照片）：只要组织和党员时更快"
        )

    def handle(self, *args, scale, seed, if_empty, flush, branches, members_per_branch, no_activities=False, **options):
        if scale != "district" and (branches is not None or members_per_branch is not None):
            raise CommandError("--branches 和 --members-per-branch 只能与 --scale district 一起使用。")
        branches = 3000 if branches is None else branches
        members_per_branch = 30 if members_per_branch is None else members_per_branch
        if branches < 1 or members_per_branch < 1:
            raise CommandError("支部数和平均党员数都必须大于 0。")
        exists = Organization.objects.exists()
        if if_empty and exists:
            self.stdout.write("数据库中已有组织数据，跳过生成演示数据（--if-empty）。")
            return
        if exists and not flush:
            raise CommandError("数据库中已有组织数据。加 --flush 先清空演示数据，或加 --if-empty 跳过。")

        started = time.perf_counter()
        log = self.stdout.write
        with transaction.atomic(), without_savepoints(connection):
            branch_versions.suspend()  # a version bump per row loaded would cost more than the load
            if flush:
                t = time.perf_counter()
                tables = flush_demo_data()
                log(f"  清空 {len(tables)} 张表：{time.perf_counter() - t:.2f} 秒")
            builder = DemoBuilder(seed=seed, log=log)
            if scale == "district":
                log(f"生成全区规模数据：{branches:,} 个支部，平均每支部 {members_per_branch} 名党员（种子 {seed}）")
                plan = district_plan(builder.rng, branches, members_per_branch)
            else:
                log(f"生成小型示范区数据（种子 {seed}）")
                plan = small_plan()
            counts = builder.run(plan)
            records = None if no_activities else seed_activities(builder, seed=seed, scale=scale, log=log)
            if scale != "district":
                # Ledgers (dues, development, appraisal, funding, ...), then last year's assessment
                # driven through the whole review, and this year's open period.
                import random

                from ledgers.demo.support import seed_support
                from review.demo.review import seed_review

                seed_support(actor=builder.actor, rng=random.Random(f"support:{seed}"), today=builder.today, log=log)
                seed_review(actor=builder.actor, rng=random.Random(f"review:{seed}"), today=builder.today, log=log)
            # The writers above insert in bulk, past the services that bump the data versions:
            # new tokens, so no dashboard cached before a --flush is served for the new data.
            versions.bump(versions.ORGS, versions.ASSESSMENTS)
            branch_versions.forget_all()
        if connection.vendor == "postgresql":
            # Fresh statistics, or the planner guesses one row per table after a bulk load.
            t = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            log(f"  ANALYZE：{time.perf_counter() - t:.2f} 秒")
        elapsed = time.perf_counter() - started

        self.stdout.write(
            self.style.SUCCESS(
                f"完成，用时 {elapsed:.1f} 秒：组织 {counts['organizations']:,} 个（支部 {counts['branches']:,} 个），"
                f"党员 {counts['members']:,} 名，党小组 {counts['groups']:,} 个，届次 {counts['terms']:,} 个，"
                f"支委职务 {counts['seats']:,} 个，组织关系接转 {counts['transfers']:,} 条，"
                f"党纪处分 {counts['sanctions']:,} 条"
                + (
                    f"；组织生活记录 {records['activities']:,} 条，出勤 {records['attendance']:,} 条，"
                    f"照片 {records['photos']:,} 张。"
                    if records
                    else "。"
                )
            )
        )
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        self.stdout.write("  district   区委组织部工作人员（可登录 /admin/）")
        self.stdout.write(f"  reviewer   {counts['reviewer_org']} 审核员")
        self.stdout.write(f"  secretary  {counts['demo_branch']} 支部书记")
        self.stdout.write(f"  worker     {counts['demo_branch']} 党务工作者")
