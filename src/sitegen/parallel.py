"""Work spread over processes (`-j N`): forked workers that inherit the build.

A forked worker starts with everything the parent has already loaded (the
configuration, the compiled layouts, the site model), so only the work items
and their results cross between processes. Results come back in input
order, so the output is the same at any job count. Where fork is missing
(Windows) or the work is small, everything runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from typing import Callable, Iterator, Sequence, TypeVar

from .write import uninterrupted

Item = TypeVar("Item")
Result = TypeVar("Result")

SERIAL_BELOW = 64  # items; fewer are not worth starting processes for
_CHUNKS_PER_WORKER = 8  # small enough to balance the load, large enough to keep messages few
_task: Callable | None = None  # the function workers run: inherited through fork, never pickled
_STOPPING = {signal.SIGINT, signal.SIGTERM}


def job_count(requested: int = 0) -> int:
    """`requested` workers, or one per core this process may use when 0."""
    if requested > 0:
        return requested
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def parallel_map(task: Callable[[Item], Result], items: Sequence[Item], jobs: int,
                 progress: Callable[[int], None] | None = None) -> list[Result]:
    """[task(item) for item in items], over `jobs` worker processes; `progress(done)` as results arrive."""
    results = []
    for result in parallel_imap(task, items, jobs):
        results.append(result)
        if progress:
            progress(len(results))
    return results


def parallel_imap(task: Callable[[Item], Result], items: Sequence[Item], jobs: int) -> Iterator[Result]:
    """task(item) for each item, over `jobs` worker processes, yielded in order as they arrive."""
    global _task
    if jobs <= 1 or len(items) < SERIAL_BELOW or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(task, items)
        return
    size = max(1, len(items) // (jobs * _CHUNKS_PER_WORKER))
    chunks = [items[start:start + size] for start in range(0, len(items), size)]
    _task = task
    pool = None
    try:
        with uninterrupted(then=""):  # a Ctrl-C raised while forking, in an at-fork handler, is printed and dropped
            mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING)  # (held for the workers; see below)
            try:
                pool = multiprocessing.get_context("fork").Pool(jobs, initializer=_leave_ctrl_c_to_the_parent,
                                                                initargs=(mask,))
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # one held meanwhile is noted now
        for chunk_results in pool.imap(_run_chunk, chunks):
            yield from chunk_results
    finally:
        _task = None
        if pool is not None:
            pool.terminate()


def _leave_ctrl_c_to_the_parent(mask: set[signal.Signals]) -> None:
    """Ctrl-C reaches every process of the terminal's group. A worker stopped by it in the middle of sending a
    result leaves half a message in the pipe, and the pool then waits for the rest of it forever; so workers
    ignore it, and this process, interrupted, stops them (Pool.terminate, by SIGTERM). A worker starts with
    the parent's handler of the moment, `uninterrupted`'s, which only notes a signal: a SIGTERM it took would
    be lost, and Pool.terminate would wait for that worker forever. So the workers are forked with both
    signals held, and let them through (`mask`, the parent's own) only once their handlers are set: one that
    came meanwhile then ends the worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _run_chunk(chunk: Sequence) -> list:
    assert _task is not None
    return [_task(item) for item in chunk]
