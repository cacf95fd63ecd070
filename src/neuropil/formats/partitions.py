"""How a published synapse table is split into parts: by a hash of the presynaptic root id.

The pipeline writes ``synapses/part-<bucket>.parquet`` with this function and a loader computes the
same bucket to read the one part that holds a given presynaptic cell.
"""

from __future__ import annotations

import numpy as np

#: Fibonacci hashing's multiplier (2**64 / golden ratio): root ids are not uniform in their low bits
_HASH = np.uint64(0x9E3779B97F4A7C15)


def bucket_of(pre_root: np.ndarray, buckets: int) -> np.ndarray:
    """The part a presynaptic root's synapses live in (a loader computes it to read one part only)."""
    mixed = pre_root.astype(np.uint64) * _HASH
    return ((mixed >> np.uint64(33)) % np.uint64(buckets)).astype(np.int64)
