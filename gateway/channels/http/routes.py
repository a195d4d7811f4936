"""The HTTP API of SPEC.md section 2 (aiohttp)."""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy import text

from gateway.adapters.receipt_signer import ReceiptSigner
from gateway.adapters.storage.access import not_readable, readers_of
from gateway.adapters.storage.documents import DocumentQuery, StoredDocument
from gateway.adapters.storage.outbox import outbox_backlog
from gateway.channels.http import keys
from gateway.channels.http.problems import error_response, problem_response, refusal_response
from gateway.core.domain import SYSTEMS, Receipt, Sender, Status
from gateway.core.errors import (
    BadRequest,
    ErrorDetail,
    GatewayError,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    error_class_for,
)
from gateway.services.submission import Outcome, Submitted

log = logging.getLogger(__name__)

XML_MEDIA_TYPES = frozenset({"application/xml", "text/xml"})
READ_CHUNK = 256 * 1024
DEFAULT_PAGE = 50
MAX_PAGE = 500

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/v1/documents", post_document)
    app.router.add_get("/api/v1/documents", list_documents)
    app.router.add_get("/api/v1/documents/{reference}", get_document)
    app.router.add_get("/api/v1/documents/{reference}/upo", get_receipt)
    app.router.add_get("/receipts/certificate.pem", receipt_certificate)
    app.router.add_get("/api/v1/me", me)
    app.router.add_post("/api/v1/me/link", link_me)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    # here, not at the top: these modules build on this one
    from gateway.channels.http.admin import add_admin_routes
    from gateway.channels.http.mailbox import add_mailbox_routes

    add_admin_routes(app)
    add_mailbox_routes(app)


@web.middleware
async def problems_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    try:
        response = await handler(request)
    except GatewayError as error:
        response = error_response(error)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = exc.reason.upper().replace(" ", "_")
        response = problem_response(code, exc.status, exc.reason, exc.text or exc.reason, ())
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        response = problem_response("INTERNAL", 500, "Internal error", "unexpected error; see the logs", ())
    resource = request.match_info.route.resource
    route = resource.canonical if resource is not None else "unmatched"
    request.app[keys.METRICS].requests.labels(route, request.method, str(response.status)).observe(
        time.perf_counter() - started
    )
    return response


async def authenticate(request: web.Request) -> Sender:
    return await request.app[keys.ACCOUNTS].authenticate(request.headers.get("Authorization"))


async def read_body(request: web.Request, limit: int) -> bytes:
    """The body, refused as soon as it is known to pass ``limit``: never read whole when too large."""
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"the body has {request.content_length} bytes; at most {limit} are accepted")
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(READ_CHUNK):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body passes {limit} bytes, the most that is accepted")
        chunks.append(chunk)
    return b"".join(chunks)


async def post_document(request: web.Request) -> web.StreamResponse:
    sender = await authenticate(request)
    if request.content_type not in XML_MEDIA_TYPES:
        given = request.content_type or "(none)"
        raise UnsupportedMediaType(f"Content-Type {given} is not accepted; send application/xml or text/xml")
    dry_run = _flag(request.query.get("dry_run"))
    body = await read_body(request, request.app[keys.SETTINGS].server.max_body_bytes)
    submitted = await request.app[keys.INTAKE].submit(sender, body, dry_run=dry_run)
    if submitted.outcome is not Outcome.DRY_RUN and wants_xml(request):
        return await receipt_response(request, submitted)
    return submission_response(submitted)


def wants_xml(request: web.Request) -> bool:
    """Whether the client put an XML type before JSON in ``Accept`` (no weights: first named wins)."""
    for item in request.headers.get("Accept", "").split(","):
        media_type = item.split(";")[0].strip().lower()
        if media_type in XML_MEDIA_TYPES:
            return True
        if media_type.endswith("json"):
            return False
    return False


async def receipt_response(request: web.Request, submitted: Submitted) -> web.Response:
    """The signed UPO or NPP as the answer to a POST, with the status the JSON answer would have."""
    status = submission_status(submitted)
    receipts = request.app[keys.RECEIPTS]
    receipt = submitted.receipt
    if receipt is None:
        body = await receipts.for_unstored(submitted.verdict, submitted.received_at)
        return xml_receipt(body, None, status)
    just_stored = submitted.outcome is not Outcome.DUPLICATE
    body = await receipts.for_document(receipt, just_stored=just_stored)
    return xml_receipt(body, receipt.reference, status, document_links(receipt.reference))


