"""The keys met so far in a streamed file, as 8-byte hashes in one sorted numpy array that grows in place.

A streamed import (``records.import_stream``) asks of each chunk's key hashes "met in an earlier chunk?"
and then adds them. The hashes are kept sorted in one preallocated buffer: a lookup is a binary search
(``np.searchsorted``), and adding a chunk's hashes merges them in place, moving the held hashes towards
the end of the buffer in blocks from the back, so that no temporary grows with the file (a hash set of
10 million keys, as polars' ``is_in`` builds for every lookup, took 300 MB). The buffer is reserved
(``np.empty``) for the most rows a file may have, but the system only gives it memory as it fills:
8 bytes a key met.
"""

from __future__ import annotations

import numpy as np

BLOCK = 1 << 20  # held hashes moved at a time while merging (8 MiB, and as many positions)
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
        if not self._n or not len(hashes):
            return np.zeros(len(hashes), dtype=bool)
        at = np.searchsorted(self.held, hashes)
        np.minimum(at, self._n - 1, out=at)
        return self.held[at] == hashes

    def add(self, hashes: np.ndarray) -> None:
        """Hold these hashes too (those already held, or repeated, are held once)."""
        new = np.unique(np.asarray(hashes, dtype=np.uint64))  # sorted, distinct
        if self._n:
            new = new[~self.met(new)]
        m, n = len(new), self._n
        if not m:
            return
        self._reserve(n + m)
        buf = self._buf
        # In the merged order a new hash has before it its own rank and the held hashes smaller than it;
        # a held hash, its own rank and the new hashes smaller than it (no hash is in both).
        places = np.searchsorted(buf[:n], new)
        places += np.arange(m, dtype=places.dtype)
        end = n
        while end > 0:  # from the back: a block only moves up, onto places already vacated or unused
            start = max(0, end - BLOCK)
            block = buf[start:end].copy()
            to = np.searchsorted(new, block)
            to += np.arange(start, end, dtype=to.dtype)
            buf[to] = block
            end = start
            del block, to
        buf[places] = new
        self._n = n + m

    def _reserve(self, size: int) -> None:
        if size <= len(self._buf):
            return
        grown = np.empty(max(size, 2 * len(self._buf)), dtype=np.uint64)
        grown[: self._n] = self._buf[: self._n]
        self._buf = grown
