"""Executors for sweeps: ``serial`` (in this process), ``local`` (a process pool) and ``dask``
(Dask distributed: a scheduler address, or a LocalCluster of worker processes).

Each runs a picklable function over tasks and yields ``(task, result)`` as they finish; a task
whose function raised (or whose worker died) yields ``on_error(task, exc)`` instead, so one bad
task never stops the others.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import Any, Literal, TypeVar

from placement_opt.errors import PlacementOptError

__all__ = ["EXECUTORS", "ExecutorName", "run_tasks"]

T = TypeVar("T")
R = TypeVar("R")
ExecutorName = Literal["serial", "local", "dask"]
EXECUTORS: tuple[str, ...] = ("serial", "local", "dask")


def run_tasks(fn: Callable[[T], R], tasks: Sequence[T], on_error: Callable[[T, BaseException], R],
              executor: str = "local", workers: int = 2,
              scheduler: str | None = None) -> Iterator[tuple[T, R]]:
    """Run ``fn`` on every task with ``executor``; yield each (task, result) as it completes.

    ``workers``: processes of the local pool or of the default Dask LocalCluster (one thread
    each, so solver runs stay reproducible). ``scheduler``: a Dask scheduler address such as
    ``tcp://host:8786`` (its workers must have this package and the base instances' files).
    """
    if not tasks:
        return
    if executor == "serial":
        yield from _serial(fn, tasks, on_error)
    elif executor == "local":
        yield from _local(fn, tasks, on_error, workers)
    elif executor == "dask":
        yield from _dask(fn, tasks, on_error, workers, scheduler)
    else:
        raise ValueError(f"unknown executor {executor!r}; expected one of {', '.join(EXECUTORS)}")


def _serial(fn: Callable[[T], R], tasks: Sequence[T],
            on_error: Callable[[T, BaseException], R]) -> Iterator[tuple[T, R]]:
    for task in tasks:
        try:
            yield task, fn(task)
        except Exception as exc:  # recorded for the task, the rest go on
            yield task, on_error(task, exc)


def _local(fn: Callable[[T], R], tasks: Sequence[T], on_error: Callable[[T, BaseException], R],
           workers: int) -> Iterator[tuple[T, R]]:
    # spawn, not fork: the parent may hold solver thread pools that a fork would copy broken.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=context) as pool:
        futures: dict[Future[R], T] = {pool.submit(fn, task): task for task in tasks}
        for future in as_completed(futures):
            task = futures[future]
            try:
                yield task, future.result()
            except Exception as exc:  # includes a worker process that died
                yield task, on_error(task, exc)


def _dask(fn: Callable[[T], R], tasks: Sequence[T], on_error: Callable[[T, BaseException], R],
          workers: int, scheduler: str | None) -> Iterator[tuple[T, R]]:
    from distributed import Client, LocalCluster
    from distributed import as_completed as dask_completed

    cluster: Any = None
    if scheduler is None:
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=max(1, workers), threads_per_worker=1, processes=True,
            dashboard_address=None)
        client = Client(cluster)  # type: ignore[no-untyped-call]
    else:
        try:
            client = Client(scheduler, timeout=15)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, ValueError) as exc:
            raise PlacementOptError(f"cannot connect to the Dask scheduler at {scheduler}: "
                                    f"{exc}") from exc
    try:
        futures = {client.submit(fn, task, pure=False): i for i, task in enumerate(tasks)}
        for future in dask_completed(list(futures)):  # type: ignore[no-untyped-call]
            task = tasks[futures[future]]
            try:
                yield task, future.result()
            except Exception as exc:
                yield task, on_error(task, exc)
    finally:
        client.close()  # type: ignore[no-untyped-call]
        if cluster is not None:
            cluster.close()
