"""The hashes of the keys met in a streamed file (``qala.ingest.seen_keys``): the same answers as a Python set,
whatever the order and size of the batches added, the buffer grown or not."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qala.ingest.seen_keys import SeenKeys

HASHES = st.lists(st.integers(0, 2**64 - 1), max_size=60)


@settings(max_examples=200, deadline=None)
@given(batches=st.lists(HASHES, max_size=8), probe=HASHES, small=st.booleans())
def test_it_answers_as_a_set_of_everything_added(batches: list[list[int]], probe: list[int], small: bool) -> None:
    keys = SeenKeys(0 if small else 10_000)
    held: set[int] = set()
    for batch in batches:
        a = np.array(batch, dtype=np.uint64)
        assert keys.met(a).tolist() == [h in held for h in batch]
        keys.add(a)
        held.update(batch)
        assert keys.held.tolist() == sorted(held)
    assert keys.met(np.array(probe, dtype=np.uint64)).tolist() == [h in held for h in probe]
    assert len(keys) == len(held)


def test_merges_of_runs_of_every_length_and_a_grown_buffer() -> None:
    rng = np.random.default_rng(5)
    keys = SeenKeys(0)  # 1,024 reserved: grows twice below
    everything = np.array([], dtype=np.uint64)
    for size in (500, 1, 900, 2_000, 3, 0):
        batch = rng.integers(0, 2**64, size, dtype=np.uint64, endpoint=False)
        batch = np.concatenate([batch, everything[:2]])  # two already held
        keys.add(batch)
        everything = np.union1d(everything, batch)
        assert np.array_equal(keys.held, everything)
    assert keys.met(everything).all()
    assert not keys.met(np.array([h + 1 for h in everything[:50] if h + 1 not in set(everything)], np.uint64)).any()