def xml_receipt(
    body: bytes, reference: str | None, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    response = web.Response(
        body=body, status=status, content_type="application/xml", charset="utf-8", headers=headers
    )
    if reference is not None:
        response.headers["X-Reference"] = reference
    return response


REFUSED = frozenset({Outcome.NOT_STORED, Outcome.REJECTED, Outcome.CONFLICT})


def submission_status(submitted: Submitted) -> int:
    """The HTTP status of a submission's answer, JSON or receipt alike."""
    if submitted.outcome in REFUSED:
        assert submitted.verdict.refusal is not None
        return error_class_for(submitted.verdict.refusal).status
    return 202 if submitted.outcome is Outcome.NEW else 200


def submission_response(submitted: Submitted) -> web.Response:
    receipt = submitted.receipt
    if submitted.outcome is Outcome.DRY_RUN:
        return web.json_response(dry_run_verdict(submitted))
    if submitted.outcome in REFUSED:
        return refusal_response(submitted.verdict, receipt.reference if receipt else None)
    assert receipt is not None
    status = submission_status(submitted)
    return web.json_response(receipt.as_dict(), status=status, headers=document_links(receipt.reference))


def document_links(reference: str) -> dict[str, str]:
    """Where the stored document and its signed receipt are."""
    location = f"/api/v1/documents/{reference}"
    return {"Location": location, "Link": f'<{location}/upo>; rel="receipt"; type="application/xml"'}


def dry_run_verdict(submitted: Submitted) -> dict[str, Any]:
    verdict, duplicate = submitted.verdict, submitted.duplicate_of
    errors = list(verdict.errors)
    warnings = list(verdict.warnings)
    if verdict.accepted and duplicate is not None:
        if duplicate.verdict.digest == verdict.digest:
            warnings.append(f"DUPLICATE: the same document was stored as {duplicate.reference}")
        else:
            errors.append(
                ErrorDetail(
                    "DUPLICATE_CONFLICT",
                    f"message identifier already used for other content (document {duplicate.reference})",
                )
            )
    envelope, ident = verdict.envelope, verdict.identification
    return {
        "dry_run": True,
        "status": "accepted" if not errors else "rejected",
        "code": verdict.refusal or (errors[0].code if errors else None),
        "system": ident.system,
        "message_type": ident.message_type,
        "schema_version": ident.schema_version,
        "message_id": envelope.message_id if envelope else None,
        "lrn": envelope.lrn if envelope else None,
        "arc": envelope.arc if envelope else None,
        "digest": verdict.digest,
        "signer": verdict.signer.as_dict() if verdict.signer else None,
        "acting_for": envelope.acting_for if envelope else None,
        "route": verdict.route.as_dict() if verdict.route and not errors else None,
        "warnings": warnings,
        "errors": [e.as_dict() for e in errors],
    }


async def get_document(request: web.Request) -> web.StreamResponse:
    stored = await readable_document(request)
    links = {"Link": document_links(stored.receipt.reference)["Link"]}
    return web.json_response(status_json(stored.receipt), headers=links)


async def get_receipt(request: web.Request) -> web.StreamResponse:
    """The document's signed UPO (received) or NPP (refused)."""
    stored = await readable_document(request, with_responses=False)  # a receipt does not list them
    body = await request.app[keys.RECEIPTS].for_document(stored.receipt)
    return xml_receipt(body, stored.receipt.reference)


async def receipt_certificate(request: web.Request) -> web.StreamResponse:
    """The certificate receipts are signed with, and its chain: what ``gateway upo verify`` pins.
    Public, like any certificate, so that anyone holding a receipt can check it."""
    pem = request.app[keys.RECEIPTS].signer.certificates_pem()
    return web.Response(body=pem, content_type="application/x-pem-file")


async def readable_document(request: web.Request, *, with_responses: bool = True) -> StoredDocument:
    """The document of the path, if the calling account may read it (``FORBIDDEN`` if not)."""
    sender = await authenticate(request)
    reference = request.match_info["reference"]
    stored = await request.app[keys.STORE].get(reference, with_responses=with_responses)
    if stored is None:
        raise NotFound(f"no document {reference}")
    if stored.sender_account_id != sender.account_id:
        readers = await readers_of(request.app[keys.SESSIONS], sender.account_id, datetime.now(UTC))
        if not readers.may_read(
            stored.sender_account_id, stored.podmiot_id, stored.receipt.verdict.identification.system
        ):
            raise not_readable(reference)
    return stored


def status_json(receipt: Receipt) -> dict[str, Any]:
    return {**receipt.as_dict(), "responses": list(receipt.responses)}


async def list_documents(request: web.Request) -> web.StreamResponse:
    sender = await authenticate(request)
    query = request.query
    system = query.get("system") or None
    if system is not None and system not in SYSTEMS:
        raise BadRequest(f"system must be one of {', '.join(SYSTEMS)}")
    status = query.get("status") or None
    if status is not None and status not in {s.value for s in Status}:
        raise BadRequest(f"status must be one of {', '.join(s.value for s in Status)}")
    limit = _int(query.get("limit"), DEFAULT_PAGE, "limit")
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {MAX_PAGE}")
    readers = await readers_of(request.app[keys.SESSIONS], sender.account_id, datetime.now(UTC))
    page = await request.app[keys.STORE].list(
        DocumentQuery(
            readable=readers.condition(),
            acting_for=query.get("acting_for") or None,
            system=system,
            status=status,
            since=_datetime(query.get("since"), "since"),
            after=_decode_cursor(query.get("cursor")),
            limit=limit + 1,
        )
    )
    has_next = len(page) > limit
    items = page[:limit]
    next_cursor = _encode_cursor(items[-1]) if has_next else None
    return web.json_response(
        {"items": [r.as_dict() for r in items], "has_next": has_next, "next_cursor": next_cursor}
    )


async def me(request: web.Request) -> web.StreamResponse:
    """The account, its person and the Podmioty it acts for with its rights: what a user checks
    after linking migrated PDR data."""
    sender = await authenticate(request)
    return web.json_response(await request.app[keys.REGISTRY].me(sender.account_id))


async def link_me(request: web.Request) -> web.StreamResponse:
    """Links the calling account to the person migrated from PDR: ``{"pesel": ..., "code": ...}``."""
    sender = await authenticate(request)
    body = await json_body(request, {"pesel": str, "code": str})
    await request.app[keys.REGISTRY].link_account(sender.login, body["pesel"], body["code"])
    return web.json_response(await request.app[keys.REGISTRY].me(sender.account_id))


async def json_body(request: web.Request, fields: Mapping[str, type]) -> dict[str, Any]:
    """A JSON object body with (at least) ``fields`` of the given types."""
    try:
        body = await request.json()
    except ValueError:
        raise BadRequest("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    for name, kind in fields.items():
        if not isinstance(body.get(name), kind):
            raise BadRequest(f"{name} is required ({kind.__name__})")
    return body


async def healthz(request: web.Request) -> web.StreamResponse:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.StreamResponse:
    """Ready means: documents can be accepted (the database answers).  The broker being away does
    not make the gateway unready, since the outbox holds messages until it is back; it is reported.
    """
    checks: dict[str, Any] = {}
    database_ok = True
    try:
        async with request.app[keys.SESSIONS]() as session:
            await session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except Exception as exc:
        database_ok = False
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    broker = request.app.get(keys.BROKER)
    checks["broker"] = {"ok": broker.connected} if broker is not None else {"ok": None, "relay": "disabled"}
    if database_ok:
        backlog = await outbox_backlog(request.app[keys.SESSIONS])
        checks["outbox"] = {
            "pending": backlog.pending,
            "oldest_seconds": round(backlog.oldest_seconds(datetime.now(UTC)), 3),
        }
    checks["receipts"] = receipt_signer_check(request.app[keys.RECEIPTS].signer)
    degraded = checks["broker"]["ok"] is False or not checks["receipts"]["ok"]
    status = "degraded" if degraded else "ready"
    if not database_ok:
        status = "unavailable"
    return web.json_response({"status": status, "checks": checks}, status=200 if database_ok else 503)


def receipt_signer_check(signer: ReceiptSigner) -> dict[str, Any]:
    """What an operator needs to know of the receipt key: which one, a demo or not, until when."""
    return {
        "ok": signer.seconds_left(datetime.now(UTC)) > 0,
        "certificate": signer.fingerprint,
        "demo": signer.demo,
        "expires": signer.certificate.not_valid_after_utc.isoformat(),
    }


async def metrics(request: web.Request) -> web.StreamResponse:
    registry = request.app[keys.METRICS]
    broker = request.app.get(keys.BROKER)
    try:
        backlog = await outbox_backlog(request.app[keys.SESSIONS])
        registry.backlog.set(backlog.pending)
        registry.backlog_age.set(backlog.oldest_seconds(datetime.now(UTC)))
    except Exception:
        log.warning("outbox backlog not available for metrics")
    registry.broker_connected.set(1 if broker is not None and broker.connected else 0)
    signer = request.app[keys.RECEIPTS].signer
    registry.receipt_certificate_expiry.set(signer.seconds_left(datetime.now(UTC)))
    return web.Response(body=registry.render(), content_type="text/plain", charset="utf-8")


def _flag(value: str | None) -> bool:
    return (value or "").lower() in {"1", "true", "yes"}


def _int(value: str | None, default: int, name: str) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number") from None


def _datetime(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{name} must be an RFC 3339 date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _encode_cursor(receipt: Receipt) -> str:
    raw = json.dumps([receipt.received_at.isoformat(), receipt.reference]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(value: str | None) -> tuple[datetime, str] | None:
    if not value:
        return None
    try:
        at, reference = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
        moment = datetime.fromisoformat(str(at).replace("Z", "+00:00"))
        return moment, str(reference)
    except (ValueError, TypeError):
        raise BadRequest("cursor is not one this gateway gave out") from None
