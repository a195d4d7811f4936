"""``GET /api/v1/openapi.json`` (the description, no token) and ``/api/v1/docs``: a page that
renders it for reading with Swagger UI, served from the ``swagger-ui-py`` package (no CDN)."""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path

from aiohttp import web

from gateway.channels.http.openapi.document import DOCS_PATH, OPENAPI_PATH, openapi_document
from gateway.core.errors import NotFound

_OWN_STATIC = Path(__file__).parent / "static"
#: what the page loads of the Swagger UI bundle
_SWAGGER_FILES = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"})
_OWN_FILES = frozenset({"apidocs.js"})
_CONTENT_TYPES = {".css": "text/css", ".js": "text/javascript", ".png": "image/png"}
#: Swagger UI sets style attributes from script, so styles may be inline; scripts may not
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def add_apidocs_routes(app: web.Application) -> None:
    app.router.add_get(OPENAPI_PATH, openapi_json)
    app.router.add_get(DOCS_PATH, docs_page)
    app.router.add_get(DOCS_PATH + "/static/{name}", docs_static)


@functools.cache
def _document_bytes() -> bytes:
    return json.dumps(openapi_document(), ensure_ascii=False).encode()


async def openapi_json(request: web.Request) -> web.StreamResponse:
    return web.Response(body=_document_bytes(), content_type="application/json")


async def docs_page(request: web.Request) -> web.StreamResponse:
    page = (_OWN_STATIC / "apidocs.html").read_bytes()
    return web.Response(
        body=page, content_type="text/html", charset="utf-8", headers={"Content-Security-Policy": DOCS_CSP}
    )


@functools.cache
def swagger_ui_static() -> Path:
    """The folder of the Swagger UI files in the installed ``swagger-ui-py`` (found, not imported:
    its package imports adapters for other web frameworks)."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the swagger-ui-py package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


async def docs_static(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name in _SWAGGER_FILES:
        path = swagger_ui_static() / name
    elif name in _OWN_FILES:
        path = _OWN_STATIC / name
    else:
        raise NotFound(f"no file {name}")
    return web.Response(
        body=path.read_bytes(),
        content_type=_CONTENT_TYPES[path.suffix],
        headers={"Cache-Control": "public, max-age=3600"},
    )
