"""MinHash signatures of descriptions (datasketch) and the bands that make near-duplicates an
indexed lookup.

A signature is NUM_PERM 32-bit values (datasketch's "affine32" scheme, seed 1: the same text gives
the same signature in every process and release of datasketch 2.x), stored as 4 * NUM_PERM bytes.
The share of equal values between two signatures estimates the Jaccard similarity of the shingle
sets (domain.near_duplicates). Each band of ROWS values is hashed to one 64-bit bucket; two
descriptions sharing a bucket in the same band are candidates, then verified on the estimate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

from .domain.near_duplicates import BANDS, NUM_PERM, ROWS, shingles

_SCHEME = "affine32"
_SEED = 1
# Made once: every MinHash of the process shares the permutations instead of drawing them again.
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME).permutations
SIGNATURE_BYTES = 4 * NUM_PERM


@dataclass(frozen=True)
class Signature:
    """A description's MinHash: its values as stored, and its band buckets in band order."""

    values: bytes
    buckets: tuple[int, ...]
    text_hash: bytes  # of the normalised text, so an unchanged description is not hashed again


def text_hash(text: str) -> bytes | None:
    """A digest of the description's shingles, equal for texts that compare as the same; None when
    it has no words to compare."""
    found = shingles(text)
    return _digest(found) if found else None


def signature(text: str) -> Signature | None:
    """The signature of a description (HTML or text); None when it has no words to compare."""
    found = shingles(text)
    if not found:
        return None
    minhash = MinHash(num_perm=NUM_PERM, permutations=_PERMUTATIONS, scheme=_SCHEME)
    minhash.update_batch([s.encode() for s in found])
    values = np.asarray(minhash.hashvalues, dtype="<u4")
    return Signature(values.tobytes(), _buckets(values), _digest(found))


def similarity(a: bytes, b: bytes) -> float:
    """The estimated Jaccard similarity of two stored signatures."""
    if len(a) != SIGNATURE_BYTES or len(b) != SIGNATURE_BYTES:
        raise ValueError(f"a signature is {SIGNATURE_BYTES} bytes")
    return float(np.count_nonzero(_values(a) == _values(b))) / NUM_PERM


def similarities(draft: bytes, others: Iterable[bytes]) -> list[float]:
    """`similarity(draft, o)` for each of `others`, computed together."""
    rows = [_values(o) for o in others]
    if not rows:
        return []
    equal = np.count_nonzero(np.vstack(rows) == _values(draft), axis=1)
    return [float(n) / NUM_PERM for n in equal]


def _digest(found: frozenset[str]) -> bytes:
    digest = hashlib.blake2b(digest_size=16)
    for shingle in sorted(found):
        digest.update(shingle.encode())
        digest.update(b"\x00")
    return digest.digest()


def _values(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, dtype="<u4")


def _buckets(values: np.ndarray) -> tuple[int, ...]:
    buckets = []
    for band in range(BANDS):
        digest = hashlib.blake2b(values[band * ROWS : (band + 1) * ROWS].tobytes(), digest_size=8, person=b"band")
        buckets.append(int.from_bytes(digest.digest(), "big", signed=True))
    return tuple(buckets)
