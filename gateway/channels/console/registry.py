"""Registry work in the console, through the operation table (gateway/channels/operations.py):
every operation is a form made from its parameters, run as ``/api/v1/admin`` runs it, with the
operator's login as the actor in the audit trail.  Views (GET) run from a GET form; changes are
posted, with their CSRF token."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gateway.channels.console.forms import Form
from gateway.channels.console.web import form, operator, page, services
from gateway.channels.operations import GROUPS, OPERATIONS, Operation, Param
from gateway.core.errors import NotFound

BY_SLUG = {"-".join(op.command): op for op in OPERATIONS}


def slug(operation: Operation) -> str:
    return "-".join(operation.command)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/operator/registry", index)
    app.router.add_get("/operator/registry/{slug}", operation_page)
    app.router.add_post("/operator/registry/{slug}", run_posted)


def _operation(request: web.Request) -> Operation:
    found = BY_SLUG.get(request.match_info["slug"])
    if found is None:
        raise NotFound(f"no registry operation {request.match_info['slug']}")
    return found


def _group(operation: Operation) -> str:
    return GROUPS.get(operation.command[0], "other") if len(operation.command) > 1 else "decisions and tokens"


async def index(request: web.Request) -> web.StreamResponse:
    operator(request)
    groups: dict[str, list[dict[str, str]]] = {}
    for operation in OPERATIONS:
        groups.setdefault(_group(operation), []).append(
            {"slug": slug(operation), "help": operation.help, "method": operation.method}
        )
    return page("registry_index.html", request, groups=groups)


def _fields(operation: Operation) -> list[dict[str, Any]]:
    """How each parameter is asked for in the form."""
    fields = []
    for param in operation.params:
        widget = {"bool": "checkbox", "secret": "password", "int": "number"}.get(param.kind, "text")
        if param.kind == "file":
            widget = "file"
        if param.choices and not param.many:
            widget = "select"
        fields.append(
            {
                "name": param.name,
                "widget": widget,
                "required": param.required,
                "help": param.help + (" (several: separate with commas)" if param.many else ""),
                "choices": list(param.choices),
            }
        )
    return fields


def _raw(operation: Operation, values: Form | dict[str, str]) -> dict[str, object]:
    """The form's values as the operation's parser takes them (text, as from a query string)."""
    fields = values.fields if isinstance(values, Form) else values
    raw: dict[str, object] = {}
    for param in operation.params:
        raw_value = _one(param, values, fields)
        if raw_value is not None:
            raw[param.name] = raw_value
    return raw


def _one(param: Param, values: Form | dict[str, str], fields: dict[str, str]) -> object | None:
    if param.kind == "file":
        upload = values.files.get(param.name) if isinstance(values, Form) else None
        if upload is not None:
            return upload.body
        text = fields.get(param.name, "").strip()
        return text or None
    if param.kind == "bool":
        return "true" if fields.get(param.name) else None
    text = fields.get(param.name, "").strip()
    if not text:
        return None
    if param.many:
        return [item.strip() for item in text.split(",") if item.strip()]
    return text


async def operation_page(request: web.Request) -> web.StreamResponse:
    """The operation's form; a view runs at once when its form was sent (``run=1``)."""
    sender = operator(request)
    operation = _operation(request)
    result: Any = None
    ran = operation.method == "GET" and request.query.get("run") == "1"
    if ran:
        result = await _run(request, operation, _raw(operation, dict(request.query)), sender.login)
    return _render(request, operation, dict(request.query), ran, result)


async def run_posted(request: web.Request) -> web.StreamResponse:
    sender = operator(request)
    operation = _operation(request)
    posted = form(request)
    result = await _run(request, operation, _raw(operation, posted), sender.login)
    return _render(request, operation, posted.fields, True, result, operation.status)


async def _run(request: web.Request, operation: Operation, raw: dict[str, object], actor: str) -> Any:
    return await operation.run(services(request).administration, actor, operation.parse(raw))


def _render(
    request: web.Request,
    operation: Operation,
    values: dict[str, str],
    ran: bool,
    result: Any,
    status: int = 200,
) -> web.Response:
    shown = {k: v for k, v in values.items() if k not in {"csrf", "password"}}  # never echo a secret
    return page(
        "registry_operation.html",
        request,
        200 if status in (200, 201) else status,
        operation=operation,
        slug=slug(operation),
        fields=_fields(operation),
        values=shown,
        ran=ran,
        result=result,
        rows=_rows(result),
    )


def _rows(result: Any) -> list[dict[str, Any]] | None:
    """A list of objects as table rows (the other results are shown as JSON)."""
    if isinstance(result, list) and result and all(isinstance(item, dict) for item in result):
        return result
    return None
