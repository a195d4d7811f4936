"""``gateway pki ...``: the demo/test PKI on the command line (SPEC.md section 4)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from cryptography import x509

from gateway.channels.cli.common import USAGE_ERROR_CODE, print_error
from gateway.core.xmldsig.signing import podpis_zp, sign_xades
from gateway.demo.pki.profiles import AUTHORITY_KINDS, AuthorityKind
from gateway.demo.pki.records import CertificateRecord, parse_reason, parse_serial, serial_hex
from gateway.demo.pki.store import DEFAULT_BASE_URL, PkiDirectory

Run = Callable[[argparse.Namespace, object], int]


def add_pki_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds ``pki init|issue|revoke|suspend|release|crl|sign``; each sets ``run(args, settings) -> int``."""
    pki = commands.add_parser("pki", help="the demo/test PKI (TEST KEYS, never production)").add_subparsers(
        required=True, metavar="ACTION"
    )

    init = _action(pki, "init", "create all authorities, the TSL signer, CRLs and the trusted list", _init)
    init.add_argument(
        "--base-url", default=DEFAULT_BASE_URL, help=f"URL folder of the PKI (default {DEFAULT_BASE_URL})"
    )

    issue = _action(pki, "issue", "issue a certificate (key generated unless --csr)", _issue)
    _kind(issue)
    issue.add_argument("--name", default=None, help="subject CN (required except for epuap)")
    issue.add_argument("--pesel", default=None, help="the holder's PESEL (sc, qualified)")
    issue.add_argument("--nip", default=None, help="the organization's NIP (epuap seals, cbtd)")
    issue.add_argument("--organization", default=None, help="subject O: the organization")
    issue.add_argument("--csr", type=Path, default=None, help="PEM or DER certificate signing request")
    issue.add_argument("--not-before", type=_datetime, default=None, help="ISO 8601 (naive = UTC)")
    issue.add_argument("--days", type=int, default=365, help="validity in days (default 365)")
    issue.add_argument(
        "--rsa", type=int, default=None, metavar="BITS", help="RSA key of BITS instead of EC P-256"
    )

    receipts = _action(
        pki, "receipt-signer", "issue the gateway's receipt-signing certificate (customs CA)", _receipt_signer
    )
    receipts.add_argument("--name", default="customs-gateway receipts (TEST)", help="subject CN")
    receipts.add_argument("--days", type=int, default=365, help="validity in days (default 365)")

    revoke = _action(pki, "revoke", "revoke a certificate and republish the CRL", _revoke)
    _kind(revoke)
    revoke.add_argument("serial", help="the certificate's serial number (hex)")
    revoke.add_argument("--reason", default="unspecified", help="e.g. keyCompromise, superseded")
    for name, run, help_text in (
        ("suspend", _suspend, "put a certificate on hold and republish the CRL"),
        ("release", _release, "lift a hold and republish the CRL"),
    ):
        action = _action(pki, name, help_text, run)
        _kind(action)
        action.add_argument("serial", help="the certificate's serial number (hex)")

    crl = _action(pki, "crl", "publish a fresh CRL (to <DIR>/<kind>/ca.crl and --out)", _crl)
    _kind(crl)
    crl.add_argument("--out", type=Path, default=None, help="also write the CRL to this file")

    sign = _action(pki, "sign", "XAdES-BES sign an XML file with an issued certificate", _sign)
    _kind(sign)
    sign.add_argument("--serial", required=True, help="the serial number (hex) of the signing certificate")
    sign.add_argument("file", type=Path, help="the XML file to sign")
    sign.add_argument("--out", type=Path, default=None, help="default: standard output")
    sign.add_argument("--signing-time", type=_datetime, default=None, help="ISO 8601 (default now)")
    sign.add_argument(
        "--podpiszp",
        default=None,
        metavar="IMIE,NAZWISKO,PESEL,ACCOUNT",
        help="add an ePUAP PodpisZP claimed role",
    )


def _action(
    pki: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_text: str, run: Run
) -> argparse.ArgumentParser:
    parser = pki.add_parser(name, help=help_text)
    parser.add_argument("directory", type=Path, metavar="DIR", help="the PKI's folder, e.g. samples/pki")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(run=_guarded(run))
    return parser


