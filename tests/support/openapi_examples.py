"""Makes gateway/channels/http/openapi/examples.json from the samples:
``python -m tests.support.openapi_examples`` (a unit test checks the committed file is this)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.channels.http.openapi.examples import EXAMPLES_FILE
from gateway.channels.http.problems import refusal_body
from gateway.config import DEFAULT_CATALOG, ParsingSettings
from gateway.core.pipeline import Checks, check
from gateway.core.validation.catalog import load_catalog
from tests.support.signatures import PassThroughSignatures

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
TARGET = ROOT / "gateway" / "channels" / "http" / "openapi" / EXAMPLES_FILE

#: request bodies shown in the description: a valid one and one with several schema errors
REQUEST_SAMPLES = ("valid/AES/CC514C.xml", "errors/SCHEMA_INVALID/CC515C-three-errors-at-once.xml")
#: per code, the sample whose answer is the example; the checks refuse these before the signature
PROBLEM_SAMPLES = {
    "XML_MALFORMED": "errors/XML_MALFORMED/mismatched-tag.xml",
    "XML_FORBIDDEN": "errors/XML_FORBIDDEN/external-entity.xml",
    "SCHEMA_UNKNOWN": "errors/SCHEMA_UNKNOWN/unknown-message-type.xml",
    "SCHEMA_NOT_INBOUND": "errors/SCHEMA_NOT_INBOUND/AES-CC528C.xml",
    "SCHEMA_VERSION_INACTIVE": "errors/SCHEMA_VERSION_INACTIVE/NCTS2-CC015C-0.9.xml",
    "SCHEMA_INVALID": "errors/SCHEMA_INVALID/CC515C-three-errors-at-once.xml",
    "SYSTEM_LEGACY_CHANNEL": "errors/SYSTEM_LEGACY_CHANNEL/ECS-IE515.xml",
}
#: a fixed time of receipt, so that the file is the same every time it is made
RECEIVED_AT = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)


def build_examples(samples: Path = SAMPLES) -> dict[str, Any]:
    checks = Checks(load_catalog([DEFAULT_CATALOG]), PassThroughSignatures(), ParsingSettings())
    requests = {
        Path(name).stem: {"summary": f"samples/{name}", "value": (samples / name).read_text(encoding="utf-8")}
        for name in REQUEST_SAMPLES
    }
    problems: dict[str, Any] = {}
    for code, name in PROBLEM_SAMPLES.items():
        verdict = check((samples / name).read_bytes(), RECEIVED_AT, checks)
        if verdict.refusal != code:
            raise AssertionError(f"samples/{name} gives {verdict.refusal}, not {code}")
        problems[code] = {"summary": f"the answer to samples/{name}", "value": refusal_body(verdict, None)}
    return {"requests": requests, "problems": problems}


def render(examples: dict[str, Any]) -> str:
    return json.dumps(examples, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render(build_examples()), encoding="utf-8")
    sys.stdout.write(f"wrote {TARGET.relative_to(ROOT)}\n")
