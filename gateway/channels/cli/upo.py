"""``gateway upo verify FILE [--document FILE]``: checks a receipt offline."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cryptography import x509

from gateway.config import Settings
from gateway.core.receipts.verify import ReceiptNotVerified, verify_receipt


def add_upo_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    upo = commands.add_parser("upo", help="the gateway's signed receipts (UPO and NPP)").add_subparsers(
        required=True, metavar="ACTION"
    )
    verify = upo.add_parser(
        "verify", help="check a receipt's signature and, given the document, that it answers it"
    )
    verify.add_argument("file", type=Path, help="the UPO or NPP")
    verify.add_argument("--document", type=Path, default=None, help="the document the receipt answers")
    verify.add_argument(
        "--certificate",
        type=Path,
        action="append",
        default=None,
        help="PEM with the gateway's receipt certificate or its issuer (repeatable; default: the "
        "configured receipt signer; a gateway serves it at /receipts/certificate.pem)",
    )
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.set_defaults(run=_verify)


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.bootstrap import receipt_certificates

    paths = args.certificate or receipt_certificates(settings.receipts)
    trusted = [cert for path in paths for cert in x509.load_pem_x509_certificates(path.read_bytes())]
    document = args.document.read_bytes() if args.document is not None else None
    try:
        verified = verify_receipt(args.file.read_bytes(), trusted, document)
    except ReceiptNotVerified as exc:
        if args.json:
            print(json.dumps({"valid": False, "code": str(exc.failure), "message": exc.message}))
        else:
            print(f"{args.file}: NOT VALID: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(verified.as_dict(), indent=2, ensure_ascii=False))
        return 0
    answered = {True: "; the document matches its digest", None: ""}[verified.document_matches]
    print(
        f"{args.file}: valid {verified.kind} {verified.reference or '(document not kept)'} "
        f"({verified.status}), signed {verified.signed_at.isoformat()} by "
        f"{verified.signer.subject.rfc4514_string()}{answered}"
    )
    return 0
