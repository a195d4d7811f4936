"""Every recipe of docs/signing.md, run exactly as written there, makes a file the gateway accepts.

The recipes' install lines are not run (the tests do not install packages): they are checked against
what the tests do run, the npm lock file of tests/interop/node (installed with ``npm ci``) and the
project's own signxml.
"""

from __future__ import annotations

import json
import re
import subprocess
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.interop.recipes import recipe, recipes
from tests.interop.support import (
    NODE_FOLDER,
    InteropPki,
    assert_accepted,
    node_modules,
    require_tool,
    run_shell,
    unsigned_message,
    verdict_on,
    workspace,
)
from tests.support.checks import SettledChecks

#: what each recipe needs on the machine besides bash
TOOLS = {"xmlsec1": ("xmlsec1", "openssl", "perl"), "xadesjs": ("node",), "signxml": ()}


def test_the_page_has_a_runnable_recipe_for_each_signer() -> None:
    assert set(recipes()) == set(TOOLS)
    for found in recipes().values():
        assert "sign.sh" in found.files, found.name
    assert set(recipe("xmlsec1").files) == {"signature-template.xml", "sign.sh"}
    assert set(recipe("xadesjs").files) == {"install.sh", "sign-xades.mjs", "sign.sh"}
    assert set(recipe("signxml").files) == {"install.sh", "sign-signxml.py", "sign.sh"}


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_the_recipe_as_written_makes_an_accepted_signature(
    name: str, tmp_path: Path, interop_pki: InteropPki, interop_checks: SettledChecks
) -> None:
    for tool in TOOLS[name]:
        require_tool(tool)
    folder = workspace(tmp_path, interop_pki, unsigned_message())
    if name == "xadesjs":
        (folder / "node_modules").symlink_to(node_modules(), target_is_directory=True)
    recipe(name).write(folder)
    run_shell(folder)
    signed = (folder / "signed.xml").read_bytes()
    assert signed.count(b"SignatureValue>") == 2
    assert_accepted(signed, interop_checks)


def test_signxml_with_exclusive_c14n_is_refused_as_the_page_says(
    tmp_path: Path, interop_pki: InteropPki, interop_checks: SettledChecks
) -> None:
    """The page warns that signxml 5.2 digests the SignedProperties reference with the configured
    canonicalization but writes none: with exclusive C14N the digest is wrong for every verifier,
    xmlsec1 included.  Once signxml fixes it, this fails, and the warning goes."""
    folder = workspace(tmp_path, interop_pki, unsigned_message())
    recipe("signxml").write(folder)
    script = (folder / "sign-signxml.py").read_text(encoding="utf-8")
    assert "CanonicalizationMethod.CANONICAL_XML_1_1" in script
    (folder / "sign-signxml.py").write_text(
        script.replace("CANONICAL_XML_1_1", "EXCLUSIVE_XML_CANONICALIZATION_1_0"), encoding="utf-8"
    )
    run_shell(folder)
    signed = (folder / "signed.xml").read_bytes()
    verdict = verdict_on(signed, interop_checks)
    assert verdict.refusal == "SIGNATURE_INVALID"
    assert "the digest of the SignedProperties does not match its Reference" in verdict.errors[0].message
    command = ["xmlsec1", "--verify", "--id-attr:Id", "http://uri.etsi.org/01903/v1.3.2#:SignedProperties"]
    require_tool("xmlsec1")
    result = subprocess.run(
        [*command, "--trusted-pem", "ca.pem", "signed.xml"], cwd=folder, capture_output=True, check=False
    )
    assert result.returncode != 0


def _packages(install_line: str) -> dict[str, str]:
    return dict(re.findall(r"(@?[\w./-]+)@(\d[\w.-]*)", install_line))


def test_the_xadesjs_install_line_names_the_locked_versions() -> None:
    named = _packages(recipe("xadesjs").files["install.sh"])
    manifest = json.loads((NODE_FOLDER / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((NODE_FOLDER / "package-lock.json").read_text(encoding="utf-8"))
    assert named == manifest["dependencies"]
    for package, pinned in named.items():
        assert lock["packages"][f"node_modules/{package}"]["version"] == pinned, package
    # one xml-core for xadesjs and xmldsigjs, or xadesjs cannot find its DOM (see the recipe)
    assert [path for path in lock["packages"] if path.endswith("node_modules/xml-core")] == [
        "node_modules/xml-core"
    ]


def test_the_signxml_install_line_admits_the_signxml_the_tests_run() -> None:
    line = recipe("signxml").files["install.sh"]
    found = re.search(r'"signxml~=(\d+)\.(\d+)"', line)
    assert found is not None, line
    low = (int(found.group(1)), int(found.group(2)))
    installed = tuple(int(part) for part in version("signxml").split(".")[:2])
    assert low <= installed < (low[0] + 1, 0), f"signxml {version('signxml')} is outside {line.strip()}"
