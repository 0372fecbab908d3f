"""Test cards of the simulated platform and what each one does.

Two sources: the Back Office test table of the seed guide (section 7: four rows,
columns CB / Mastercard / Maestro / Visa Electron, "2 accepted and 2 refused
payments") and the scenario cards of spec section 8 (not enrolled, wrong CVV,
3DS2 frictionless, 3DS2 challenge).

The 3-D Secure rule for ``vads_threeds_mpi=2`` (seed section 5.3, spec 6.1):
the merchant's frictionless request is honoured for EUR below 30 EUR and for any
other currency; it is ignored (no preference sent) for EUR at or above 30 EUR.
An honoured request skips the challenge of a challenge card and removes the
payment guarantee of an accepted frictionless authentication.
"""

from __future__ import annotations

from dataclasses import dataclass

EUR_NUMERIC = "978"
FRICTIONLESS_EUR_LIMIT_MINOR = 3000  # 30 EUR, exponent 2

# Scenario keys.
ACCEPTED = "accepted"
ACCEPTED_NO_GUARANTEE = "accepted_no_guarantee"
REFUSED_3DS = "refused_3ds"
REFUSED_LIMIT = "refused_limit"
NOT_ENROLLED = "not_enrolled"
REFUSED_CVV = "refused_cvv"
FRICTIONLESS = "frictionless"
CHALLENGE = "challenge"


@dataclass(frozen=True)
class Scenario:
    """What happens when a card is used."""

    key: str
    accepted: bool
    enrolled: str  # vads_threeds_enrolled
    threeds: str  # "issuer_frictionless", "frictionless", "challenge", "failed", "impossible", "none"
    auth_result: str  # vads_auth_result when an authorisation is requested
    label_en: str
    label_fr: str

    def label(self, lang: str) -> str:
        return self.label_fr if lang == "fr" else self.label_en


SCENARIOS: dict[str, Scenario] = {
    s.key: s
    for s in (
        Scenario(
            ACCEPTED, True, "Y", "issuer_frictionless", "00",
            "Accepted payment (3-D Secure authenticated, payment guarantee)",
            "Paiement accepté (authentification 3-D Secure réussie, paiement garanti)",
        ),
        Scenario(
            ACCEPTED_NO_GUARANTEE, True, "Y", "impossible", "00",
            "Accepted payment without payment guarantee (3-D Secure authentication impossible)",
            "Paiement accepté sans garantie de paiement (authentification 3-D Secure impossible)",
        ),
        Scenario(
            REFUSED_3DS, False, "Y", "failed", "",
            "Refused payment: 3-D Secure authentication failed",
            "Paiement refusé : échec de l'authentification 3-D Secure",
        ),
        Scenario(
            REFUSED_LIMIT, False, "Y", "issuer_frictionless", "61",
            "Refused payment: card limit exceeded",
            "Paiement refusé : plafond de la carte dépassé",
        ),
        Scenario(
            NOT_ENROLLED, True, "N", "none", "00",
            "Accepted payment, cardholder not enrolled in 3-D Secure (no payment guarantee)",
            "Paiement accepté, porteur non enrôlé 3-D Secure (pas de garantie de paiement)",
        ),
        Scenario(
            REFUSED_CVV, False, "Y", "issuer_frictionless", "N7",
            "Refused payment: wrong CVV",
            "Paiement refusé : cryptogramme visuel erroné",
        ),
        Scenario(
            FRICTIONLESS, True, "Y", "frictionless", "00",
            "3DS2 frictionless authentication, accepted payment",
            "Authentification 3DS2 sans interaction (frictionless), paiement accepté",
        ),
        Scenario(
            CHALLENGE, True, "Y", "challenge", "00",
            "3DS2 challenge: accepted if the challenge succeeds, refused otherwise",
            "Authentification 3DS2 avec challenge : accepté si le challenge réussit, refusé sinon",
        ),
    )
}


@dataclass(frozen=True)
class TestCard:
    """One test card number."""

    number: str
    brands: tuple[str, ...]  # first = brand reported in vads_card_brand
    scenario: str
    row: int | None = None  # row of the Back Office test table (1..4)

    @property
    def brand(self) -> str:
        return self.brands[0]

    @property
    def masked(self) -> str:
        return mask(self.number)


COLUMNS = ("CB", "Mastercard", "Maestro", "Visa Electron")
_COLUMN_BRANDS = (("CB", "VISA"), ("MASTERCARD", "CB"), ("MAESTRO",), ("VISA_ELECTRON", "CB"))

#: The Back Office test table (seed section 7), row -> (scenario, card numbers per column).
TEST_ROWS: dict[int, tuple[str, tuple[str, str, str, str]]] = {
    1: (ACCEPTED, ("4970100000000014", "5970100300000018", "5000550000000029", "4917480000000008")),
    2: (ACCEPTED_NO_GUARANTEE, ("4970100000000055", "5970100300000067", "5000550000000052", "4917480000000057")),
    3: (REFUSED_3DS, ("4970100000000063", "5970100300000075", "5000550000000060", "4917480000000065")),
    4: (REFUSED_LIMIT, ("4970100000000071", "5970100300000083", "5000550000000078", "4917480000000073")),
}

