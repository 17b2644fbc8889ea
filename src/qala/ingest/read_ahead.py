"""The next chunk of a streamed import read and validated in a thread while this one is written.

A streamed import (``records.import_stream``) alternates two kinds of work: reading and validating a chunk
of the file (polars, which releases the GIL) and writing it (SQLite or PostgreSQL, which run outside the
GIL too: SQLite's C library, ADBC's staging, the PostgreSQL server's process). Done one after the other,
one of the machine's cores waits while the other works. ``read_ahead`` advances the chunks' iterator in a
thread of its own, at most ``depth`` chunks ahead of the one being written: the memory held is that of
``depth + 2`` chunks (one written, ``depth`` waiting, one being read), not of the file.

The iterator is advanced only by that thread, and closed by it (its files closed) when it ends, when it
fails or when the import stops taking chunks (an error in the transaction, a KeyboardInterrupt): leaving
the ``with`` block stops the thread after the chunk it is reading, and waits for it. An exception raised
while reading (an unreadable file) comes out of the ``for`` loop in the import's thread, as it would without
the read-ahead.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

Item = TypeVar("Item")
_END = object()  # the iterator is exhausted (or stopped)


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


@contextlib.contextmanager
def read_ahead(chunks: Iterable[Item], depth: int = 1) -> Iterator[Iterator[Item]]:
    """The items of ``chunks``, each produced in a thread while the caller works on the one before."""
    if depth < 1:
        raise ValueError("read ahead by at least one chunk")
    handed: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        source = iter(chunks)
        try:
            for item in source:
                handed.put(item)
                del item  # the thread keeps no chunk while it waits to hand over the next
                if stop.is_set():
                    break
            handed.put(_END)
        except BaseException as exc:  # handed to the import's thread, raised there
            handed.put(_Failed(exc))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    close()

    thread = threading.Thread(target=produce, name="qala-read-ahead", daemon=True)
    thread.start()
    over = False  # the thread has handed over its last word (the end, or its failure)

    def consume() -> Iterator[Item]:
        nonlocal over
        while True:
            item = handed.get()
            if item is _END or isinstance(item, _Failed):
                over = True
            if isinstance(item, _Failed):
                raise item.exc
            if item is _END:
                return
            held = [item]  # yielded from a list: this frame keeps no reference while the caller works
            del item
            yield held.pop()  # type: ignore[misc]

    try:
        yield consume()
    finally:
        stop.set()
        while not over:  # take what it hands over until its last word: each put of the thread then ends
            item = handed.get()
            over = item is _END or isinstance(item, _Failed)
            del item
        thread.join()
