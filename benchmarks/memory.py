"""Peak memory of a process, and a step run in a process of its own to measure it.

On Linux the high-water mark of this process's own memory (VmHWM) is read, because getrusage's
ru_maxrss also keeps the peak of the parent that forked it (a process started by a large one
would report the parent's size).
"""

import multiprocessing
import resource
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def peak_rss_mb() -> float:
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_own_process(fn: Callable[..., T], *args: Any) -> tuple[T, float]:
    """fn(*args) run in a fresh interpreter, as a command runs: its result, and the peak resident
    memory in MB of that process or of any process it started (`verify` may start a second)."""
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_measured, args=(send, fn, args))
    process.start()
    send.close()
    try:
        failed, value, peak = receive.recv()
    except EOFError:
        process.join()
        raise SystemExit(f"{fn.__name__} died (exit code {process.exitcode})") from None
    process.join()
    if failed:
        raise SystemExit(f"{fn.__name__} failed:\n{value}")
    return value, peak


def _measured(send: Connection, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        value = fn(*args)
    except BaseException:
        send.send((True, traceback.format_exc(), 0.0))
        return
    started = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    send.send((False, value, max(peak_rss_mb(), started)))
