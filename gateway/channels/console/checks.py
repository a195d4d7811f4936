"""Checking a document (a dry run, its verdict shown on the document's lines) and submitting it;
the samples per error code to try."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from gateway.channels.console.listing import listing
from gateway.channels.console.samples import SAMPLES
from gateway.channels.console.web import PREFIX, context, form, page, services, signed_in, templates
from gateway.channels.http.documents import dry_run_json
from gateway.core.domain import Sender
from gateway.core.errors import BadRequest, GatewayError, NotFound, error_class_for

#: where the streamed page is cut: the part before it is sent before the checks run
_VERDICT_SLOT = "<!--verdict-->"
#: sent by the page's script: answer with the verdict alone, not the whole page
PARTIAL_HEADER = "X-Console-Partial"


def add_routes(app: web.Application) -> None:
    app.router.add_get("/check", check_form)
    app.router.add_post("/check", check)
    app.router.add_get("/samples", samples)
    app.router.add_post("/samples/check", check_sample)


async def check_form(request: web.Request) -> web.StreamResponse:
    signed_in(request)
    return page("check.html", request, streaming=False, upload_name=None, received=None)


async def check(request: web.Request) -> web.StreamResponse:
    sender = signed_in(request)
    posted = form(request)
    upload = posted.files.get("document")
    if upload is None or not upload.body:
        raise BadRequest("choose an XML file to check")
    if posted.get("mode") == "submit":
        return await _submit(request, sender, upload.body)
    return await _dry_run(request, sender, upload.filename, upload.body)


async def _submit(request: web.Request, sender: Sender, body: bytes) -> web.StreamResponse:
    submitted = await services(request).submissions.submit(sender, body, dry_run=False)
    if submitted.receipt is not None:
        raise web.HTTPSeeOther(f"{PREFIX}/documents/{submitted.receipt.reference}")
    # refused and not kept (unparseable or forbidden XML): the verdict is all there is
    assert submitted.verdict.refusal is not None
    return page(
        "check.html",
        request,
        error_class_for(submitted.verdict.refusal).status,
        streaming=False,
        upload_name=None,
        received=None,
        verdict=_verdict_view(dry_run_json(submitted), body, seconds=None, stored=False),
    )


async def _dry_run(request: web.Request, sender: Sender, name: str, body: bytes) -> web.StreamResponse:
    """The page is streamed: what was received is shown while the checks run, then the verdict."""
    partial = request.headers.get(PARTIAL_HEADER) == "1"
    shell = (
        templates().get_template("phase.html").render(received=len(body), upload_name=name) + _VERDICT_SLOT
        if partial
        else templates()
        .get_template("check.html")
        .render(context(request, streaming=True, upload_name=name, received=len(body)))
    )
    before, _, after = shell.partition(_VERDICT_SLOT)
    response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
    await response.prepare(request)
    await response.write(before.encode())
    started = time.perf_counter()
    try:
        submitted = await services(request).submissions.submit(sender, body, dry_run=True)
        verdict = _verdict_view(dry_run_json(submitted), body, seconds=time.perf_counter() - started)
        fragment = templates().get_template("verdict.html").render(verdict=verdict)
    except GatewayError as error:
        fragment = templates().get_template("failure.html").render(code=error.code, detail=error.detail)
    await response.write(fragment.encode() + after.encode())
    await response.write_eof()
    return response


def _verdict_view(
    verdict: dict[str, Any], body: bytes, *, seconds: float | None, stored: bool | None = None
) -> dict[str, Any]:
    errors = verdict.get("errors") or []
    return {
        **verdict,
        "lines": listing(body, errors),
        "seconds": seconds,
        "stored": stored,
        "size": len(body),
    }


async def samples(request: web.Request) -> web.StreamResponse:
    signed_in(request)
    shelf = request.app[SAMPLES]
    return page("samples.html", request, shelf=shelf)


async def check_sample(request: web.Request) -> web.StreamResponse:
    sender = signed_in(request)
    posted = form(request)
    sample = request.app[SAMPLES].find(posted.get("code"), posted.get("name"))
    if sample is None:
        raise NotFound("no such sample")
    return await _dry_run(request, sender, f"{sample.code}/{sample.name}", sample.body)
