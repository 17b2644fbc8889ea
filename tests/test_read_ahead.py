"""The next chunk of a streamed import is read in a thread while the caller works on this one
(``qala.ingest.read_ahead``): every chunk in order, at most ``depth`` ahead, a reader's error raised in the
caller's thread, and the reader stopped and its file closed when the caller stops early.

The tests wait for events, never for a time: a wait's limit (``LONG``) only bounds how long a broken
read-ahead takes to fail instead of hanging the suite."""

from __future__ import annotations

import threading

import pytest

from qala.ingest.read_ahead import read_ahead

LONG = 120.0  # seconds: how long a test waits for an event before it fails (never reached when it works)


def test_every_chunk_in_order() -> None:
    with read_ahead(iter(range(50))) as chunks:
        assert list(chunks) == list(range(50))
    with read_ahead([]) as chunks:
        assert list(chunks) == []


def test_the_next_chunk_is_read_while_the_caller_holds_this_one() -> None:
    second_read = threading.Event()

    def source():
        yield 1
        second_read.set()  # only a reader in its own thread gets here before the caller asks for the next
        yield 2

    with read_ahead(source()) as chunks:
        assert next(chunks) == 1
        assert second_read.wait(LONG), "the second chunk was not read while the caller held the first"
        assert next(chunks) == 2


@pytest.mark.parametrize("depth", [1, 3])
def test_the_reader_runs_at_most_depth_chunks_ahead(depth: int) -> None:
    produced: list[int] = []
    changed = threading.Condition()
    taken = 0

    def source():
        for i in range(12):
            with changed:
                produced.append(i)
                changed.notify_all()
            yield i

    with read_ahead(source(), depth=depth) as chunks:
        for chunk in chunks:
            taken += 1
            assert chunk == taken - 1
            # The reader goes on until depth chunks wait and it holds one more: wait for that, then check
            # that it went no further.
            most = min(12, taken + depth + 1)
            with changed:
                assert changed.wait_for(lambda most=most: len(produced) >= most, LONG)
                assert len(produced) == most
    assert produced == list(range(12))


def test_a_readers_error_comes_out_of_the_callers_loop_after_the_chunks_before_it() -> None:
    def source():
        yield "a"
        yield "b"
        raise OSError("disk gone at line 250,001")

    got = []

    def take_all() -> None:
        with read_ahead(source()) as chunks:
            got.extend(chunks)

    with pytest.raises(OSError, match="disk gone at line 250,001"):
        take_all()
    assert got == ["a", "b"]


def test_a_caller_that_stops_early_stops_the_reader_and_closes_its_file() -> None:
    closed = threading.Event()
    produced: list[int] = []

    def source():
        try:
            for i in range(1_000):
                produced.append(i)
                yield i
        finally:
            closed.set()  # the generator closed (its file with it) by the reader's thread

    class Stop(Exception):
        pass

    def stop_at_3() -> None:
        with read_ahead(source(), depth=2) as chunks:
            for chunk in chunks:
                if chunk == 3:
                    raise Stop

    before = {t.name for t in threading.enumerate()}
    with pytest.raises(Stop):
        stop_at_3()
    assert closed.is_set()  # already on leaving the block: no wait needed
    assert len(produced) <= 3 + 1 + 2 + 1  # the chunk taken, then at most depth waiting and one being read
    assert "qala-read-ahead" not in {t.name for t in threading.enumerate()} - before


def test_depth_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"), read_ahead([1], depth=0):
        pass
