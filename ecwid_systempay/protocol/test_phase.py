"""The test phase: the Back Office's four test scenarios and which notification ticks each.

Before it gives a production key, the Back Office (Settings > Shop > Keys) asks for one
payment per row of its test table (seed section 7): rows 1 and 2 must be accepted,
rows 3 (3-D Secure authentication failure) and 4 (card limit exceeded) refused. Each
row has one card per column (CB, Mastercard, Maestro, Visa Electron).

Stored notifications keep only the card's BIN and last four digits (``card_bin``,
``card_last4``); for these sixteen cards that pair is unique, so it names the row.
Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from .statuses import Group, group_of

COLUMNS = ("CB", "Mastercard", "Maestro", "Visa Electron")
ACCEPTED = "accepted"
REFUSED = "refused"
#: Test payments older than this are purged by the platform and leave its table.
KEPT_DAYS = 30


@dataclass(frozen=True)
class Scenario:
    """One row of the test table."""

    row: int
    expected: str  # ACCEPTED or REFUSED
    cards: tuple[str, str, str, str]  # per column of COLUMNS

    @property
    def digits(self) -> frozenset[tuple[str, str]]:
        """``(bin, last4)`` of each card of the row."""
        return frozenset((card[:6], card[-4:]) for card in self.cards)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(1, ACCEPTED, ("4970100000000014", "5970100300000018", "5000550000000029", "4917480000000008")),
    Scenario(2, ACCEPTED, ("4970100000000055", "5970100300000067", "5000550000000052", "4917480000000057")),
    Scenario(3, REFUSED, ("4970100000000063", "5970100300000075", "5000550000000060", "4917480000000065")),
    Scenario(4, REFUSED, ("4970100000000071", "5970100300000083", "5000550000000078", "4917480000000073")),
)
_BY_DIGITS: dict[tuple[str, str], Scenario] = {
    pair: scenario for scenario in SCENARIOS for pair in scenario.digits
}
if len(_BY_DIGITS) != 4 * len(SCENARIOS):
    raise RuntimeError("a test card's BIN and last 4 digits must name one card")

#: The BINs of the test cards: a query can leave every other card out.
TEST_BINS: frozenset[str] = frozenset(pair[0] for pair in _BY_DIGITS)


def scenario_of(card_bin: str | None, card_last4: str | None) -> Scenario | None:
    """The test-table row of a card known by its BIN and last four digits, if it is a test card."""
    if not card_bin or not card_last4:
        return None
    return _BY_DIGITS.get((card_bin, card_last4))


def result_of(trans_status: str) -> str | None:
    """ACCEPTED (paid or waiting to be: the platform counts it accepted), REFUSED, or None.

    A cancelled or abandoned payment, an expiry or a technical error is neither: it
    ticks no row.
    """
    if trans_status == "REFUSED":
        return REFUSED
    if group_of(trans_status) in (Group.SUCCESS, Group.PENDING):
        return ACCEPTED
    return None


def ticks(card_bin: str | None, card_last4: str | None, trans_status: str) -> int | None:
    """The row a TEST payment with this card and result completes, or None."""
    scenario = scenario_of(card_bin, card_last4)
    if scenario is None or result_of(trans_status) != scenario.expected:
        return None
    return scenario.row
