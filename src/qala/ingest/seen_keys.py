"""The keys met so far in a streamed file, as 8-byte hashes in one sorted numpy array that grows in place.

A streamed import (``records.import_stream``) asks of each chunk's key hashes "met in an earlier chunk?"
and then adds them. The hashes are kept sorted and distinct in one preallocated buffer:

- a lookup sorts the chunk's hashes first and then searches them all (``np.searchsorted``): in sorted order
  each search starts where the one before ended, six times faster than in the file's order;
- adding a chunk sorts its hashes (duplicates dropped by comparing neighbours: ``np.unique`` took 0.1 s for
  125,000 hashes), leaves out those held, writes them after the held ones and sorts the whole buffer with
  numpy's stable sort, which for 8-byte integers is a timsort: it finds the two sorted runs and merges them,
  with scratch memory for the shorter run (the chunk's), not for the file.

Measured at 1 M keys in chunks of 125,000: 0.23 s for every lookup and addition together, against 1.2 s
when the held hashes were moved block by block to make room; at 10 M keys 6 s (benchmarks/README.md).
The buffer is reserved (``np.empty``) for the most rows a file may have, but the system only gives it memory
as it fills: 8 bytes a key met.
"""

from __future__ import annotations

import numpy as np

MAX_RESERVE = 1 << 26  # hashes reserved at the start at most (512 MiB of address space); beyond, it grows


class SeenKeys:
    def __init__(self, expected: int = 0) -> None:
        self._buf = np.empty(max(1024, min(expected, MAX_RESERVE)), dtype=np.uint64)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    @property
    def held(self) -> np.ndarray:
        """The hashes held, sorted and distinct (a view: do not keep it across ``add``)."""
        return self._buf[: self._n]

    def met(self, hashes: np.ndarray) -> np.ndarray:
        """For each hash, whether it is held."""
        hashes = np.asarray(hashes, dtype=np.uint64)
        found = np.zeros(len(hashes), dtype=bool)
        if not self._n or not len(hashes):
            return found
        order = np.argsort(hashes)
        found[order] = self._held_sorted(hashes[order])
        return found

    def add(self, hashes: np.ndarray) -> None:
        """Hold these hashes too (those already held, or repeated, are held once)."""
        new = np.sort(np.asarray(hashes, dtype=np.uint64))
        if len(new) > 1:
            new = new[np.concatenate(([True], new[1:] != new[:-1]))]
        if self._n:
            new = new[~self._held_sorted(new)]
        m, n = len(new), self._n
        if not m:
            return
        self._reserve(n + m)
        self._buf[n : n + m] = new
        self._buf[: n + m].sort(kind="stable")  # a merge of the two sorted runs (timsort)
        self._n = n + m

    def _held_sorted(self, probe: np.ndarray) -> np.ndarray:
        """For each hash of the sorted ``probe``, whether it is held (some are)."""
        held = self.held
        at = np.searchsorted(held, probe)
        np.minimum(at, self._n - 1, out=at)
        return held[at] == probe

    def _reserve(self, size: int) -> None:
        if size <= len(self._buf):
            return
        grown = np.empty(max(size, 2 * len(self._buf)), dtype=np.uint64)
        grown[: self._n] = self._buf[: self._n]
        self._buf = grown
