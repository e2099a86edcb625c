"""The load generator: asyncio + httpx, one client (cookie jar) per user, each user a closed
loop (request, optional think time, next request) for a bounded time. Results are plain
numbers: requests per second, latency percentiles, errors, by page label."""

import asyncio
import json
import math
import random
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Result:
    label: str
    ms: float
    ok: bool
    problem: str = ""


@dataclass
class Phase:
    name: str
    seconds: float
    results: list = field(default_factory=list)
    server_cpu_s: float | None = None  # gunicorn workers' CPU during the phase
    client_cpu_s: float | None = None
    db_cpu_s: float | None = None  # the local PostgreSQL's CPU during the phase (all its processes)

    @property
    def ok(self):
        return [r for r in self.results if r.ok]

    @property
    def errors(self):
        return [r for r in self.results if not r.ok]

    @property
    def rate(self):
        return len(self.results) / self.seconds if self.seconds else 0.0


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[max(0, math.ceil(p / 100 * len(values)) - 1)]


async def login(client: httpx.AsyncClient, username: str, password: str) -> None:
    """The real login form: GET for the CSRF token, POST, expect the redirect away from it."""
    page = await client.get("/login/")
    token = CSRF_INPUT.search(page.text)
    if token is None:
        raise RuntimeError(f"登录页没有 CSRF 令牌（HTTP {page.status_code}）")
    r = await client.post(
        "/login/", data={"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)}
    )
    if r.status_code != 302 or "/login/" in r.headers.get("location", ""):
        raise RuntimeError(f"{username} 登录失败（HTTP {r.status_code}）")


async def logged_in(client: httpx.AsyncClient) -> bool:
    r = await client.get("/bench/trivial/")
    return r.status_code == 200


async def sign_in_all(base_url, users, password, cookie_file: Path, *, parallel=3):
    """One client per user, logged in; cookies from an earlier run are reused while the
    server still accepts them (a login costs a full password hash on the server)."""
    saved = json.loads(cookie_file.read_text()) if cookie_file.exists() else {}
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=0)  # sync workers close anyway
    clients = {}
    gate = asyncio.Semaphore(parallel)
    fresh = 0

    async def one(user):
        nonlocal fresh
        client = httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60, follow_redirects=False)
        for name, value in saved.get(user.username, {}).items():
            client.cookies.set(name, value, domain=httpx.URL(base_url).host)
        async with gate:
            if not (saved.get(user.username) and await logged_in(client)):
                client.cookies.clear()
                await login(client, user.username, password)
                fresh += 1
        clients[user.username] = client

    await asyncio.gather(*(one(u) for u in users))
    cookie_file.parent.mkdir(parents=True, exist_ok=True)
    cookie_file.write_text(json.dumps({name: dict(c.cookies.items()) for name, c in clients.items()}))
    return clients, fresh


async def _user_loop(client, user, rng, deadline, think, results, pick):
    while time.monotonic() < deadline:
        label, url = pick(user, rng)
        t = time.perf_counter()
        try:
            r = await client.get(url)
            await r.aread()
            ms = (time.perf_counter() - t) * 1000
            if r.status_code != 200:
                where = r.headers.get("location", "")
                results.append(Result(label, ms, False, f"HTTP {r.status_code} {where}".strip()))
            else:
                results.append(Result(label, ms, True))
        except httpx.HTTPError as e:
            results.append(Result(label, (time.perf_counter() - t) * 1000, False, type(e).__name__))
        if think:
            await asyncio.sleep(rng.uniform(0, think))


async def run_phase(name, clients, users, seconds, *, pick, think=0.0, seed=1, cpu=None, db_cpu=None):
    """Every user in a loop for ``seconds``; ``pick(user, rng)`` gives (label, url);
    ``cpu()`` reads the server's CPU seconds so far (for CPU per request), ``db_cpu()`` the
    database server's (None when it is not on this machine)."""
    results = []
    cpu_before, client_before = (cpu() if cpu else None), time.process_time()
    db_before = db_cpu() if db_cpu else None
    start = time.monotonic()
    deadline = start + seconds
    await asyncio.gather(*(
        _user_loop(clients[u.username], u, random.Random(f"{seed}-{u.username}"), deadline, think, results, pick)
        for u in users
    ))  # fmt: skip
    phase = Phase(name, time.monotonic() - start, results)
    phase.client_cpu_s = time.process_time() - client_before
    if cpu:
        phase.server_cpu_s = cpu() - cpu_before
    if db_before is not None:
        after = db_cpu()
        phase.db_cpu_s = after - db_before if after is not None else None
    return phase


def summary_lines(phase: Phase, *, by_label=True):
    ms = [r.ms for r in phase.results]
    lines = [
        f"{phase.name}：{len(phase.results):,} 个请求 / {phase.seconds:.1f} 秒 = {phase.rate:.1f} 请求/秒；"
        f"p50 {percentile(ms, 50):.0f} ms，p95 {percentile(ms, 95):.0f} ms，p99 {percentile(ms, 99):.0f} ms；"
        f"错误 {len(phase.errors)}"
    ]
    if phase.server_cpu_s is not None and phase.results:
        per = phase.server_cpu_s * 1000 / len(phase.results)
        lines.append(
            f"  服务端 CPU {phase.server_cpu_s:.1f} 核·秒，每请求 {per:.1f} ms；"
            f"压测端 CPU {phase.client_cpu_s:.1f} 核·秒"
        )
    if phase.db_cpu_s is not None and phase.results:
        per = phase.db_cpu_s * 1000 / len(phase.results)
        lines.append(f"  数据库 CPU（本机 PostgreSQL 全部进程）{phase.db_cpu_s:.1f} 核·秒，每请求 {per:.1f} ms")
    if phase.errors:
        kinds = {}
        for r in phase.errors:
            kinds[r.problem] = kinds.get(r.problem, 0) + 1
        lines.append("  错误：" + "；".join(f"{k} ×{n}" for k, n in sorted(kinds.items(), key=lambda x: -x[1])[:5]))
    if by_label:
        labels = {}
        for r in phase.results:
            labels.setdefault(r.label, []).append(r.ms)
        for label, values in sorted(labels.items(), key=lambda x: -len(x[1])):
            p50, p95 = percentile(values, 50), percentile(values, 95)
            lines.append(f"  {label}：{len(values):,} 次，p50 {p50:.0f} ms，p95 {p95:.0f} ms")
    return lines
