"""The simulated customs systems' answers: the right type for each message, valid against the
gateway's own catalog, the same answer for the same message, refusals at the asked rate."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from gateway.config import ParsingSettings, packaged
from gateway.core.validation.catalog import Catalog, load_catalog
from gateway.core.validation.parsing import parse
from gateway.demo.simulator.answers import Inbound, answer_for

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    sxml = packaged("sxml")
    return load_catalog([sxml / name / "1.0" / "manifest.toml" for name in ("ncts2", "aes", "emcspl2")])


def inbound(system: str, message_type: str, **headers: str) -> Inbound:
    return Inbound(str(uuid.uuid4()), system, message_type, **headers)


@pytest.mark.parametrize(
    ("system", "message_type", "reject_rate", "answered"),
    [
        ("NCTS2", "CC015C", 0.0, "CC028C"),
        ("NCTS2", "CC007C", 0.0, "CC928C"),
        ("NCTS2", "CC015C", 1.0, "CC056C"),
        ("AES", "CC515C", 0.0, "CC528C"),
        ("AES", "CC514C", 1.0, "CC528C"),  # AES has no refusal in the catalog
        ("EMCSPL2", "IE815", 0.0, "IE801"),
        ("EMCSPL2", "IE818", 1.0, "IE704"),
    ],
)
def test_each_message_gets_its_answer_valid_against_the_catalog(
    catalog: Catalog, system: str, message_type: str, reject_rate: float, answered: str
) -> None:
    message = inbound(system, message_type, lrn="LRN-2026-000042", acting_for="PL1234567890000")
    answer = answer_for(message, reject_rate, now=NOW)
    assert (answer.message_type, answer.rejected) == (answered, answered in ("CC056C", "IE704"))
    document = parse(answer.body, ParsingSettings())
    [schema] = [s for s in catalog if s.root == document.root.tag]  # outbound: resolve() refuses it
    assert schema.message_type == answered
    assert schema.validator.validate(document.root, answer.body) == []
    assert b"LRN-2026-000042" in answer.body or answer.identifier.encode() in answer.body


def test_the_same_message_gets_the_same_answer() -> None:
    message = inbound("NCTS2", "CC015C", lrn="LRN1")
    first, again = answer_for(message, 0.5, now=NOW), answer_for(message, 0.5, now=NOW)
    assert first == again  # a redelivery is stored once: same message_id


def test_the_reject_rate_is_the_share_refused() -> None:
    answers = [answer_for(inbound("EMCSPL2", "IE815", lrn="L1"), 0.25, now=NOW) for _ in range(400)]
    refused = sum(answer.rejected for answer in answers) / len(answers)
    assert 0.17 < refused < 0.33


def test_an_unknown_system_is_refused() -> None:
    with pytest.raises(ValueError, match="SZPROT"):
        answer_for(inbound("SZPROT", "RegApplication"), 0.0)
