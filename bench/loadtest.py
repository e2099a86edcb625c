"""Load test, not a test: 100 logged-in users on a real gunicorn against the bench database.

    .venv/bin/python bench/loadtest.py [--duration 60] [--think 0] [--workers 3] [--no-recycle]

Prepares the bench database as ``bench/run.py`` does (seeded once, reused), makes the 100
accounts (``bench.loadusers``), collects the static files, starts gunicorn with the
production configuration (``docker/gunicorn.conf.py``: DEBUG off, sync workers, recycling)
on a free 127.0.0.1 port, logs the users in through the login form (cookies kept in
var/loadtest/ and reused while valid), then runs the realistic mix for ``--duration`` seconds
and a trivial logged-in view the same way, and prints requests per second, p50/p95/p99,
errors, server CPU per request, the ratio product/trivial and each worker's memory. gunicorn
is stopped by its PID whatever happens. Writes nothing but its accounts and their sessions.
"""

import argparse
import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path[0:1] = [str(ROOT)]

VAR = ROOT / "var" / "loadtest"
GOALS = "目标：混合负载 ≥ 100 请求/秒、p95 ≤ 500 ms、0 错误，与简单视图之比 ≥ 0.15；每个 worker ≤ 200 MB"
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_url, cache_url="") -> dict:
    """Production settings over plain http on 127.0.0.1: DEBUG off, no test switches, not the
    machine's shared Redis: the cache is a Redis of the load test's own (``start_redis``), as
    deployed, else each worker's memory; no broker (Celery would run tasks in the request)."""
    env = {k: v for k, v in os.environ.items() if k not in ("TESTING", "DEBUG", "REDIS_URL", "CACHE_URL",
                                                            "CELERY_BROKER_URL")}  # fmt: skip
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings", DATABASE_URL=database_url, ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="False", SESSION_COOKIE_SECURE="False", CSRF_COOKIE_SECURE="False",
        SECURE_HSTS_SECONDS="0", STATIC_ROOT=str(VAR / "static"), LOG_LEVEL="WARNING",
        LEDGER_PDF_PREBUILD="False", PYTHONUNBUFFERED="1", CACHE_URL=cache_url,
    )  # fmt: skip
    return env


def start_redis() -> tuple[subprocess.Popen | None, str]:
    """A Redis for the cache alone on a free 127.0.0.1 port (nothing on disk, LRU), stopped by
    its PID afterwards; (None, "") when redis-server is not installed."""
    exe = shutil.which("redis-server")
    if not exe:
        return None, ""
    port = free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.1)
    stop(proc)
    return None, ""


def collectstatic(env):
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
                   cwd=ROOT, env=env, check=True)  # fmt: skip


