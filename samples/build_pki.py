"""Builds ``samples/pki/``: the test PKI whose certificates sign the committed sample messages.

TEST KEYS — generated for the sample messages of customs-gateway; never use them for anything real.

Run once from the project root::

    .venv/bin/python samples/build_pki.py            # refuses to touch an existing samples/pki
    .venv/bin/python samples/build_pki.py --force    # throws samples/pki away and builds a new one
    .venv/bin/python samples/build_pki.py --check    # only verifies the existing samples/pki

Keys are random, so ``--force`` changes every certificate: the samples must then be re-signed with
``samples/build_samples.py``.  Every signer key is RSA 2048 (except ``sc-rsa1024``) because
RSA-PKCS#1 v1.5 signatures are deterministic, so re-signing an unchanged sample gives the same bytes.

The layout is the one ``gateway pki init`` makes (``PkiDirectory.initialise``), so ``pki_dir =
"samples/pki"`` works as is.  Two things the plain ``initialise`` would not give are added here:

* the authorities are valid 2019-01-01 .. 2045-01-01 (``initialise`` gives ten years from ``now``):
  ``CertificateAuthority.create`` is wrapped while ``initialise`` runs.  The start in 2019 lets the
  CBTD authority have issued ``cbtd-before-cutoff`` (notBefore 2019-03-01) within its own validity;
* a trusted-list signer and an sc OCSP responder valid until 2045 are issued after ``initialise``;
  they supersede the short-lived ones ``initialise`` made (those stay in ``issued.json``, unused).

``INDEX.toml`` maps a role to its certificate and key; paths are relative to ``samples/pki/``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

from cryptography import x509
from cryptography.hazmat.primitives import hashes

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from gateway.core.signature.trusted_list import read_trusted_list  # noqa: E402
from gateway.core.xmldsig.keys import certificate_pem, generate_key, private_key_pem  # noqa: E402
from gateway.demo.pki import CertificateAuthority, IssuedCertificate, PkiDirectory  # noqa: E402
from gateway.demo.pki.profiles import (  # noqa: E402
    AUTHORITY_KINDS,
    OID_QC_STATEMENTS,
    AuthorityKind,
    end_entity_extensions,
    end_entity_subject,
)
from gateway.demo.pki.records import CertificateRecord, serial_hex  # noqa: E402

PKI = ROOT / "gateway" / "demo" / "sample_pki"  # samples/pki links here; shipped in the package
BASE_URL = "http://127.0.0.1:8080/pki/"
WARNING = "TEST KEYS — generated for the sample messages of customs-gateway; never use them for anything real"


def utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


CA_NOT_BEFORE = utc(2019, 1, 1)
CA_NOT_AFTER = utc(2045, 1, 1)
NOT_BEFORE = utc(2025, 1, 1)
NOT_AFTER = utc(2045, 1, 1)
#: when the build "happened" as far as initialise's first CRLs and trusted list are concerned
INITIALISED = utc(2025, 1, 1)
#: when sc-revoked was revoked and sc-suspended put on hold
REVOKED_AT = utc(2025, 3, 1)
#: the long-lived trusted-list signer starts one day after initialise's so it is the ``latest``
TSL_SIGNER_NOT_BEFORE = utc(2025, 1, 2)
#: CRLs and the trusted list say "next update" this late so a checked-in PKI keeps working
NEXT_UPDATE = utc(2045, 1, 1)

PERSON = ("Jan Kowalski", "44051401359")
AGENT = ("Anna Nowak", "02070803628")
QUALIFIED_PERSON = ("Piotr Wiśniewski", "81010200134")
REPRESENTATIVE = "Katarzyna Zielińska"
COMPANY_NIP = "5260250274"
COMPANY = "Przykładowa Spółka z o.o. (TEST)"


def pesel_ok(pesel: str) -> bool:
    weights = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
    if len(pesel) != 11 or not pesel.isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(pesel, weights, strict=False))
    return (10 - total % 10) % 10 == int(pesel[10])


def nip_ok(nip: str) -> bool:
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    if len(nip) != 10 or not nip.isdigit():
        return False
    return sum(int(digit) * weight for digit, weight in zip(nip, weights, strict=False)) % 11 == int(nip[9])


for _pesel in (PERSON[1], AGENT[1], QUALIFIED_PERSON[1]):
    assert pesel_ok(_pesel), _pesel
assert nip_ok(COMPANY_NIP)


@dataclass(frozen=True)
class Role:
    name: str
    kind: str
    serial: int
    cert: Path
    key: Path
    note: str


# -- building -----------------------------------------------------------------------------------------


@contextmanager
def long_lived_authorities() -> Iterator[None]:
    """While ``PkiDirectory.initialise`` runs, every ``CertificateAuthority.create`` makes a root valid
    CA_NOT_BEFORE .. CA_NOT_AFTER instead of ten years from ``now``."""
    original = CertificateAuthority.create

    def create(kind: AuthorityKind, **options: Any) -> CertificateAuthority:
        options["not_before"] = CA_NOT_BEFORE
        options["days"] = (CA_NOT_AFTER - CA_NOT_BEFORE).days
        return original(kind, **options)

    with mock.patch.object(CertificateAuthority, "create", staticmethod(create)):
        yield


def cert_path(directory: PkiDirectory, kind: AuthorityKind, serial: int) -> Path:
    return directory.folder(kind) / "certs" / f"{serial_hex(serial)}.pem"


def build(directory_path: Path) -> list[Role]:
    with long_lived_authorities():
        directory = PkiDirectory.initialise(directory_path, base_url=BASE_URL, now=INITIALISED)
    roles: list[Role] = []

    def issue(role: str, kind: AuthorityKind, note: str, name: str | None = None, **options: Any) -> int:
        authority = directory.authority(kind)
        options.setdefault("rsa_bits", 2048)
        options.setdefault("not_before", NOT_BEFORE)
        options.setdefault("not_after", NOT_AFTER)
        issued = authority.issue(name, **options)
        directory.save(authority)
        path = cert_path(directory, kind, issued.serial)
        roles.append(Role(role, kind, issued.serial, path, path.with_suffix(".key.pem"), note))
        return issued.serial

    person, pesel = PERSON
    issue("sc-person", "sc", f"{person}, PESEL {pesel}: the ordinary SC signer", person, pesel=pesel)
    agent, agent_pesel = AGENT
    issue(
        "sc-agent", "sc", f"{agent}, PESEL {agent_pesel}: a second person (agent)", agent, pesel=agent_pesel
    )
    issue(
        "qualified-person",
        "qualified",
        f"{QUALIFIED_PERSON[0]}, serialNumber PNOPL-{QUALIFIED_PERSON[1]}",
        QUALIFIED_PERSON[0],
        pesel=QUALIFIED_PERSON[1],
    )
    issue(
        "qualified-nip",
        "qualified",
        f"{REPRESENTATIVE}, representative of {COMPANY}: serialNumber TINPL-{COMPANY_NIP}",
        REPRESENTATIVE,
        nip=COMPANY_NIP,
        organization=COMPANY,
    )
    issue("epuap-seal", "epuap", "the ePUAP seal (O=Ministerstwo Cyfryzacji, CN=ePUAP)")
    issue(
        "cbtd-before-cutoff",
        "cbtd",
        f"NIP {COMPANY_NIP}, issued 2019-03-01 (before the 2024-01-01 cut-off): accepted",
        COMPANY,
        nip=COMPANY_NIP,
        not_before=utc(2019, 3, 1),
    )
    issue(
        "cbtd-after-cutoff",
        "cbtd",
        f"NIP {COMPANY_NIP}, issued 2024-06-01 (after the cut-off): refused",
        COMPANY,
        nip=COMPANY_NIP,
        not_before=utc(2024, 6, 1),
    )
    issue(
        "cbtd-expired",
        "cbtd",
        f"NIP {COMPANY_NIP}, valid 2019-03-01 .. 2025-06-30: expired",
        COMPANY,
        nip=COMPANY_NIP,
        not_before=utc(2019, 3, 1),
        not_after=utc(2025, 6, 30),
    )
    same = f"{person}, PESEL {pesel} (the sc-person's holder)"
    issue(
        "sc-expired",
        "sc",
        f"{same}, valid until 2025-06-30: expired",
        person,
        pesel=pesel,
        not_after=utc(2025, 6, 30),
    )
    issue(
        "sc-not-yet-valid",
        "sc",
        f"{same}, valid from 2044-01-01: not yet valid",
        person,
        pesel=pesel,
        not_before=utc(2044, 1, 1),
    )
    revoked = issue("sc-revoked", "sc", f"{same}, revoked 2025-03-01 (keyCompromise)", person, pesel=pesel)
    suspended = issue(
        "sc-suspended", "sc", f"{same}, suspended 2025-03-01 (certificateHold)", person, pesel=pesel
    )
    issue("sc-rsa1024", "sc", f"{same}, RSA 1024 key: weak", person, pesel=pesel, rsa_bits=1024)
    sc = directory.authority("sc")
    sc.revoke(revoked, x509.ReasonFlags.key_compromise, at=REVOKED_AT)
    sc.suspend(suspended, at=REVOKED_AT)
    directory.save(sc)
    roles.append(no_signing_usage(directory, person, pesel, same))

    # long-lived replacements for what initialise issued with short lifetimes
    tsl = directory.authority("tsl")
    tsl.issue(
        "Trusted List Signer (TEST)",
        kind="tsl",
        rsa_bits=2048,
        not_before=TSL_SIGNER_NOT_BEFORE,
        not_after=NOT_AFTER,
    )
    directory.save(tsl)
    sc = directory.authority("sc")  # no_signing_usage replaced the cached authority
    sc.issue_ocsp_responder(days=(NOT_AFTER - datetime.now(UTC)).days)
    directory.save(sc)

    roles += outside_ca(
        directory_path / "rogue",
        "sc",
        ca_role="rogue-ca",
        person_role="rogue-person",
        ca_note="a self-made CA with the very subject name of the SC CA but its own key: trusted by nobody",
        person_note=f"{same} and SC URLs, but issued by rogue-ca: untrusted",
        name=person,
        pesel=pesel,
    )
    roles += outside_ca(
        directory_path / "fake-qualified",
        "qualified",
        ca_role="fake-qualified-ca",
        person_role="fake-qualified-person",
        ca_note="a self-made 'qualified' CA that is not in the trusted list",
        person_note=(
            f"{QUALIFIED_PERSON[0]}, PNOPL-{QUALIFIED_PERSON[1]}, with QcCompliance/QcSSCD/QcType, "
            "issued by fake-qualified-ca (not in the trusted list): untrusted"
        ),
        name=QUALIFIED_PERSON[0],
        pesel=QUALIFIED_PERSON[1],
        ca_name="Fake Qualified CA (TEST)",
        ca_organization="Not A QTSP (TEST)",
    )

    # as of midnight (UTC) of the build day, so the trusted list's NextUpdate is exactly NEXT_UPDATE
    published = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for kind in AUTHORITY_KINDS:
        directory.publish_crl(kind, published, NEXT_UPDATE)
    directory.publish_trusted_list(published, days=(NEXT_UPDATE - published).days)
    return roles


def no_signing_usage(directory: PkiDirectory, name: str, pesel: str, same: str) -> Role:
    """An sc certificate whose KeyUsage is keyEncipherment only.  ``CertificateAuthority.issue`` always
    sets digitalSignature + nonRepudiation, so the certificate is built here with the sc profile's
    other extensions, signed with the sc CA key, and recorded by rebuilding the authority with it in
    ``issued``/``records`` (the constructor is the public way to hand an authority certificates)."""
    authority = directory.authority("sc")
    key = generate_key(2048)
    serial = x509.random_serial_number()
    while serial in authority.issued:
        serial = x509.random_serial_number()
    builder = (
        x509.CertificateBuilder()
        .subject_name(end_entity_subject("sc", name, pesel=pesel))
        .issuer_name(authority.certificate.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
    )
    issuer_key = authority.certificate.public_key()
    for extension, critical in end_entity_extensions("sc", key.public_key(), issuer_key, authority.base_url):  # type: ignore[arg-type]
        if isinstance(extension, x509.KeyUsage):
            extension = x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            )
        builder = builder.add_extension(extension, critical)
    certificate = builder.sign(authority.private_key, hashes.SHA256())
    rebuilt = CertificateAuthority(
        "sc",
        authority.certificate,
        authority.private_key,
        base_url=authority.base_url,
        issued={**authority.issued, serial: IssuedCertificate(certificate, key, "sc")},
        records={**authority.records, serial: CertificateRecord.for_certificate(certificate, "sc")},
        crl_number=authority.crl_number,
        ocsp_responder_serial=authority.ocsp_responder_serial,
    )
    directory.save(rebuilt)
    path = cert_path(directory, "sc", serial)
    return Role(
        "sc-no-signing-usage",
        "sc",
        serial,
        path,
        path.with_suffix(".key.pem"),
        f"{same}, KeyUsage keyEncipherment only (no digitalSignature, no nonRepudiation)",
    )


def outside_ca(
    folder: Path,
    kind: AuthorityKind,
    *,
    ca_role: str,
    person_role: str,
    ca_note: str,
    person_note: str,
    name: str,
    pesel: str,
    ca_name: str | None = None,
    ca_organization: str | None = None,
) -> list[Role]:
    """A root CA outside the PKI (not an authority of samples/pki) and one certificate from it, with
    the URLs of the genuine authority of ``kind`` so it looks the part.  Written flat into ``folder``."""
    authority = CertificateAuthority.create(
        kind,
        name=ca_name,
        organization=ca_organization,
        not_before=CA_NOT_BEFORE,
        days=(CA_NOT_AFTER - CA_NOT_BEFORE).days,
        base_url=f"{BASE_URL}{kind}/",
    )
    issued = authority.issue(name, pesel=pesel, rsa_bits=2048, not_before=NOT_BEFORE, not_after=NOT_AFTER)
    assert issued.private_key is not None
    folder.mkdir(parents=True)
    ca_cert, ca_key = folder / "ca.pem", folder / "ca.key.pem"
    cert = folder / f"{issued.serial_hex}.pem"
    key = cert.with_suffix(".key.pem")
    ca_cert.write_bytes(certificate_pem(authority.certificate))
    ca_key.write_bytes(private_key_pem(authority.private_key))
    cert.write_bytes(certificate_pem(issued.certificate))
    key.write_bytes(private_key_pem(issued.private_key))
    (folder / "README.txt").write_text(
        f"{WARNING}\n\nNOT an authority of samples/pki: {ca_note}.\n"
        f"  ca.pem, ca.key.pem: {ca_role}\n"
        f"  {cert.name}, {key.name}: {person_role}\n",
        encoding="utf-8",
    )
    return [
        Role(ca_role, kind, authority.certificate.serial_number, ca_cert, ca_key, ca_note),
        Role(person_role, kind, issued.serial, cert, key, person_note),
    ]


# -- INDEX.toml and README.md ------------------------------------------------------------------------------


def toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def write_index(path: Path, roles: list[Role]) -> None:
    lines = [
        f"# {WARNING}",
        "# Made by samples/build_pki.py. role = { kind, serial (upper-case hex), cert, key, note };",
        "# cert and key are relative to this folder. kind is the signer kind the certificate claims",
        "# (sc, qualified, epuap, cbtd).",
        "",
    ]
    for role in roles:
        fields = {
            "kind": role.kind,
            "serial": serial_hex(role.serial),
            "cert": role.cert.relative_to(path.parent).as_posix(),
            "key": role.key.relative_to(path.parent).as_posix(),
            "note": role.note,
        }
        body = ", ".join(f"{field} = {toml_string(value)}" for field, value in fields.items())
        lines.append(f"{role.name} = {{ {body} }}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


README = """{warning}

