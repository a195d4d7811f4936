"""The SEAP channel without a server: the fault table and its docs, WS-Security's checks, the
sealed secrets, and the compatibility of the gateway's own WSDL and answers with the original
contract (tests/support/seap.py reads it from the shared reference folder)."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from gateway.channels.seap import description
from gateway.channels.seap.envelope import decode_content, username_token
from gateway.channels.seap.faults import FAULTS, FaultKind, fault_for, fault_table
from gateway.channels.seap.render import (
    accept_document_answer,
    documents_answer,
    envelope,
    fault,
    next_document_answer,
)
from gateway.config import ParsingSettings
from gateway.core.errors import PayloadTooLarge, Unauthenticated, error_classes
from gateway.core.seap.channel import ChannelDocument, PushRefused, push_answer, push_request
from gateway.core.seap.secretbox import SecretBox, SecretBoxError
from gateway.core.seap.wssecurity import (
    PasswordKind,
    UsernameToken,
    check_fresh,
    digest_matches,
    nonce_expiry,
    nonce_key,
    password_digest,
)
from tests.support.seap import PULL, PUSH, envelopes, fault_error, original_wsdl, payloads, wsdl_schema

ROOT = Path(__file__).resolve().parents[2]
RESPONSES = ("seap-responses",)
PASSWORD = "correct horse battery staple"


# --- the fault table ------------------------------------------------------------------------


def test_every_gateway_code_has_a_fault() -> None:
    missing = [cls.code for cls in error_classes() if cls.code not in FAULTS]
    assert not missing, f"codes without a SEAP fault: {missing}"
    assert not set(FAULTS) - {cls.code for cls in error_classes()}, "faults for codes that do not exist"


def test_faults_follow_the_real_service_where_it_is_known() -> None:
    # the real answers give E003 (techErrorFault) for a document without an active (inbound) schema
    for code in ("SCHEMA_UNKNOWN", "SCHEMA_NOT_INBOUND", "SCHEMA_INVALID"):
        assert (fault_for(code).code, fault_for(code).kind) == ("E003", FaultKind.TECHNICAL)
    assert fault_for("RIGHTS_DENIED").kind is FaultKind.BUSINESS
    assert fault_for("NO_SUCH_CODE").code == "E999"


def test_the_docs_show_the_table_the_code_uses() -> None:
    text = (ROOT / "docs" / "seap.md").read_text(encoding="utf-8")
    start, end = "<!-- fault-table:start -->", "<!-- fault-table:end -->"
    assert start in text and end in text, "docs/seap.md lost its fault table markers"
    shown = text.split(start, 1)[1].split(end, 1)[0].strip()
    assert shown == fault_table(), "regenerate it: python -m gateway.channels.seap.faults"
    for cls in error_classes():
        assert f"| `{cls.code}` |" in shown


# --- WS-Security ------------------------------------------------------------------------------


def zeep_header(
    password: str, *, digest: bool, nonce: str | None = None, created: datetime | None = None
) -> etree._Element:
    """A Security header as zeep (a real client) writes it, wrapped in an envelope."""
    from zeep.wsse.username import UsernameToken as ZeepToken

    soap = etree.Element("{http://schemas.xmlsoap.org/soap/envelope/}Envelope")
    etree.SubElement(soap, "{http://schemas.xmlsoap.org/soap/envelope/}Header")
    etree.SubElement(soap, "{http://schemas.xmlsoap.org/soap/envelope/}Body")
    ZeepToken("trader@example.test", password, use_digest=digest, nonce=nonce, created=created).apply(
        soap, {}
    )
    return soap


def test_a_digest_from_zeep_verifies_with_the_password_and_no_other() -> None:
    token = username_token(zeep_header(PASSWORD, digest=True))
    assert token is not None and token.kind is PasswordKind.DIGEST
    assert token.nonce and token.created_text and token.created
    assert digest_matches(token, PASSWORD)
    assert not digest_matches(token, PASSWORD + "!")
    check_fresh(token, datetime.now(UTC), timedelta(minutes=5))


def test_password_text_from_zeep() -> None:
    token = username_token(zeep_header(PASSWORD, digest=False))
    assert token is not None
    assert (token.username, token.password, token.kind) == (
        "trader@example.test",
        PASSWORD,
        PasswordKind.TEXT,
    )
    assert not digest_matches(token, PASSWORD)  # text is never taken as a digest


def test_the_digest_is_the_one_zeep_computes() -> None:
    nonce, created = "0123456789abcdef", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    header = zeep_header(PASSWORD, digest=True, nonce=nonce, created=created)
    sent = header.findtext(".//{*}Password")
    created_text = header.findtext(".//{*}Created")
    assert sent and created_text
    assert password_digest(nonce.encode(), created_text, PASSWORD) == sent


def token(
    created: datetime | None,
    nonce: bytes | None = b"0123456789abcdef",
    kind: PasswordKind = PasswordKind.DIGEST,
) -> UsernameToken:
    text = created.isoformat() if created else None
    return UsernameToken("u@example.test", "x", kind, nonce, text, created)


def test_created_outside_the_window_is_refused_either_way() -> None:
    now, skew = datetime.now(UTC), timedelta(minutes=5)
    check_fresh(token(now - timedelta(minutes=4)), now, skew)
    check_fresh(token(now + timedelta(minutes=4)), now, skew)
    for created in (now - timedelta(minutes=6), now + timedelta(minutes=6)):
        with pytest.raises(Unauthenticated, match="away from the gateway's clock"):
            check_fresh(token(created), now, skew)


def test_a_digest_needs_nonce_and_created_and_a_nonce_needs_created() -> None:
    now, skew = datetime.now(UTC), timedelta(minutes=5)
    with pytest.raises(Unauthenticated):
        check_fresh(token(None), now, skew)
    with pytest.raises(Unauthenticated):
        check_fresh(token(now, nonce=None), now, skew)
    with pytest.raises(Unauthenticated):
        check_fresh(token(None, kind=PasswordKind.TEXT), now, skew)  # a nonce without Created
    with pytest.raises(Unauthenticated):
        check_fresh(token(now, nonce=b"short"), now, skew)
    check_fresh(token(None, nonce=None, kind=PasswordKind.TEXT), now, skew)  # plain text: nothing to check


def test_nonces_are_remembered_as_long_as_their_created_is_acceptable() -> None:
    now, skew = datetime.now(UTC), timedelta(minutes=5)
    assert nonce_expiry(token(now), skew) == now + skew
    assert nonce_key(token(now)) != nonce_key(token(now, nonce=b"fedcba9876543210"))
    assert nonce_key(token(now, nonce=None, kind=PasswordKind.TEXT)) is None


def test_malformed_tokens_are_unauthenticated() -> None:
    good = zeep_header(PASSWORD, digest=True)
    nonce = good.find(".//{*}Nonce")
    assert nonce is not None
    nonce.text = "not base64!"
    with pytest.raises(Unauthenticated):
        username_token(good)
    assert (
        username_token(etree.fromstring(b"<e:Envelope xmlns:e='http://schemas.xmlsoap.org/soap/envelope/'/>"))
        is None
    )


# --- the sealed PasswordDigest secrets ------------------------------------------------------------


def test_a_sealed_secret_opens_only_with_its_key_and_account() -> None:
    box = SecretBox(bytes(range(32)))
    sealed = box.seal(PASSWORD, "7")
    assert PASSWORD.encode() not in sealed
    assert box.open(sealed, "7") == PASSWORD
    with pytest.raises(SecretBoxError):
        box.open(sealed, "8")
    with pytest.raises(SecretBoxError):
        SecretBox(bytes(32)).open(sealed, "7")
    assert SecretBox.from_text(base64.b64encode(bytes(range(32))).decode()).key_id == box.key_id
    with pytest.raises(SecretBoxError):
        SecretBox(b"short")


# --- the content's size limit -----------------------------------------------------------------


def test_content_is_decoded_within_its_limit_and_unaltered() -> None:
    body = bytes(range(256)) * 4
    encoded = base64.b64encode(body).decode()
    assert decode_content("\n ".join(encoded[i : i + 76] for i in range(0, len(encoded), 76)), 1024) == body
    with pytest.raises(PayloadTooLarge):
        decode_content(encoded, 1023)
    with pytest.raises(PayloadTooLarge):  # refused by its length, before any decoding
        decode_content("A" * 10_000_000, 1024)


# --- compatibility with the original contract -------------------------------------------------------


def real_answers() -> list[tuple[str, bytes]]:
    folder = original_wsdl().parents[2] / "seap-responses"
    found = [
        (f"{path.name}#{i}", env)
        for path in sorted(folder.glob("*.xml"))
        for i, env in enumerate(envelopes(path))
    ]
    assert len(found) >= 4
    return found


@pytest.mark.parametrize("schema_of", ["original", "ours"])
def test_the_real_answers_validate_against_both_schemas(schema_of: str) -> None:
    schema = wsdl_schema(original_wsdl()) if schema_of == "original" else description.body_schema()
    for name, answer in real_answers():
        for payload in payloads(answer):
            assert schema.validate(payload), (name, schema.error_log)


def document() -> ChannelDocument:
    return ChannelDocument(
        content=b"<Answer/>",
        filename="r.xml",
        dispatch_id="resp-1",
        case_id=str(uuid.uuid4()),
        person_sisc="PL440514013590000",
        end_sisc="PL1234567890000",
    )


def our_answers() -> list[etree._Element]:
    from gateway.channels.seap.faults import FAULTS

    rendered = [
        accept_document_answer(str(uuid.uuid4())),
        next_document_answer(document(), True),
        next_document_answer(None, False),
        documents_answer([document(), document()], "more"),
        documents_answer([], None),
    ]
    answers = [envelope("a", "urn:uuid:1", payload) for payload in rendered]
    for seap in {FAULTS["SCHEMA_INVALID"], FAULTS["RIGHTS_DENIED"]}:
        response = fault(
            seap, status=422, title="t", description="d", operation="AcceptDocument", relates_to=None
        )
        assert response.status == 500 and response.body is not None
        answers.append(etree.fromstring(bytes(response.body)))  # type: ignore[arg-type]
    return answers


def test_our_answers_validate_against_the_original_schema() -> None:
    schema = wsdl_schema(original_wsdl())
    for answer in our_answers():
        for payload in payloads(etree.tostring(answer)):
            assert schema.validate(payload), (etree.tostring(payload), schema.error_log)


def test_our_fault_reads_like_the_real_one() -> None:
    response = fault(
        FAULTS["SCHEMA_UNKNOWN"],
        status=422,
        title="No schema",
        description="SCHEMA_UNKNOWN: x",
        operation="AcceptDocument",
        relates_to="urn:uuid:abc",
    )
    body = bytes(response.body)  # type: ignore[arg-type]
    assert fault_error(body) == ("techErrorFault", "E003", "SCHEMA_UNKNOWN: x")
    real = envelopes(original_wsdl().parents[2] / "seap-responses" / "tf2_reponse.xml")[0]
    assert fault_error(real)[:2] == ("techErrorFault", "E003")
    headers = {etree.QName(h).localname: h.text for h in etree.fromstring(body).find("{*}Header")}  # type: ignore[union-attr]
    assert headers["Action"] == f"{PULL}/DocumentHandlingPort/AcceptDocument/Fault/techErrorFault"
    assert headers["RelatesTo"] == "urn:uuid:abc"
    assert headers["To"] == "http://www.w3.org/2005/08/addressing/anonymous"


def test_a_push_request_validates_against_the_original_push_schema() -> None:
    request = push_request(document(), to="https://trader.example.test/push")
    (payload,) = payloads(request.body)
    assert etree.QName(payload).namespace == PUSH
    schema = wsdl_schema(original_wsdl("WS_PUSH.wsdl"))
    assert schema.validate(payload), schema.error_log


def test_push_answers_are_read_strictly() -> None:
    limits = ParsingSettings()
    ok = (
        f"<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Body>"
        f"<p:AcceptDocumentResponse xmlns:p='{PUSH}' xmlns:c='http://www.mf.gov.pl/schematy/SISC/WsChannel/2014/01_v2_0'>"
        f"<c:result><c:sysRef>T-1</c:sysRef></c:result></p:AcceptDocumentResponse></s:Body></s:Envelope>"
    ).encode()
    assert push_answer(ok, limits) == "T-1"
    real_fault = envelopes(original_wsdl().parents[2] / "seap-responses" / "tf2_reponse.xml")[0]
    with pytest.raises(PushRefused, match="E003"):
        push_answer(real_fault, limits)
    for bad in (b"", b"<html>busy</html>", b"<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>"):
        with pytest.raises(PushRefused):
            push_answer(bad, limits)


def operations(wsdl: Path | str) -> dict[str, tuple[str, str, str, tuple[str, ...]]]:
    """Each operation of the pull binding: its SOAPAction, input and output signatures, faults,
    as zeep (a real client) reads the description."""
    from zeep import Client

    client = Client(str(wsdl))
    binding = client.wsdl.bindings[f"{{{PULL}}}DocumentHandlingBind"]
    found = {}
    for name, operation in binding._operations.items():
        found[name] = (
            operation.soapaction,
            operation.input.signature(),
            operation.output.signature(),
            tuple(sorted(operation.faults)),
        )
    return found


def test_our_wsdl_describes_the_same_operations_as_the_original(tmp_path: Path) -> None:
    served = tmp_path / "WS_PULL.wsdl"
    served.write_bytes(description.served_wsdl(description.PULL_WSDL, str(tmp_path), "http://gw/ws/pull"))
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / description.CHANNEL_SCHEMA).write_bytes(description.channel_schema())
    ours, original = operations(served), operations(original_wsdl())
    assert set(ours) == {"AcceptDocument", "GetNextDocument", "GetNextDocumentSisc", "GetDocuments"}
    assert ours == original
