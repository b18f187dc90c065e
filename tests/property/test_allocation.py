"""Largest remainder: pool.domain.allocation."""

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from pool.domain.allocation import largest_remainder, split_equally

PROPERTY = settings(max_examples=300, deadline=None)


@st.composite
def weights(draw: st.DrawFn) -> list[Fraction]:
    """1 to 7 non-negative weights summing to exactly 1, with varied denominators and ties."""
    raw = draw(st.lists(st.one_of(st.integers(0, 5), st.integers(0, 10**6)), min_size=1, max_size=7))
    if sum(raw) == 0:
        raw[draw(st.integers(0, len(raw) - 1))] = 1
    scale = draw(st.sampled_from([1, 3, 7, 100]))
    ws = [Fraction(r * scale, sum(raw) * scale) for r in raw]
    assert sum(ws) == 1
    return ws


totals = st.one_of(st.integers(0, 20), st.integers(0, 10**6), st.integers(0, 10**15))


@PROPERTY
@given(totals, weights())
def test_largest_remainder_preserves_the_sum(total, ws):
    assert sum(largest_remainder(total, ws)) == total


@PROPERTY
@given(st.integers(-(10**12), 10**12), weights())
def test_largest_remainder_preserves_the_sum_of_any_sign(total, ws):
    assert sum(largest_remainder(total, ws)) == total


@PROPERTY
@given(st.one_of(totals, st.integers(-(10**9), -1)), weights())
def test_each_party_is_within_one_unit_of_its_exact_share(total, ws):
    got = largest_remainder(total, ws)
    assert len(got) == len(ws)
    for amount, w in zip(got, ws):
        exact = total * w
        # the floor of the exact share, or one more; never off when the share is whole
        assert exact - 1 < amount < exact + 1
        assert amount in (exact.numerator // exact.denominator, exact.numerator // exact.denominator + 1)
        if exact.denominator == 1:
            assert amount == exact


@PROPERTY
@given(totals, weights())
def test_no_party_is_negative_for_a_non_negative_total(total, ws):
    assert all(a >= 0 for a in largest_remainder(total, ws))


@PROPERTY
@given(st.one_of(totals, st.integers(-(10**9), -1)), weights())
def test_leftover_units_go_to_the_largest_remainders_ties_to_the_earlier_party(total, ws):
    got = largest_remainder(total, ws)
    exact = [total * w for w in ws]
    rem = [e - e.numerator // e.denominator for e in exact]
    bumped = [a - e.numerator // e.denominator == 1 for a, e in zip(got, exact)]
    for i in range(len(ws)):
        for j in range(len(ws)):
            if bumped[i] and not bumped[j]:
                # i got a leftover unit j did not: i's remainder is larger, or equal and i earlier
                assert rem[i] > rem[j] or (rem[i] == rem[j] and i < j), (i, j, rem, got)


@PROPERTY
@given(st.integers(0, 10**6), st.integers(1, 12))
def test_ties_go_to_the_host_first_then_origins_in_chain_order(total, n):
    # Equal weights tie every remainder: the earlier parties (host first) get the leftovers.
    got = largest_remainder(total, [Fraction(1, n)] * n)
    assert sum(got) == total
    assert got == sorted(got, reverse=True)
    assert max(got) - min(got) <= 1
    assert got == split_equally(total, n)


@PROPERTY
@given(st.integers(-(10**12), 10**12), st.integers(1, 12))
def test_split_equally(total, n):
    got = split_equally(total, n)
    assert len(got) == n and sum(got) == total
    assert max(got) - min(got) <= 1
    assert got == sorted(got, reverse=True)
    if total >= 0:
        assert min(got) >= 0


@st.composite
def _portions(draw: st.DrawFn) -> tuple[Fraction, Fraction, list[Fraction], int]:
    """An origin, a city and named parties' portions summing to at most 1, and an origin count."""
    parts = [Fraction(draw(st.integers(0, 40)), draw(st.sampled_from([100, 3, 7]))) for _ in range(4)]
    while sum(parts) > 1:
        parts = [p / 2 for p in parts]
    origins = draw(st.integers(1, 4))
    return parts[0], parts[1], parts[2 : 2 + draw(st.integers(0, 2))], origins


@PROPERTY
@given(_portions())
def test_party_weights_are_host_origins_city_and_parties_exactly(portions):
    from pool.domain.allocation import party_weights

    o, c, named, n = portions
    denom, nums = party_weights(
        o.numerator,
        o.denominator,
        c.numerator,
        c.denominator,
        n,
        tuple((p.numerator, p.denominator) for p in named),
    )
    got = [Fraction(x, denom) for x in nums]
    assert got == [1 - o - c - sum(named), *[o / n] * n, c, *named]
    assert sum(nums) == denom
