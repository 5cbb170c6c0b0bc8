"""Running calls in threads on real PostgreSQL (each thread its own connection), released together."""

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def race(calls: list[Callable[[], Any]], *, timeout: float = 120) -> list[Any]:
    """Run the calls in threads started together; each result is the return value or the exception."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = calls[index]()
        except Exception as error:  # noqa: BLE001 - the outcome under test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results


def in_pool(calls: list[Callable[[], Any]], *, workers: int) -> list[Any]:
    """Run the calls on `workers` threads, in the given order, as fast as they go."""
    results: list[Any] = [None] * len(calls)
    next_index = iter(range(len(calls)))
    lock = threading.Lock()

    def work() -> None:
        try:
            while True:
                with lock:
                    index = next(next_index, None)
                if index is None:
                    return
                try:
                    results[index] = calls[index]()
                except Exception as error:  # noqa: BLE001 - the outcome under test
                    results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results
