"""Lay out several HTML documents at once, each in a forked worker process (issue #15).

WeasyPrint runs on one core, and a year's 党组织生活台账 is a dozen documents (its parts) of
about half a second each. ``render_all`` forks up to ``processes`` children that lay out
whole documents and send back the PDF bytes; the caller gets them in order. Fork, not spawn
or forkserver: a child starts in milliseconds with WeasyPrint loaded, the settings read and
the renderer's fonts already registered (the renderer is made before the fork and inherited).

It works in every process that lays out a ledger:

- a Celery prefork worker: its pool processes are daemonic, and ``multiprocessing`` refuses
  children to a daemonic process (so they are not orphaned when it is stopped). Billiard starts
  children from them anyway; here the flag is lifted while the pool forks (``_may_fork``), the
  children being bound to their parent's life by other means (below). Checked for real by
  tests/review/test_celery_worker.py with ``--pool=prefork``;
- a web request (a stored PDF missing) and a solo worker: plain processes.

The children touch no database and share no connection with the parent: the store the photos
are read from is set up afresh in each child (a bucket client must not share the parent's
sockets), signal handlers inherited from gunicorn or Celery are reset, and a child dies with
its parent (``PR_SET_PDEATHSIG``). A child that raises passes its exception to the caller, one
that dies makes the pool broken (``BrokenProcessPool``, at once), one that hangs is killed at
the deadline (``PdfLayoutTimeout``): an error, never a wait without end.
"""

import contextlib
import ctypes
import gc
import logging
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_RESET_SIGNALS = ("SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGABRT", "SIGWINCH")

_renderer = None  # the parent's renderer, inherited by each forked child


class PdfLayoutTimeout(RuntimeError):
    pass


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pid: int  # the process that laid it out


def cpu_count() -> int:
    """CPUs this process may run on (a container's cpuset, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def process_count(setting: int, documents: int) -> int:
    """How many processes lay out ``documents``: ``setting`` (0: one per CPU), never more than
    there are documents; 1 means in this process."""
    wanted = setting if setting > 0 else cpu_count()
    return max(1, min(wanted, documents))


def _child_init():
    """In each child, before any document: die with the parent, the default signal handling
    (not the Celery or gunicorn handlers the parent installed), a store of its own."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the parent still kills its children on errors
        pass
    for name in _RESET_SIGNALS:
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    if _renderer is not None:
        _renderer.after_fork()


@contextlib.contextmanager
def _may_fork():
    """Let a daemonic process (a Celery prefork pool process) start the pool's children: the
    standard library asserts on the flag, billiard does not; the children die with this process
    (PR_SET_PDEATHSIG) and are killed on any error here, so none outlives it.

    And fork with the parent's objects frozen out of the garbage collector: a child's first
    collection would otherwise visit the 400,000-odd objects of a web or worker process and copy
    every page they live on (0.3 s of CPU per child, measured), where it needs none of them."""
    config = multiprocessing.current_process()._config
    daemon = config.get("daemon")
    config["daemon"] = False
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        if daemon is None:
            config.pop("daemon", None)
        else:
            config["daemon"] = daemon


def _render(html: str) -> Rendered:
    return Rendered(_renderer.pdf(html), os.getpid())


def _stop(executor):
    """Kill the pool's processes (a hung layout does not end by itself), then reap them."""
    terminate = getattr(executor, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()
    else:
        for proc in list((getattr(executor, "_processes", None) or {}).values()):
            if proc.is_alive():
                proc.kill()
    executor.shutdown(wait=True, cancel_futures=True)


def render_all(renderer, htmls: list[str], *, processes: int = 0, timeout: float = 120, on_done=None):
    """Each of ``htmls`` laid out by ``renderer`` (``wujin_branch.pdf.PdfRenderer``): a list of
    ``Rendered`` in order, and ``on_done(index, rendered)`` called in this process as each is
    done (in any order). ``processes``: 0 for one per CPU, 1 for this process only.
    ``timeout``: seconds for all of them together, after which the children are killed and
    ``PdfLayoutTimeout`` is raised."""
    global _renderer

    out = [None] * len(htmls)

    def done(i, rendered):
        out[i] = rendered
        if on_done is not None:
            on_done(i, rendered)

    count = process_count(processes, len(htmls))
    if count == 1 or "fork" not in multiprocessing.get_all_start_methods():
        for i, html in enumerate(htmls):
            done(i, Rendered(renderer.pdf(html), os.getpid()))
        return out
    _renderer = renderer
    executor = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"), initializer=_child_init)
    try:
        # in order: the parts done first can be joined while the others are laid out
        with _may_fork():  # the fork context starts every process at the first submit
            futures = {executor.submit(_render, html): i for i, html in enumerate(htmls)}
        try:
            for future in as_completed(futures, timeout=timeout):
                done(futures[future], future.result())
        except FuturesTimeout:
            raise PdfLayoutTimeout(f"PDF 排版超过 {timeout:g} 秒，已停止") from None
    except BaseException:
        _stop(executor)
        raise
    finally:
        _renderer = None
    executor.shutdown(wait=True)
    logger.info("laid out %d documents in %d processes %s", len(htmls), count, sorted({r.pid for r in out}))
    return out
