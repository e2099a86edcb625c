"""Benchmark of the 台账 PDFs on a small database (issue #15), not the district-scale one:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_pdf_bench .venv/bin/python bench/ledger_pdfs.py [--profile]

Seeds the demo (``seed_demo``, demo scale) when the database is empty, tops the busiest branch
up to ``--records`` records this year (copies of its own records, with attendance and photos;
the photos' display copies replaced by full-size 1600 px ones, as uploads make them), then prints:
the life ledger's layout time (what the worker does after a record is saved), the 党员信息台账
download as its branch secretary and as district staff (the stored copy) and district staff's
download with full identity numbers (laid out afresh, never stored). ``--profile`` prints the
layout's cProfile top functions.
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path[0:1] = [str(ROOT)]

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/wt_pdf_bench"


def _children_cpu():
    """CPU seconds of this process's finished children (the layout's worker processes)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _ms(fn, repeat):
    """Median wall time, median CPU time of this process and of its layout processes (the
    machine may be shared: compare wall times taken at the same load), in ms."""
    wall, cpu, child = [], [], []
    for _ in range(repeat):
        t, c, k = time.perf_counter(), time.process_time(), _children_cpu()
        fn()
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        child.append((_children_cpu() - k) * 1000)
    each = ", ".join(f"{s:,.0f}" for s in wall)
    children = f" + 子进程 {statistics.median(child):,.0f} ms" if any(child) else ""
    return f"中位 {statistics.median(wall):,.0f} ms（CPU {statistics.median(cpu):,.0f} ms{children}；{each}）"


def _full_size_photos(branch):
    """Give the branch's photos display copies of the real size (the demo draws small ones)."""
    import random

    from django.core.files.base import ContentFile
    from PIL import Image, ImageDraw

    from ledgers.models import Photo
    from wujin_branch import images
    from wujin_branch.storage import private_storage

    photos = list(Photo.objects.filter(activity__branch=branch).order_by("id"))
    for i, p in enumerate(photos):  # each its own picture, as uploads are (a PDF embeds each once)
        name = f"photos/display/bench/full-{i}.jpg"
        if not private_storage.exists(name):
            rnd = random.Random(i)
            img = Image.new("RGB", (1600, 1200), tuple(rnd.randrange(256) for _ in range(3)))
            draw = ImageDraw.Draw(img)
            for _ in range(30):
                x, y = rnd.randrange(1600), rnd.randrange(1200)
                draw.ellipse([x, y, x + rnd.randrange(60, 400), y + rnd.randrange(60, 300)],
                             fill=tuple(rnd.randrange(256) for _ in range(3)))  # fmt: skip
            img = Image.blend(img, Image.effect_noise(img.size, 30).convert("RGB"), 0.2)
            private_storage.save(name, ContentFile(images._jpeg(img, images.DISPLAY_SIZE)))
        p.display.name = name
    Photo.objects.bulk_update(photos, ["display"])
    return len(photos)


def _top_up(branch, year, records):
    """Copies of the branch's own records (attendance, photos) until it has ``records`` this year."""
    import datetime

    from ledgers.models import Activity, Attendance, Photo

    mine = Activity.objects.filter(branch=branch, held_on__year=year)
    have = mine.count()
    if have >= records:
        return have
    sources = list(mine.order_by("id").prefetch_related("attendance", "photos"))
    made = []
    for i in range(records - have):
        src = sources[i % len(sources)]
        a = Activity.objects.get(pk=src.pk)
        a.pk = a.id = None
        a.held_on = datetime.date(year, 1 + i % 12, 1 + i % 27)
        a.topic = f"{src.topic}（基准{i + 1}）"
        made.append((a, src))
    Activity.objects.bulk_create([a for a, _ in made])
    att, photos = [], []
    for a, src in made:
        for x in src.attendance.all():
            att.append(Attendance(activity=a, member_id=x.member_id, status=x.status, leave_reason=x.leave_reason))
        for p in src.photos.all():
            p.pk = p.id = None
            p.activity = a
            photos.append(p)
    Attendance.objects.bulk_create(att)
    Photo.objects.bulk_create(photos)
    return mine.count()


def main(argv=None):
    parser = argparse.ArgumentParser(description="台账 PDF 性能（小数据库）")
    parser.add_argument("--records", type=int, default=126)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--layout-only", action="store_true", help="只测组织生活台账排版")
    args = parser.parse_args(argv)

    from bench.db import ensure_database, setup_django

    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    ensure_database(url)
    os.environ["REDIS_URL"] = ""  # tasks run eagerly: nothing is prebuilt behind the bench's back
    setup_django(url)
    from django.core.management import call_command
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from bench.objects import user_with_role
    from branches.models import Organization, OrgKind, Role
    from ledgers.books import life, pdfs
    from ledgers.models import Activity
    from wujin_branch import fonts

    call_command("migrate", interactive=False, verbosity=0)
    if not Organization.objects.exists():
        call_command("seed_demo")
    fonts.build()
    year = timezone.localdate().year
    busy = Activity.objects.filter(held_on__year=year).values("branch").annotate(n=Count("id")).order_by("-n").first()
    branch = Organization.objects.get(pk=busy["branch"])
    n = _top_up(branch, year, args.records)
    photos = _full_size_photos(branch)
    print(f"支部：{branch.name}，{year}年记录 {n} 条，照片 {photos} 张，党员 {branch.members.count()} 名")

    ledger = life.life_ledger(branch, year)
    parts = life.ledger_parts_html(ledger)
    size = len(pdfs.parts_pdf(life.PDF_KIND, branch.pk, year, parts, keep=False))  # warm-up: fonts
    timed = _ms(lambda: pdfs.parts_pdf(life.PDF_KIND, branch.pk, year, parts, keep=False), args.repeat)
    print(f"组织生活台账 PDF 全部排版（{len(parts)} 个部分）：{timed}，{size / 1e6:.1f} MB")
    pdfs.parts_pdf(life.PDF_KIND, branch.pk, year, parts)  # the parts kept, as after a build

    changes = [0]

    def one_record_changed(n=changes):  # what the worker does after a record is saved: its month again
        n[0] += 1
        ledger.entries[len(ledger.entries) // 2].activity.topic += f"（修改{n[0]}）"
        pdfs.parts_pdf(life.PDF_KIND, branch.pk, year, life.ledger_parts_html(ledger))

    print(f"组织生活台账 PDF 重建·改一条记录（后台）：{_ms(one_record_changed, args.repeat)}")
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.runcall(pdfs.parts_pdf, life.PDF_KIND, branch.pk, year, parts, keep=False)
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(30)
        print(out.getvalue())
    if args.layout_only:
        return 0

    district = user_with_role(Organization.objects.get(kind=OrgKind.DISTRICT, depth=1), Role.DISTRICT, "bench_district")
    secretary = user_with_role(branch, Role.SECRETARY, "bench_secretary")
    pdf_url = reverse("member_ledger_pdf", args=[branch.pk, year])
    for who, user, url in (
        ("支部书记·存档件", secretary, pdf_url),
        ("区委组织部·存档件", district, pdf_url),
        ("区委组织部·完整身份证号（现排）", district, pdf_url + "?id=full"),
    ):
        client = Client()
        client.force_login(user)
        response = client.get(url)  # warm-up: stores the copy if the worker has not
        assert response.status_code == 200, (url, response.status_code)
        print(f"党员信息台账 PDF 下载·{who}：{_ms(lambda c=client, u=url: c.get(u), args.repeat)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
