"""Timing a page through Django's test client (or a function), and the result table."""

import math
import statistics
import time
import unicodedata


def _url(page, objects):
    from urllib.parse import urlencode

    from django.urls import reverse

    url = reverse(page.url, args=[getattr(objects[k], "pk", objects[k]) for k in page.args])
    if page.query:
        values = {name: getattr(obj, "pk", obj) for name, obj in objects.items()}
        query = {k: v.format(**values) for k, v in page.query.items()}
        url += "?" + urlencode(query)
    return url


def fetch(client, url):
    response = client.get(url)
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    return response, len(body)


def _problem(response):
    if response.status_code >= 400:
        return f"HTTP {response.status_code}"
    if response.status_code in (301, 302, 303, 307, 308):
        return f"HTTP {response.status_code} → {response.get('Location', '')}"
    return ""


def time_page(page, clients, objects, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    row = {"label": page.label, "user": page.user, "target": page.target_ms}
    try:
        url = _url(page, objects)
        row["url"] = url
        client = clients[page.user]
        response, _ = fetch(client, url)  # warm-up: caches, templates, connection
        if problem := _problem(response):
            row["error"] = problem
            return row
        with CaptureQueriesContext(connection) as ctx:
            _, size = fetch(client, url)
        # Read now: the next request's request_started signal clears the query log.
        queries = len(ctx.captured_queries)
        samples, cpu = [], []
        for _ in range(repeat):
            t, c = time.perf_counter(), time.process_time()
            fetch(client, url)
            samples.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
    except Exception as e:  # a page under construction must not stop the benchmark
        row["error"] = f"{type(e).__name__}: {str(e).splitlines()[0][:100] if str(e) else ''}"
        return row
    samples.sort()
    row.update(
        cpu=statistics.median(cpu),
        queries=queries,
        median=statistics.median(samples),
        p95=samples[max(0, math.ceil(0.95 * len(samples)) - 1)],
        kb=size / 1024,
    )
    return row


def time_measure(measure, objects, repeat):
    """Like ``time_page`` for a function: a warm-up call, then ``repeat`` timed calls."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    row = {"label": measure.label, "user": "—", "target": measure.target_ms}
    try:
        measure.run(objects)  # warm-up
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            size, note = measure.run(objects)
        queries = len(ctx.captured_queries)
        samples = []
        for _ in range(repeat):
            t = time.perf_counter()
            measure.run(objects)
            samples.append((time.perf_counter() - t) * 1000)
    except Exception as e:
        row["error"] = f"{type(e).__name__}: {str(e).splitlines()[0][:100] if str(e) else ''}"
        return row
    samples.sort()
    row.update(
        queries=queries,
        median=statistics.median(samples),
        p95=samples[max(0, math.ceil(0.95 * len(samples)) - 1)],
        kb=size / 1024 if size is not None else None,
        note=note,
        repeat=repeat,
    )
    return row


def text_width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def pad(s, width, right=False):
    gap = " " * max(0, width - text_width(s))
    return gap + s if right else s + gap


def print_table(rows, repeat):
    headers = ["页面", "用户", "中位数 ms", "p95 ms", "CPU ms", "SQL 数", "大小 KB", "目标 ms"]
    body = []
    for r in rows:
        if "error" in r:
            body.append([r["label"], r["user"], "错误：" + r["error"]])
            continue
        target = r.get("target")
        mark = "" if target is None else f"≤{target:g}" + (" 超出" if r["median"] > target else "")
        size = "" if r.get("kb") is None else f"{r['kb']:.1f}"
        label = r["label"] + (f"（{r['note']}，{r['repeat']} 次）" if r.get("note") else "")
        cpu = "" if r.get("cpu") is None else f"{r['cpu']:.1f}"
        body.append([label, r["user"], f"{r['median']:.1f}", f"{r['p95']:.1f}", cpu, str(r["queries"]), size, mark])
    if not body:
        print("没有与 --only 匹配的页面或计时项。")
        return
    widths = [max([text_width(h), *(text_width(b[i]) for b in body if len(b) > i and len(b) == len(headers))])
              for i, h in enumerate(headers)]  # fmt: skip
    line = "  ".join(pad(h, w, right=2 <= i < 7) for i, (h, w) in enumerate(zip(headers, widths, strict=True)))
    print()
    print(f"每个页面请求 {repeat} 次（另有 1 次预热、1 次统计 SQL）；CPU 为本进程（Django）的 CPU 时间，不含数据库：")
    print(line)
    print("-" * text_width(line))
    for b in body:
        if len(b) == len(headers):
            print("  ".join(pad(c, w, right=2 <= i < 7) for i, (c, w) in enumerate(zip(b, widths, strict=True))))
        else:
            print("  ".join([pad(b[0], widths[0]), pad(b[1], widths[1]), b[2]]))
