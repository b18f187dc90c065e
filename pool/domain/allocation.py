"""The largest-remainder allocation of SPEC §4.2 step 6."""

import math
from collections.abc import Sequence
from fractions import Fraction


def largest_remainder(total: int, weights: Sequence[Fraction]) -> list[int]:
    """Divide `total` minor units in the given weights (summing to 1), exactly.

    Each party gets the floor of its exact share; the leftover units go one each to the
    largest fractional remainders. Ties go to the earlier party, so callers list parties in
    the tie order: host, then origins in chain order, then the city.
    """
    if total == 0:
        return [0] * len(weights)
    if len(weights) == 1:
        return [total]
    # Work on a common denominator so every step is integer arithmetic.
    denom = math.lcm(*(w.denominator for w in weights))
    nums = [w.numerator * (denom // w.denominator) for w in weights]
    shares = []
    remainders = []
    for n in nums:
        q, r = divmod(total * n, denom)
        shares.append(q)
        remainders.append(r)
    leftover = total - sum(shares)
    if leftover:
        order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
        for i in order[:leftover]:
            shares[i] += 1
    return shares


def split_equally(total: int, parties: int) -> list[int]:
    """Divide `total` equally among `parties` by largest remainder (earlier parties first)."""
    q, r = divmod(total, parties)
    return [q + 1 if i < r else q for i in range(parties)]