The certificates and keys here sign the committed sample messages (samples/valid, samples/errors).
The private keys are stored unencrypted on purpose and are published with the repository: anything
signed with them proves nothing. Made by `samples/build_pki.py`.

Layout: what `gateway pki init` makes (one folder per authority: sc, qualified, epuap, cbtd, tsl, with
ca.pem, ca.key.pem, issued.json, certs/SERIAL.pem and certs/SERIAL.key.pem, ca.crl; the signed trusted
list is tsl/trusted-list.xml), so `pki_dir = "samples/pki"` trusts these authorities. Two folders are
deliberately NOT authorities of this PKI: rogue/ and fake-qualified/.

- authorities valid 2019-01-01 .. 2045-01-01; CRLs and the trusted list have next update 2045-01-01;
  the trusted-list signer is valid until 2045-01-01, the sc OCSP responder until the end of 2044
- base URL http://127.0.0.1:8080/pki/ (CRL at <kind>/ca.crl, OCSP at <kind>/ocsp)
- signer keys are RSA 2048 (deterministic PKCS#1 v1.5 signatures), except sc-rsa1024
- unless stated otherwise a certificate is valid 2025-01-01 .. 2045-01-01

Roles (INDEX.toml maps each to kind, serial, cert and key):

{roles}

Regenerate with `.venv/bin/python samples/build_pki.py --force` (from the project root). That makes
new keys and changes every certificate: the samples must then be re-signed with
`samples/build_samples.py`. `samples/build_pki.py --check` verifies the folder as it is.
"""


def write_readme(path: Path, roles: list[Role]) -> None:
    listing = "\n".join(f"- `{role.name}` ({role.kind}): {role.note}" for role in roles)
    path.write_text(README.format(warning=WARNING, roles=listing), encoding="utf-8")


# -- checking -----------------------------------------------------------------------------------------


def check(path: Path) -> list[str]:
    """Loads the PKI back and checks what the samples rely on; returns the problems found."""
    problems: list[str] = []
    index = tomllib.loads((path / "INDEX.toml").read_text(encoding="utf-8"))
    directory = PkiDirectory(path)
    cas: dict[str, x509.Certificate] = {
        kind: directory.authority(kind).certificate for kind in AUTHORITY_KINDS
    }
    outside = {"rogue-person": "rogue-ca", "fake-qualified-person": "fake-qualified-ca"}

    def load(role: str) -> x509.Certificate:
        return x509.load_pem_x509_certificate((path / index[role]["cert"]).read_bytes())

    for role, entry in index.items():
        cert = load(role)
        if serial_hex(cert.serial_number) != entry["serial"]:
            problems.append(f"{role}: serial {serial_hex(cert.serial_number)} != {entry['serial']}")
        if not (path / entry["key"]).is_file():
            problems.append(f"{role}: no key {entry['key']}")
        if role.endswith("-ca"):
            issuer = cert  # self-signed
        elif role in outside:
            issuer = load(outside[role])
        else:
            issuer = cas[entry["kind"]]
            if serial_hex(cert.serial_number) not in _issued_json(directory, entry["kind"]):
                problems.append(f"{role}: not in {entry['kind']}/issued.json")
        try:
            cert.verify_directly_issued_by(issuer)
        except Exception as exc:
            problems.append(f"{role}: does not chain to its CA: {exc!r}")
        if role in outside or role.endswith("-ca"):
            for ca in cas.values():
                try:
                    cert.verify_directly_issued_by(ca)
                except Exception:
                    continue
                problems.append(f"{role}: unexpectedly verifies against {ca.subject.rfc4514_string()}")
    for kind, ca in cas.items():
        crl = x509.load_der_x509_crl((path / kind / "ca.crl").read_bytes())
        if not crl.is_signature_valid(ca.public_key()):  # type: ignore[arg-type]
            problems.append(f"{kind}/ca.crl: bad signature")
        if crl.next_update_utc is None or crl.next_update_utc < NEXT_UPDATE:
            problems.append(f"{kind}/ca.crl: next update {crl.next_update_utc}")
    crl = x509.load_der_x509_crl((directory.folder("sc") / "ca.crl").read_bytes())
    for role, reason in (
        ("sc-revoked", x509.ReasonFlags.key_compromise),
        ("sc-suspended", x509.ReasonFlags.certificate_hold),
    ):
        entry = crl.get_revoked_certificate_by_serial_number(load(role).serial_number)
        got = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason if entry else None
        if got is not reason:
            problems.append(f"{role}: sc CRL has reason {got}, expected {reason}")
    for role in ("sc-person", "sc-agent", "sc-no-signing-usage"):
        if crl.get_revoked_certificate_by_serial_number(load(role).serial_number) is not None:
            problems.append(f"{role}: listed in the sc CRL")
    signer = directory.tsl_signer().certificate
    if signer.not_valid_after_utc < NOT_AFTER:
        problems.append(f"trusted-list signer expires {signer.not_valid_after_utc}")
    listed = read_trusted_list(directory.trusted_list_path.read_bytes(), signer)
    if cas["qualified"] not in listed:
        problems.append("the trusted list does not list the qualified CA")
    if load("fake-qualified-ca") in listed:
        problems.append("the trusted list lists the fake qualified CA")
    try:
        load("fake-qualified-person").extensions.get_extension_for_oid(OID_QC_STATEMENTS)
    except x509.ExtensionNotFound:
        problems.append("fake-qualified-person has no QCStatements")
    usage = load("sc-no-signing-usage").extensions.get_extension_for_class(x509.KeyUsage).value
    if usage.digital_signature or usage.content_commitment:
        problems.append("sc-no-signing-usage has a signing key usage")
    responder = directory.authority("sc").ocsp_responder_serial
    sc = directory.authority("sc")
    if responder is None or sc.get(responder).certificate.not_valid_after_utc < utc(2044, 1, 1):
        problems.append("the sc OCSP responder is not long-lived")
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    if size > 200_000:
        problems.append(f"samples/pki holds {size} bytes")
    return problems


def _issued_json(directory: PkiDirectory, kind: str) -> set[str]:
    return {serial_hex(serial) for serial in directory.authority(kind).records}  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--force", action="store_true", help="replace an existing samples/pki")
    parser.add_argument("--check", action="store_true", help="only verify the existing samples/pki")
    args = parser.parse_args(argv)
    if not args.check:
        if PKI.exists():
            if not args.force:
                print(f"{PKI} exists; --force replaces it (and every certificate changes)", file=sys.stderr)
                return 1
            shutil.rmtree(PKI)
        roles = build(PKI)
        write_index(PKI / "INDEX.toml", roles)
        write_readme(PKI / "README.md", roles)
    problems = check(PKI)
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    if problems:
        return 1
    size = sum(f.stat().st_size for f in PKI.rglob("*") if f.is_file())
    print(f"{PKI}: ok ({size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
