"""The load generator: asyncio + aiohttp, one client (cookie jar) per user, each user a closed
loop (request, optional think time, next request) for a bounded time. Results are plain
numbers: requests per second, latency percentiles, errors, by page label.

aiohttp rather than httpx: the generator shares the two cores with the server it measures,
and httpx spent about 2 ms of CPU per request (more than the database), aiohttp well under
one, which leaves that CPU to the server."""

import asyncio
import json
import math
import random
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from yarl import URL

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


class Client:
    """One user's browser: a cookie jar, no redirects followed, a new connection per request
    (gunicorn's sync workers close each one anyway)."""

    def __init__(self, base_url: str):
        self.base = URL(base_url)
        self.session = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),  # unsafe: keep cookies of an IP address host
            connector=aiohttp.TCPConnector(limit=4, force_close=True),
            timeout=aiohttp.ClientTimeout(total=60),
        )

    async def get(self, path):
        """(status, location, body text)."""
        async with self.session.get(self.base.join(URL(path)), allow_redirects=False) as r:
            return r.status, r.headers.get("Location", ""), await r.text()

    async def post(self, path, data):
        async with self.session.post(self.base.join(URL(path)), data=data, allow_redirects=False) as r:
            return r.status, r.headers.get("Location", ""), await r.text()

    def cookies(self) -> dict:
        return {c.key: c.value for c in self.session.cookie_jar}

    def set_cookies(self, cookies: dict):
        self.session.cookie_jar.update_cookies(cookies, self.base)

    def clear_cookies(self):
        self.session.cookie_jar.clear()

    async def aclose(self):
        await self.session.close()


async def login(client: Client, username: str, password: str) -> None:
    """The real login form: GET for the CSRF token, POST, expect the redirect away from it."""
    status, _, text = await client.get("/login/")
    token = CSRF_INPUT.search(text)
    if token is None:
        raise RuntimeError(f"登录页没有 CSRF 令牌（HTTP {status}）")
    status, location, _ = await client.post(
        "/login/", {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)}
    )
    if status != 302 or "/login/" in location:
        raise RuntimeError(f"{username} 登录失败（HTTP {status}）")


async def logged_in(client: Client) -> bool:
    status, _, _ = await client.get("/bench/trivial/")
    return status == 200


async def sign_in_all(base_url, users, password, cookie_file: Path, *, parallel=3):
    """One client per user, logged in; cookies from an earlier run are reused while the
    server still accepts them (a login costs a full password hash on the server)."""
    saved = json.loads(cookie_file.read_text()) if cookie_file.exists() else {}
    clients = {}
    gate = asyncio.Semaphore(parallel)
    fresh = 0

    async def one(user):
        nonlocal fresh
        client = Client(base_url)
        if saved.get(user.username):
            client.set_cookies(saved[user.username])
        async with gate:
            if not (saved.get(user.username) and await logged_in(client)):
                client.clear_cookies()
                await login(client, user.username, password)
                fresh += 1
        clients[user.username] = client

    await asyncio.gather(*(one(u) for u in users))
    cookie_file.parent.mkdir(parents=True, exist_ok=True)
    cookie_file.write_text(json.dumps({name: c.cookies() for name, c in clients.items()}))
    return clients, fresh


async def _user_loop(client, user, rng, deadline, think, results, pick):
    while time.monotonic() < deadline:
        label, url = pick(user, rng)
        t = time.perf_counter()
        try:
            status, location, _ = await client.get(url)
            ms = (time.perf_counter() - t) * 1000
            if status != 200:
                results.append(Result(label, ms, False, f"HTTP {status} {location}".strip()))
            else:
                results.append(Result(label, ms, True))
        except (TimeoutError, aiohttp.ClientError) as e:
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
