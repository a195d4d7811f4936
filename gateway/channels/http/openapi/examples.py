"""Examples for the description, taken from the samples (samples/valid, samples/errors).

``examples.json`` is made from the samples by ``tests/support/openapi_examples.py`` (the bodies as
they are, the problems as the checks answer them); a unit test makes it again and compares, so the
examples stay what the gateway really answers for those samples.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

EXAMPLES_FILE = "examples.json"


@dataclass(frozen=True, slots=True)
class Examples:
    #: name -> {"summary", "value"}: request bodies (signed XML documents)
    bodies: dict[str, dict[str, Any]]
    #: code -> {"summary", "value"}: the problem document a sample of that code gets
    problem_documents: dict[str, dict[str, Any]]

    def requests(self) -> dict[str, dict[str, str]]:
        """References to the request bodies, for a request's ``examples``."""
        return {name: _ref("Request_" + name) for name in self.bodies}

    def problems(self, codes: list[str]) -> dict[str, dict[str, str]]:
        """References to the problems of those ``codes`` that have one."""
        return {code: _ref("Problem_" + code) for code in codes if code in self.problem_documents}

    def components(self) -> dict[str, dict[str, Any]]:
        """Every example, for ``components.examples``."""
        return {
            **{"Request_" + name: example for name, example in self.bodies.items()},
            **{"Problem_" + code: example for code, example in self.problem_documents.items()},
        }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/examples/{name}"}


@functools.cache
def load_examples() -> Examples:
    resource = files("gateway.channels.http.openapi").joinpath(EXAMPLES_FILE)
    data = json.loads(resource.read_text(encoding="utf-8"))
    return Examples(data["requests"], data["problems"])
