"""``/api/v1/documents``: submit, read, list, and the signed receipts (SPEC.md section 2)."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from gateway.channels.http.problems import refusal_response, submission_status
from gateway.channels.http.requests import (
    XML_MEDIA_TYPES,
    caller,
    flag,
    moment,
    read_body,
    services,
    wants_xml,
    whole_number,
)
from gateway.core.errors import UnsupportedMediaType, XmlMalformed
from gateway.core.paging import DEFAULT_PAGE
from gateway.core.verdicts import receipt_json, verdict_json
from gateway.services.documents import DocumentFilter
from gateway.services.submission import Outcome, Submitted


def add_document_routes(app: web.Application) -> None:
    app.router.add_post("/api/v1/documents", post_document)
    app.router.add_get("/api/v1/documents", list_documents)
    app.router.add_get("/api/v1/documents/{reference}", get_document)
    app.router.add_get("/api/v1/documents/{reference}/upo", get_receipt)
    app.router.add_get("/receipts/certificate.pem", receipt_certificate)


async def post_document(request: web.Request) -> web.StreamResponse:
    sender = await caller(request)
    if request.content_type not in XML_MEDIA_TYPES:
        given = request.content_type or "(none)"
        raise UnsupportedMediaType(f"Content-Type {given} is not accepted; send application/xml or text/xml")
    dry_run = flag(request.query.get("dry_run"))
    submitted = await services(request).submissions.submit(
        sender, await read_body(request, undecodable=XmlMalformed), dry_run=dry_run
    )
    if submitted.outcome is Outcome.DRY_RUN:
        return web.json_response(dry_run_json(submitted))
    if wants_xml(request):
        return await receipt_answer(request, submitted)
    if submitted.outcome.refused:
        return refusal_response(submitted.verdict, submitted.receipt.reference if submitted.receipt else None)
    assert submitted.receipt is not None
    reference = submitted.receipt.reference
    return web.json_response(
        receipt_json(submitted.receipt),
        status=submission_status(submitted),
        headers=document_links(reference),
    )


async def receipt_answer(request: web.Request, submitted: Submitted) -> web.Response:
    """The signed UPO or NPP as the answer to a POST, with the status the JSON answer would have."""
    receipts = services(request).receipts
    stored = submitted.receipt
    status = submission_status(submitted)
    if stored is None:
        return xml_receipt(
            await receipts.for_unstored(submitted.verdict, submitted.received_at), None, status
        )
    body = await receipts.for_document(stored, just_stored=submitted.outcome is not Outcome.DUPLICATE)
    return xml_receipt(body, stored.reference, status, document_links(stored.reference))


def dry_run_json(submitted: Submitted) -> dict[str, object]:
    verdict = submitted.verdict
    fields = verdict_json(verdict)
    errors = verdict.errors
    return {
        "dry_run": True,
        **fields,
        "status": "accepted" if not errors else "rejected",
        "code": verdict.refusal or (errors[0].code if errors else None),
    }


def xml_receipt(
    body: bytes, reference: str | None, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    response = web.Response(
        body=body, status=status, content_type="application/xml", charset="utf-8", headers=headers
    )
    if reference is not None:
        response.headers["X-Reference"] = reference
    return response


def document_links(reference: str) -> dict[str, str]:
    """Where the stored document and its signed receipt are."""
    location = f"/api/v1/documents/{reference}"
    return {"Location": location, "Link": f'<{location}/upo>; rel="receipt"; type="application/xml"'}


async def get_document(request: web.Request) -> web.StreamResponse:
    reference = request.match_info["reference"]
    receipt = await services(request).documents.status(await caller(request), reference)
    body = {**receipt_json(receipt), "responses": list(receipt.responses)}
    return web.json_response(body, headers={"Link": document_links(reference)["Link"]})


async def get_receipt(request: web.Request) -> web.StreamResponse:
    """The document's signed UPO (received) or NPP (refused)."""
    reference = request.match_info["reference"]
    body = await services(request).documents.receipt(await caller(request), reference)
    return xml_receipt(body, reference)


async def receipt_certificate(request: web.Request) -> web.StreamResponse:
    """The certificate receipts are signed with, and its chain: what ``gateway upo verify`` pins.
    Public, like any certificate, so that anyone holding a receipt can check it."""
    pem = services(request).receipts.signer.certificates_pem()
    return web.Response(body=pem, content_type="application/x-pem-file")


async def list_documents(request: web.Request) -> web.StreamResponse:
    query = request.query
    wanted = DocumentFilter(
        acting_for=query.get("acting_for") or None,
        system=query.get("system") or None,
        status=query.get("status") or None,
        since=moment(query.get("since"), "since"),
        cursor=query.get("cursor") or None,
        limit=whole_number(query.get("limit"), "limit", DEFAULT_PAGE),
    )
    page = await services(request).documents.list(await caller(request), wanted)
    items = [receipt_json(r) for r in page.items]
    return web.json_response({"items": items, "has_next": page.has_next, "next_cursor": page.next_cursor})