def _kind(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kind", required=True, choices=AUTHORITY_KINDS, help="which authority")


def _guarded(run: Run) -> Run:
    def guarded(args: argparse.Namespace, settings: object) -> int:
        try:
            return run(args, settings)
        except (ValueError, KeyError, LookupError, OSError) as exc:
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            print_error(USAGE_ERROR_CODE, str(message), args.json, prefix="gateway pki")
            return 1

    return guarded


def _init(args: argparse.Namespace, settings: object) -> int:
    directory = PkiDirectory.initialise(args.directory, base_url=args.base_url)
    authorities = {}
    for kind in AUTHORITY_KINDS:
        authority = directory.authority(kind)
        authorities[kind] = {
            "subject": authority.certificate.subject.rfc4514_string(),
            "certificate": str(directory.folder(kind) / "ca.pem"),
            "base_url": authority.base_url,
        }
    result = {
        "directory": str(directory.path),
        "authorities": authorities,
        "tsl_signer": serial_hex(directory.tsl_signer().serial),
        "ocsp_responder": serial_hex(directory.authority("sc").ocsp_responder_serial or 0),
        "trusted_list": str(directory.trusted_list_path),
    }
    _print(args, result, [f"{kind}: {info['subject']}" for kind, info in authorities.items()])
    return 0


def _issue(args: argparse.Namespace, settings: object) -> int:
    directory = PkiDirectory(args.directory)
    authority = directory.authority(cast(AuthorityKind, args.kind))
    csr = _load_csr(args.csr) if args.csr is not None else None
    issued = authority.issue(
        args.name,
        pesel=args.pesel,
        nip=args.nip,
        organization=args.organization,
        csr=csr,
        rsa_bits=args.rsa,
        not_before=args.not_before,
        days=args.days,
    )
    directory.save(authority)
    cert_path = directory.folder(authority.kind) / "certs" / f"{issued.serial_hex}.pem"
    result = {
        **_record_json(authority.record(issued.serial)),
        "certificate": str(cert_path),
        "key": str(cert_path.with_suffix(".key.pem")) if issued.private_key is not None else None,
    }
    _print(args, result, [f"serial {issued.serial_hex}", f"fingerprint {issued.fingerprint}"])
    return 0


def _receipt_signer(args: argparse.Namespace, settings: object) -> int:
    """Issues a receipt signer from the sc authority and prints the ``[receipts]`` settings for it."""
    directory = PkiDirectory(args.directory)
    authority = directory.authority("sc")
    issued = authority.issue(args.name, kind="receipt", days=args.days)
    directory.save(authority)
    certificate = (directory.folder("sc") / "certs" / f"{issued.serial_hex}.pem").resolve()
    result = {
        "serial": issued.serial_hex,
        "fingerprint": issued.fingerprint,
        "key": str(certificate.with_suffix(".key.pem")),
        "certificate": str(certificate),
        "chain": [str((directory.folder("sc") / "ca.pem").resolve())],
    }
    settings_lines = [
        "[receipts]",
        f'key = "{result["key"]}"',
        f'certificate = "{result["certificate"]}"',
        f'chain = ["{result["chain"][0]}"]',
    ]
    _print(args, result, [f"# receipt signer {issued.serial_hex} ({issued.fingerprint})", *settings_lines])
    return 0


def _revoke(args: argparse.Namespace, settings: object) -> int:
    reason = parse_reason(args.reason)
    return _change(args, lambda authority, serial: authority.revoke(serial, reason))


def _suspend(args: argparse.Namespace, settings: object) -> int:
    return _change(args, lambda authority, serial: authority.suspend(serial))


def _release(args: argparse.Namespace, settings: object) -> int:
    return _change(args, lambda authority, serial: authority.release(serial))


def _change(args: argparse.Namespace, change: Callable[[Any, int], CertificateRecord]) -> int:
    directory = PkiDirectory(args.directory)
    kind = cast(AuthorityKind, args.kind)
    authority = directory.authority(kind)
    record = change(authority, parse_serial(args.serial))
    directory.save(authority)
    crl_path = directory.publish_crl(kind)
    result = {**_record_json(record), "crl": str(crl_path)}
    _print(args, result, [f"serial {serial_hex(record.serial)}: {record.status}", f"CRL {crl_path}"])
    return 0


def _crl(args: argparse.Namespace, settings: object) -> int:
    directory = PkiDirectory(args.directory)
    kind = cast(AuthorityKind, args.kind)
    path = directory.publish_crl(kind)
    if args.out is not None:
        args.out.write_bytes(path.read_bytes())
        path = args.out
    crl = x509.load_der_x509_crl(path.read_bytes())
    number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    revoked = [serial_hex(entry.serial_number) for entry in crl]
    result = {"crl": str(path), "number": number, "revoked": revoked}
    _print(args, result, [f"CRL {number} with {len(revoked)} entries: {path}"])
    return 0


def _sign(args: argparse.Namespace, settings: object) -> int:
    directory = PkiDirectory(args.directory)
    issued = directory.authority(cast(AuthorityKind, args.kind)).get(parse_serial(args.serial))
    if issued.private_key is None:
        raise ValueError(f"the key of certificate {issued.serial_hex} is not in {args.directory}")
    signing_time = args.signing_time or datetime.now(UTC)
    roles = None
    if args.podpiszp is not None:
        parts = [part.strip() for part in args.podpiszp.split(",")]
        if len(parts) != 4:
            raise ValueError('--podpiszp needs "Imie,Nazwisko,PESEL,ACCOUNT"')
        roles = [podpis_zp(*parts, signed_at=signing_time)]
    signed = sign_xades(
        args.file.read_bytes(),
        issued.private_key,
        issued.certificate,
        signing_time=signing_time,
        claimed_roles=roles,
    )
    if args.out is None:
        sys.stdout.buffer.write(signed)
        sys.stdout.flush()
        return 0
    args.out.write_bytes(signed)
    result = {"signed": str(args.out), "serial": issued.serial_hex, "fingerprint": issued.fingerprint}
    _print(args, result, [f"signed {args.out} with {issued.serial_hex}"])
    return 0


def _record_json(record: CertificateRecord) -> dict[str, Any]:
    return {"serial": serial_hex(record.serial), **record.to_json()}


def _load_csr(path: Path) -> x509.CertificateSigningRequest:
    data = path.read_bytes()
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_csr(data)
    return x509.load_der_x509_csr(data)


def _datetime(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _print(args: argparse.Namespace, result: dict[str, Any], lines: list[str]) -> None:
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print("\n".join(lines))
