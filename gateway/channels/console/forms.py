"""Reading a posted form (URL-encoded or multipart, with files), within the body limit."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import BodyPartReader, web

from gateway.core.errors import BadRequest, InvalidParameter, PayloadTooLarge
from gateway.core.text import require_storable

#: a form field that is no file: a login, a reason, a JSON-ish value
MAX_FIELD_BYTES = 256 * 1024
_CHUNK = 256 * 1024


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)

    def get(self, name: str) -> str:
        return self.fields.get(name, "").strip()


async def read_form(request: web.Request, max_file_bytes: int) -> Form:
    if request.content_type == "multipart/form-data":
        return await _multipart(request, max_file_bytes)
    if request.content_type == "application/x-www-form-urlencoded":
        try:
            posted = await request.post()
        except web.RequestPayloadError:
            raise InvalidParameter("the form cannot be decoded (its Content-Encoding)") from None
        fields = {name: value for name, value in posted.items() if isinstance(value, str)}
        require_storable(fields.items(), "form field")
        return Form(fields)
    return Form()


async def _multipart(request: web.Request, max_file_bytes: int) -> Form:
    fields: dict[str, str] = {}
    files: dict[str, Upload] = {}
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name is None:
            raise BadRequest("a form part without a name")
        if part.filename is not None:
            body = await _read(part, max_file_bytes)
            if part.filename or body:  # a file input left empty sends an empty part
                files[part.name] = Upload(part.filename, body)
        else:
            try:
                fields[part.name] = (await _read(part, MAX_FIELD_BYTES)).decode("utf-8")
            except UnicodeDecodeError:
                raise BadRequest(f"form field {part.name} is not UTF-8") from None
    require_storable(fields.items(), "form field")
    return Form(fields, files)


async def _read(part: BodyPartReader, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"{part.name} passes {limit} bytes, the most that is accepted")
        chunks.append(chunk)
    return b"".join(chunks)
