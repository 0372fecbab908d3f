"""The test phase's scenarios: each of the sixteen test cards names its row, and only the expected result ticks it."""

from __future__ import annotations

import pytest

from ecwid_systempay.protocol.notification import card_digits
from ecwid_systempay.protocol.test_phase import ACCEPTED, REFUSED, SCENARIOS, TEST_BINS, result_of, scenario_of, ticks

#: The seed's test table (section 7), row by row: CB, Mastercard, Maestro, Visa Electron.
SEED_TABLE = {
    1: ("4970100000000014", "5970100300000018", "5000550000000029", "4917480000000008"),
    2: ("4970100000000055", "5970100300000067", "5000550000000052", "4917480000000057"),
    3: ("4970100000000063", "5970100300000075", "5000550000000060", "4917480000000065"),
    4: ("4970100000000071", "5970100300000083", "5000550000000078", "4917480000000073"),
}
ALL_CARDS = [(row, card) for row, cards in SEED_TABLE.items() for card in cards]


def masked(number: str) -> str:
    """How the gateway sends a card number: BIN, X for the middle digits, last four."""
    return number[:6] + "X" * (len(number) - 10) + number[-4:]


@pytest.mark.parametrize("row,card", ALL_CARDS, ids=[card for _, card in ALL_CARDS])
def test_each_test_card_names_its_row_from_the_stored_digits(row, card):
    digits = card_digits(masked(card))
    assert scenario_of(digits["card_bin"], digits["card_last4"]).row == row


@pytest.mark.parametrize("row,card", ALL_CARDS, ids=[card for _, card in ALL_CARDS])
def test_a_card_ticks_its_row_only_with_the_expected_result(row, card):
    digits = card_digits(masked(card))
    expected_accepted = row in (1, 2)
    accepted = {s: ticks(digits["card_bin"], digits["card_last4"], s) for s in ("AUTHORISED", "CAPTURED", "AUTHORISED_TO_VALIDATE")}
    refused = ticks(digits["card_bin"], digits["card_last4"], "REFUSED")
    assert all(v == (row if expected_accepted else None) for v in accepted.values()), accepted
    assert refused == (None if expected_accepted else row)
    for neither in ("ABANDONED", "CANCELLED", "EXPIRED", "ERROR", ""):
        assert ticks(digits["card_bin"], digits["card_last4"], neither) is None


def test_the_table_is_the_seeds_with_two_accepted_and_two_refused_rows():
    assert {s.row: s.cards for s in SCENARIOS} == SEED_TABLE
    assert [s.expected for s in SCENARIOS] == [ACCEPTED, ACCEPTED, REFUSED, REFUSED]
    assert TEST_BINS == {"497010", "597010", "500055", "491748"}


def test_the_sandbox_platform_expects_the_same_results():
    from ecwid_systempay.sandbox.systempay.cards import TEST_ROWS, row_expects_accepted

    for scenario in SCENARIOS:
        assert TEST_ROWS[scenario.row][1] == scenario.cards
        assert row_expects_accepted(scenario.row) == (scenario.expected == ACCEPTED)


@pytest.mark.parametrize(
    "card_bin,card_last4",
    [
        ("497010", "0048"),  # a scenario card that is not in the table (not enrolled)
        ("497011", "0014"),  # same last digits, another BIN
        ("597010", "0014"),  # a table BIN with another row's column's last digits
        ("", "0014"),
        ("497010", ""),
        (None, None),
    ],
)
def test_other_cards_tick_nothing(card_bin, card_last4):
    assert scenario_of(card_bin, card_last4) is None
    assert ticks(card_bin, card_last4, "AUTHORISED") is None
    assert ticks(card_bin, card_last4, "REFUSED") is None


def test_results():
    assert result_of("AUTHORISED") == ACCEPTED
    assert result_of("WAITING_AUTHORISATION") == ACCEPTED
    assert result_of("REFUSED") == REFUSED
    assert result_of("ABANDONED") is None
    assert result_of("CAPTURE_FAILED") is None
