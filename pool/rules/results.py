"""What the engine computed for each term year, share and transfer, for the trace to explain.

Plain tuples, since the engine makes them on every settlement and a tuple costs a fraction of
a named one; `pool.rules.trace` names their parts. Per-party lists are in the order host,
origins in chain order, city; nothing is changed once made, so a list may serve two fields.
"""

from typing import Final

from pool.domain.allocation import Weights
from pool.domain.months import Month
from pool.rules.facts import Context, TransferFacts
from pool.rules.schema import Share, Step

YearResult = tuple[
    int,  # the term year
    int,  # C_y: the base collected in it
    int,  # the baseline
    int,  # B_y: the shareable part of C_y
    bool,  # whether the year is complete (only a complete year is raised to the floor)
    Step | None,  # the schedule step used (split mode)
    Weights | None,  # the ratios used, over a common denominator (None when counted twice)
    list[int],  # B_y divided by largest remainder, before floor and cap
    int,  # what the floor moved from the host to the origins
    int,  # what the cap returned from the origins to the host
    list[int],  # the year's amount per party (counted twice: host and origins only)
    int,  # what the origins got from the split, which counts toward the cap
]
AMOUNTS: Final = 10  # where a YearResult holds the year's amount per party
TO_ORIGINS: Final = 11  # and what its split gave the origins

ShareResult = tuple[
    dict[str, int],  # the share's cumulative target per region
    Month | None,  # the term's start month S (None when the host keeps everything)
    str,  # why the host keeps everything, if it does
    int,  # years the term was extended by because the cap was unmet
    int,  # covered amount outside the term, to the host
    list[YearResult],
]

TransferResult = tuple[
    TransferFacts,
    Context,  # what its shares were settled with: coverage, origins, city, eligibility
    list[tuple[Share, ShareResult]],
]