#: Scenario cards of spec section 8 that are not in the test table.
EXTRA_CARDS: tuple[TestCard, ...] = (
    TestCard("4970100000000048", ("CB", "VISA"), NOT_ENROLLED),
    TestCard("5970100300000042", ("MASTERCARD", "CB"), NOT_ENROLLED),
    TestCard("4970100000000089", ("CB", "VISA"), REFUSED_CVV),
    TestCard("5970100300000091", ("MASTERCARD", "CB"), REFUSED_CVV),
    TestCard("4970115000000210", ("CB", "VISA"), FRICTIONLESS),
    TestCard("5100010000000114", ("MASTERCARD",), FRICTIONLESS),
    TestCard("4970115000000228", ("CB", "VISA"), CHALLENGE),
    TestCard("5100010000000106", ("MASTERCARD",), CHALLENGE),
)


def _build() -> dict[str, TestCard]:
    cards: dict[str, TestCard] = {}
    for row, (scenario, numbers) in TEST_ROWS.items():
        for number, brands in zip(numbers, _COLUMN_BRANDS):
            cards[number] = TestCard(number, brands, scenario, row)
    for card in EXTRA_CARDS:
        cards[card.number] = card
    return cards


CARDS: dict[str, TestCard] = _build()


def row_expects_accepted(row: int) -> bool:
    """Expected result of a test-table row: rows 1-2 accepted, rows 3-4 refused."""
    return SCENARIOS[TEST_ROWS[row][0]].accepted


def find_card(number: str) -> TestCard | None:
    """The test card for a typed number (spaces and dashes ignored)."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return CARDS.get(digits)


def mask(number: str) -> str:
    """Masked PAN as the gateway reports it: first 6, ``XXXXXX``, last 4."""
    return number[:6] + "X" * (len(number) - 10) + number[-4:]


@dataclass(frozen=True)
class ThreeDSPlan:
    """How 3-D Secure goes for one card and one form."""

    requested_frictionless: bool  # the form asked for frictionless (mpi=2)
    honoured: bool  # the frictionless request is sent to the issuer
    preference: str  # vads_threeds_mpi actually sent to the issuer ("2" or "0", or the form's 3/4)
    challenge: bool  # the buyer sees a challenge page


def plan_3ds(card: TestCard, mpi: str, amount_minor: int, currency_numeric: str) -> ThreeDSPlan:
    """Apply the merchant's 3DS preference (spec 6.1, seed 5.3) to ``card``."""
    requested = mpi == "2"
    if requested:
        honoured = currency_numeric != EUR_NUMERIC or amount_minor < FRICTIONLESS_EUR_LIMIT_MINOR
        preference = "2" if honoured else "0"
    else:
        honoured = False
        preference = mpi if mpi in ("3", "4") else "0"
    scenario = SCENARIOS[card.scenario]
    if scenario.threeds == "challenge":
        challenge = not honoured
    elif scenario.threeds in ("issuer_frictionless", "frictionless"):
        challenge = preference in ("3", "4")  # the merchant asked for a challenge
    else:
        challenge = False
    return ThreeDSPlan(requested, honoured, preference, challenge)


def threeds_fields(card: TestCard, plan: ThreeDSPlan, challenge_ok: bool | None) -> tuple[dict[str, str], str]:
    """The ``vads_threeds_*`` result fields and ``vads_warranty_result`` of a payment.

    ``challenge_ok`` is the buyer's answer on the challenge page (None: no challenge).
    """
    scenario = SCENARIOS[card.scenario]
    fields = {
        "vads_threeds_enrolled": scenario.enrolled,
        "vads_threeds_status": "",
        "vads_threeds_auth_type": "",
        "vads_threeds_exit_status": "",
        "vads_threeds_eci": "",
        "vads_threeds_cavv": "",
        "vads_threeds_cavvAlgorithm": "",
        "vads_threeds_xid": "",
        "vads_threeds_sign_valid": "",
        "vads_threeds_mpi": plan.preference,
    }
    warranty = "NO"
    if challenge_ok is not None:
        ok = challenge_ok
        fields.update(
            vads_threeds_status="Y" if ok else "N",
            vads_threeds_auth_type="CHALLENGE" if ok else "",
            vads_threeds_exit_status="10",
        )
        warranty = "YES" if ok else "NO"
    elif scenario.threeds in ("issuer_frictionless", "frictionless", "challenge"):
        fields.update(vads_threeds_status="Y", vads_threeds_auth_type="FRICTIONLESS", vads_threeds_exit_status="10")
        # A frictionless requested by the merchant and accepted by the issuer loses the guarantee.
        warranty = "NO" if plan.honoured else "YES"
    elif scenario.threeds == "failed":
        fields.update(vads_threeds_status="N", vads_threeds_exit_status="10")
    elif scenario.threeds == "impossible":
        fields.update(vads_threeds_status="U", vads_threeds_exit_status="9")
    else:  # not enrolled
        fields.update(vads_threeds_exit_status="7")
    if fields["vads_threeds_status"] == "Y":
        fields.update(vads_threeds_eci="05", vads_threeds_cavvAlgorithm="2", vads_threeds_sign_valid="1")
    return fields, warranty
