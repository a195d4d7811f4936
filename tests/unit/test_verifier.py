"""The verifier on the parsed tree, its canonicalization, the signed content it hands on, the
profile's rules on unsigned markup and ds:Objects, and the chain builder's issuance cache."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from lxml import etree

from gateway.bootstrap import configured_signature_stage
from gateway.config import ParsingSettings, SignatureSettings, packaged
from gateway.core.errors import SignatureInvalid, SignatureProfile
from gateway.core.pipeline import Checks, check
from gateway.core.signature.c14n import Canonicalization, enveloped_document
from gateway.core.signature.profile import Algorithms, locate_signature
from gateway.core.signature.stage import XadesVerification
from gateway.core.signature.trust import IssuanceCache
from gateway.core.signature.verifier import verify_tree
from gateway.core.signature.xades import signing_certificate
from gateway.core.validation.catalog import MessageSchema, load_catalog
from gateway.core.validation.parsing import digest_of, parse
from gateway.demo.samplegen import SampleParams, build
from gateway.demo.samplegen.signing import SAMPLE_PKI, sample_signer, sign_sample

ROOT = Path(__file__).resolve().parents[2]
DS = "http://www.w3.org/2000/09/xmldsig#"
ALGORITHMS = Algorithms.for_profile(False)
EXCLUSIVE = Canonicalization(exclusive=True, with_comments=False)
INCLUSIVE = Canonicalization(exclusive=False, with_comments=False)


def removed_copy(root: etree._Element, method: Canonicalization) -> bytes:
    """What the enveloped transform yields, made the slow way: a copy with the signature taken out."""
    copy = etree.fromstring(etree.tostring(root))
    signature = copy.find(f"{{{DS}}}Signature")
    assert signature is not None
    parent = signature.getparent()
    assert parent is not None
    before = signature.getprevious()
    if signature.tail:
        if before is not None:
            before.tail = (before.tail or "") + signature.tail
        else:
            parent.text = (parent.text or "") + signature.tail
    signature.tail = None
    parent.remove(signature)
    return method.of(copy)


ODD_DOCUMENTS = {
    "text-around": b'<r xmlns="urn:r">a<x/>b<ds:Signature xmlns:ds="%s" Id="s">in</ds:Signature>tail</r>',
    "first-child": b'<r>lead<ds:Signature xmlns:ds="%s"><ds:X/></ds:Signature> after <y/></r>',
    "only-child": b'<r><ds:Signature xmlns:ds="%s"/></r>',
    "default-namespace": b'<r xmlns:a="urn:a"><Signature xmlns="%s"><Signature xmlns="urn:other"/>'
    b'</Signature><a:b/><Signature xmlns="urn:other">x</Signature></r>',
    "same-name-elsewhere": b'<r><ds:Signature xmlns:ds="urn:look-alike">x</ds:Signature><ds:Signature '
    b'xmlns:ds="%s"><ds:Object><ds:Signature xmlns:ds="urn:n">y</ds:Signature></ds:Object></ds:Signature>'
    b'<ds:Signature xmlns:ds="urn:after"><ds:Signature xmlns:ds="urn:deeper"/></ds:Signature>z</r>',
    "attribute-with-markup": b'<r v="&lt;ds:Signature x=&quot;1&quot;&gt;"><ds:Signature xmlns:ds="%s" '
    b'a="&lt;/ds:Signature&gt;">&lt;/ds:Signature&gt;</ds:Signature>&lt;ds:Signature </r>',
}


@pytest.mark.parametrize("method", [EXCLUSIVE, INCLUSIVE], ids=["exclusive", "inclusive"])
@pytest.mark.parametrize("name", ODD_DOCUMENTS)
def test_the_enveloped_document_is_cut_exactly(name: str, method: Canonicalization) -> None:
    root = etree.fromstring(ODD_DOCUMENTS[name].replace(b"%s", DS.encode()))
    signature = root.find(f"{{{DS}}}Signature")
    assert signature is not None
    pieces = enveloped_document(root, signature, method, None)
    assert b"".join(bytes(piece) for piece in pieces) == removed_copy(root, method)


@pytest.fixture(scope="module")
def schema() -> MessageSchema:
    catalog = load_catalog([packaged("sxml")])
    return catalog.resolve("{urn:customs-gateway:sxml:ncts2:1}CC015C", datetime.now(UTC))


@pytest.fixture(scope="module")
def stage() -> XadesVerification:
    # revocation is not what is compared here (both verifiers share the stage's revocation step)
    return configured_signature_stage(
        SignatureSettings(
            pki_dir=SAMPLE_PKI,
            revocation_sc="none",
            revocation_qualified="none",
            revocation_cbtd="none",
            revocation_epuap="none",
        )
    )


def located(body: bytes) -> tuple[object, ...]:
    parsed = parse(body, ParsingSettings())
    parts = locate_signature(parsed.root, ALGORITHMS)
    signer, others = signing_certificate(parts, ALGORITHMS)
    return parsed, parts, signer, others, ALGORITHMS, datetime.now(UTC), timedelta(minutes=5)


def test_verification_leaves_the_tree_as_it_was() -> None:
    body = sign_sample(build("CC015C", SampleParams(items=3)))
    for changed in (body, body.replace(b"<LRN>", b"<LRN>9", 1)):
        arguments = located(changed)
        before = etree.tostring(arguments[0].root)  # type: ignore[attr-defined]
        try:
            verified = verify_tree(*arguments)  # type: ignore[arg-type]
            assert verified.signed_root is arguments[0].root  # type: ignore[attr-defined]
        except SignatureInvalid:
            assert changed != body
        assert etree.tostring(arguments[0].root) == before  # type: ignore[attr-defined]


def test_the_signed_content_is_exactly_what_was_digested(
    stage: XadesVerification, schema: MessageSchema
) -> None:
    body = sign_sample(build("CC015C", SampleParams(items=2, message_id="COVERED-1")))
    parsed = parse(body, ParsingSettings())
    signature = parsed.root.find(f"{{{DS}}}Signature")
    assert signature is not None
    digested = b"".join(enveloped_document(parsed.root, signature, EXCLUSIVE, None))
    content = stage.verify(parsed, schema, datetime.now(UTC))
    assert content.root is parsed.root
    assert content.root.find(f".//{{{DS}}}Signature") is None
    assert EXCLUSIVE.of(content.root) == digested
    assert content.root.findtext("messageIdentification") == "COVERED-1"


def test_a_refused_message_keeps_its_tree(stage: XadesVerification, schema: MessageSchema) -> None:
    body = sign_sample(build("CC015C", SampleParams())).replace(b"<LRN>", b"<LRN>9", 1)
    parsed = parse(body, ParsingSettings())
    before = etree.tostring(parsed.root)
    with pytest.raises(SignatureInvalid):
        stage.verify(parsed, schema, datetime.now(UTC))
    assert etree.tostring(parsed.root) == before


def test_comments_and_instructions_outside_the_root_are_accepted_and_kept(stage: XadesVerification) -> None:
    signed = sign_sample(build("CC015C", SampleParams()))
    declaration, rest = signed.split(b"?>", 1)
    body = (
        declaration
        + b'?>\n<?xml-stylesheet type="text/xsl" href="view.xsl"?>\n<!-- sent by us -->'
        + rest
        + b"\n<!-- end --><?done?>\n"
    )
    catalog = load_catalog([packaged("sxml")])
    verdict = check(body, datetime.now(UTC), Checks(catalog, stage, ParsingSettings()))
    assert verdict.accepted, verdict.errors
    assert verdict.digest == digest_of(body)  # what is stored and forwarded: the bytes as received


@pytest.mark.parametrize(
    ("markup", "said"),
    [
        (b"<!-- note -->", "comments inside the message are not covered by the signature"),
        (b"<?page 2?>", "processing instructions inside the message are not accepted"),
    ],
)
def test_comments_and_instructions_inside_the_root_are_refused(markup: bytes, said: str) -> None:
    body = sign_sample(build("CC015C", SampleParams()))
    for algorithm in (b"xml-exc-c14n#", b"xml-exc-c14n#WithComments"):
        edited = body.replace(b"<TransitOperation>", markup + b"<TransitOperation>", 1)
        edited = edited.replace(b'xml-exc-c14n#"/></ds:Transforms>', b'%s"/></ds:Transforms>' % algorithm, 1)
        with pytest.raises(SignatureProfile, match=said):
            locate_signature(parse(edited, ParsingSettings()).root, ALGORITHMS)


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (b"</ds:Object><ds:Object><x>forged</x></ds:Object>", "2 ds:Object elements"),
        (b"<x>forged</x></ds:Object>", "nothing else"),
        (b"forged</ds:Object>", "nothing else"),
    ],
)
def test_the_signature_holds_no_other_object(
    stage: XadesVerification, schema: MessageSchema, edit: bytes, said: str
) -> None:
    body = sign_sample(build("CC015C", SampleParams())).replace(b"</ds:Object>", edit, 1)
    with pytest.raises(SignatureProfile, match=said):
        stage.verify(parse(body, ParsingSettings()), schema, datetime.now(UTC))


def test_issuance_answers_are_kept_per_pair_and_bounded() -> None:
    person = sample_signer("sc-person").certificate
    agent = sample_signer("sc-agent").certificate
    ca = x509.load_pem_x509_certificate((SAMPLE_PKI / "sc" / "ca.pem").read_bytes())
    other_ca = x509.load_pem_x509_certificate((SAMPLE_PKI / "cbtd" / "ca.pem").read_bytes())
    cache = IssuanceCache(capacity=2)
    assert cache.signed_by(person, ca) and not cache.signed_by(person, other_ca)
    assert len(cache) == 2
    assert cache.signed_by(person, ca)  # kept, and now the most recent
    assert cache.signed_by(agent, ca)  # the oldest (person, other CA) makes room
    assert len(cache) == 2
    assert not cache.signed_by(person, other_ca)  # asked anew: the same answer


def test_issuance_answers_are_the_same_from_many_threads() -> None:
    person = sample_signer("sc-person").certificate
    ca = x509.load_pem_x509_certificate((SAMPLE_PKI / "sc" / "ca.pem").read_bytes())
    other_ca = x509.load_pem_x509_certificate((SAMPLE_PKI / "cbtd" / "ca.pem").read_bytes())
    cache = IssuanceCache(capacity=1)  # evicting all the time: the table changes under every call
    start = threading.Barrier(8)

    def ask(index: int) -> list[bool]:
        start.wait()
        return [cache.signed_by(person, ca if (index + n) % 2 else other_ca) for n in range(200)]

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(ask, range(8)))
    for index, found in enumerate(answers):
        assert found == [bool((index + n) % 2) for n in range(200)]
    assert len(cache) == 1
