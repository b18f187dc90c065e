"""The largest-remainder allocation: each party the floor of its exact share, the leftover
minor units to the largest remainders."""

import math
from collections.abc import Sequence
from fractions import Fraction
from functools import lru_cache

Weights = tuple[int, tuple[int, ...]]  # a common denominator and each party's numerator over it


def largest_remainder(total: int, weights: Sequence[Fraction]) -> list[int]:
    """Divide `total` minor units in the given weights (summing to 1), exactly.

    Each party gets the floor of its exact share; the leftover units go one each to the
    largest fractional remainders. Ties go to the earlier party, so callers list parties in
    the tie order: host, then origins in chain order, then the city.
    """
    return allocate(total, integer_weights(tuple(weights)))


@lru_cache(maxsize=4096)
def integer_weights(weights: tuple[Fraction, ...]) -> Weights:
    """The weights over their common denominator, so every allocation is integer arithmetic."""
    denom = math.lcm(*(w.denominator for w in weights))
    return denom, tuple(w.numerator * (denom // w.denominator) for w in weights)


@lru_cache(maxsize=4096)
def split_weights(origin_num: int, origin_den: int, city_num: int, city_den: int, origins: int) -> Weights:
    """Host, each of `origins` origins and the city, for a schedule step whose origin and city
    ratios are origin_num/origin_den and city_num/city_den (integers hash fast)."""
    o, c = Fraction(origin_num, origin_den), Fraction(city_num, city_den)
    return integer_weights((1 - o - c, *[o / origins] * origins, c))


@lru_cache(maxsize=4096)
def party_weights(
    origin_num: int,
    origin_den: int,
    city_num: int,
    city_den: int,
    origins: int,
    parties: tuple[tuple[int, int], ...],
) -> Weights:
    """Host, each origin, the city and named parties with portions num/den each, in that order."""
    o, c = Fraction(origin_num, origin_den), Fraction(city_num, city_den)
    named = [Fraction(num, den) for num, den in parties]
    return integer_weights((1 - o - c - sum(named), *[o / origins] * origins, c, *named))


def allocate(total: int, weights: Weights) -> list[int]:
    """`largest_remainder` on weights already over their common denominator."""
    denom, nums = weights
    if total == 0:
        return [0] * len(nums)
    shares = []
    remainders = []
    for n in nums:
        q, r = divmod(total * n, denom)
        shares.append(q)
        remainders.append(r)
    leftover = total - sum(shares)
    if leftover:
        order = sorted(range(len(nums)), key=lambda i: (-remainders[i], i))
        for i in order[:leftover]:
            shares[i] += 1
    return shares


def split_equally(total: int, parties: int) -> list[int]:
    """Divide `total` equally among `parties` by largest remainder (earlier parties first)."""
    q, r = divmod(total, parties)
    return [q + 1 if i < r else q for i in range(parties)]