def start_gunicorn(env, port, workers, recycle) -> subprocess.Popen:
    cmd = [
        str(Path(sys.executable).with_name("gunicorn")), "-c", str(ROOT / "docker" / "gunicorn.conf.py"),
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        "--access-logfile", str(VAR / "access.log"), "--error-logfile", str(VAR / "gunicorn.log"),
        "wujin_branch.wsgi:application",
    ]  # fmt: skip
    if not recycle:
        cmd[-1:-1] = ["--max-requests", "0"]
    with open(VAR / "gunicorn.log", "ab") as log:  # the workers' own log lines too
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn 启动失败，见 {VAR / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    stop(proc)
    raise RuntimeError("gunicorn 60 秒内未就绪")


def stop(proc: subprocess.Popen):
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


def workers_of(master_pid) -> list[int]:
    out = subprocess.run(["ps", "--ppid", str(master_pid), "-o", "pid="], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def server_cpu(master_pid) -> float:
    """CPU seconds of the workers alive now plus those that exited (recycled)."""
    fields = _stat(master_pid)
    total = int(fields[13]) + int(fields[14])  # cutime, cstime: children already reaped
    for pid in workers_of(master_pid):
        try:
            f = _stat(pid)
        except FileNotFoundError:
            continue
        total += int(f[11]) + int(f[12])  # utime, stime
    return total / TICKS


def postgres_pid() -> int | None:
    """The local PostgreSQL's postmaster (the oldest process called postgres), if it runs here."""
    out = subprocess.run(["pgrep", "-o", "-x", "postgres"], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else None


def tree_cpu(pid) -> float | None:
    """CPU seconds of a process's children, those alive and those reaped (PostgreSQL's backends)."""
    try:
        return server_cpu(pid)
    except (FileNotFoundError, ProcessLookupError):
        return None


def worker_rss_mb(master_pid) -> list[float]:
    sizes = []
    for pid in workers_of(master_pid):
        try:
            with open(f"/proc/{pid}/status") as f:
                rss = next(line for line in f if line.startswith("VmRSS:"))
        except (FileNotFoundError, StopIteration):
            continue
        sizes.append(int(rss.split()[1]) / 1024)
    return sizes


async def _drive(base_url, users, args, master_pid):
    from bench import loadgen
    from bench.loadusers import PASSWORD

    t = time.perf_counter()
    clients, fresh = await loadgen.sign_in_all(base_url, users, PASSWORD, VAR / "cookies.json")
    took = time.perf_counter() - t
    print(f"{len(clients)} 个用户已登录（新登录 {fresh} 个，其余沿用上次的会话），用时 {took:.1f} 秒")
    cpu = lambda: server_cpu(master_pid)  # noqa: E731
    pg = postgres_pid()
    db_cpu = (lambda: tree_cpu(pg)) if pg else None
    # A short warm-up: templates compiled, connections opened, caches filled in every worker.
    await loadgen.run_phase("预热", clients, users, min(10, args.duration), pick=lambda u, rng: u.pick(rng))
    mixed = await loadgen.run_phase("混合负载", clients, users, args.duration, pick=lambda u, rng: u.pick(rng),
                                    think=args.think, seed=args.seed, cpu=cpu, db_cpu=db_cpu)  # fmt: skip
    trivial = await loadgen.run_phase("简单视图", clients, users, args.duration,
                                      pick=lambda u, rng: ("简单视图", "/bench/trivial/"), think=args.think,
                                      seed=args.seed, cpu=cpu, db_cpu=db_cpu)  # fmt: skip
    for c in clients.values():
        await c.aclose()
    return mixed, trivial


def main(argv=None):
    from bench.db import DEFAULT_DATABASE_URL

    parser = argparse.ArgumentParser(description="100 个登录用户的负载测试（gunicorn + 全区规模数据）")
    parser.add_argument("--duration", type=int, default=60, help="每个阶段的秒数（默认 60，可设 10–600）")
    parser.add_argument("--think", type=float, default=0.0,
                        help="每个用户两次请求之间随机停顿 0 到该秒数（默认 0：请求一结束就发下一个）")  # fmt: skip
    parser.add_argument("--workers", type=int, default=3, help="gunicorn 同步 worker 数（默认 3）")
    parser.add_argument("--no-recycle", action="store_true",
                        help="worker 不按请求数回收（用于观察内存增长；默认沿用 docker 的配置）")  # fmt: skip
    parser.add_argument("--seed", type=int, default=1, help="随机种子（默认 1）")
    args = parser.parse_args(argv)
    if not 10 <= args.duration <= 600:
        parser.error("--duration 须在 10 到 600 秒之间")

    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    redis, cache_url = start_redis()
    try:
        return _run(args, url, cache_url)
    finally:
        if redis is not None:
            stop(redis)


def _run(args, url, cache_url):
    from bench.db import ensure_database, prepare, setup_django

    env = server_env(url, cache_url)  # before setup_django, which sets test switches for this process
    ensure_database(url)
    setup_django(url)
    from bench.loadusers import build_users


    prepare(seed=1)
    users = build_users()
    roles = {r: sum(1 for u in users if u.role == r) for r in ("secretary", "reviewer", "district")}
    print(f"用户：支部书记 {roles['secretary']}、审核员 {roles['reviewer']}、区委组织部 {roles['district']}")
    from django.db import connections

    connections.close_all()  # the server's workers need the connections, not this process
    VAR.mkdir(parents=True, exist_ok=True)
    collectstatic(env)
    port = free_port()
    proc = start_gunicorn(env, port, args.workers, recycle=not args.no_recycle)
    where = f"本次启动的 Redis {cache_url}" if cache_url else "各 worker 自己的内存（未安装 redis-server）"
    print(f"gunicorn（PID {proc.pid}，{args.workers} 个同步 worker）在 127.0.0.1:{port}；缓存：{where}")
    try:
        mixed, trivial = asyncio.run(_drive(f"http://127.0.0.1:{port}", users, args, proc.pid))
        rss = worker_rss_mb(proc.pid)
    finally:
        stop(proc)
    from bench import loadgen

    print()
    print(
        f"负载测试（{len(users)} 个用户，每阶段 {args.duration} 秒，停顿 0–{args.think:g} 秒；"
        "压测程序与服务在同一台机器）："
    )
    for phase in (mixed, trivial):
        print("\n".join(loadgen.summary_lines(phase, by_label=phase is mixed)))
    if trivial.rate:
        print(f"混合负载 / 简单视图 = {mixed.rate / trivial.rate:.3f}")
    total = len(mixed.results) + len(trivial.results)
    recycle = "不回收" if args.no_recycle else "按 docker/gunicorn.conf.py 回收"
    sizes = "、".join(f"{m:.0f} MB" for m in rss)
    print(f"运行后各 worker 内存（RSS，{recycle}，本次共约 {total:,} 个请求）：{sizes}")
    print(GOALS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
