"""A tester in the browser: signs in, dry-runs a document with schema errors and sees each error at
its line, submits a valid one, and downloads its UPO, which verifies offline."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from playwright.async_api import BrowserContext, expect

from gateway.channels.http import keys
from gateway.core.receipts.verify import verify_receipt
from tests.browser.conftest import Console, Steps, sign_in
from tests.conftest import SAMPLES

THREE_ERRORS = SAMPLES / "errors" / "SCHEMA_INVALID" / "CC515C-three-errors-at-once.xml"
VALID = SAMPLES / "valid" / "AES" / "CC515C.xml"


def expected_lines(sample: Path) -> list[int]:
    manifest = tomllib.loads((sample.parent / "expected.toml").read_text(encoding="utf-8"))
    return [int(error["line"]) for error in manifest[sample.name]["errors"]]


async def test_dry_run_submit_and_receipt(console: Console, steps: Steps, browser: BrowserContext) -> None:
    page = steps.page
    login = await console.account()
    async with steps.step("sign in"):
        await sign_in(page, console, login)

    async with steps.step("dry-run a sample with schema errors"):
        await page.get_by_test_id("file").set_input_files(str(THREE_ERRORS))
        await page.get_by_test_id("dry-run").click()
        verdict = page.get_by_test_id("verdict")
        await expect(verdict).to_have_attribute("data-status", "rejected")
        await expect(page.get_by_test_id("verdict-code")).to_have_text("SCHEMA_INVALID")
        await expect(page.get_by_test_id("progress-text")).to_have_attribute("data-phase", "done")

    async with steps.step("see each error at its line"):
        lines = expected_lines(THREE_ERRORS)
        assert len(lines) == 3
        await expect(page.get_by_test_id("errors").locator("tbody tr")).to_have_count(len(lines))
        await expect(page.locator("ol.listing li.marked")).to_have_count(len(lines))
        for number, line in enumerate(lines, start=1):
            marked = page.locator(f"#L{line}")
            await expect(marked).to_have_class(re.compile(r"\bmarked\b"))
            await expect(marked.get_by_test_id("mark")).to_contain_text("SCHEMA_INVALID")
            await expect(marked.locator(f'[data-error="{number}"]')).to_have_count(1)
        await page.get_by_test_id("verdict").evaluate("verdict => verdict.scrollIntoView()")
        await steps.screenshot("dry-run", full_page=False)
        # the error table links to the line in the listing
        await page.get_by_test_id("errors").get_by_role("link", name=str(lines[1])).click()
        await expect(page).to_have_url(re.compile(rf"#L{lines[1]}$"))

    async with steps.step("submit a valid sample for real"):
        await page.get_by_test_id("file").set_input_files(str(VALID))
        await page.get_by_test_id("submit").click()
        await page.wait_for_url(re.compile(r".*/console/documents/[0-9a-f-]{36}$"))
        await expect(page.get_by_test_id("status")).to_have_text("accepted")
        await expect(page.get_by_test_id("receipt-verified")).to_contain_text("The UPO verifies offline")
        reference = await page.get_by_test_id("reference").inner_text()

    async with steps.step("download its UPO"):
        async with page.expect_download() as waiting:
            await page.get_by_test_id("download-receipt").click()
        download = await waiting.value
        assert download.suggested_filename == f"UPO-{reference}.xml"
        body = Path(await download.path()).read_bytes()
        signer = console.gateway.app[keys.SERVICES].receipts.signer
        verified = verify_receipt(body, [signer.certificate], VALID.read_bytes())
        assert (verified.reference, verified.document_matches) == (reference, True)

    async with steps.step("find it in the list"):
        await page.get_by_role("link", name="Documents").click()
        row = page.locator(f'tr[data-reference="{reference}"]')
        await expect(row).to_contain_text("accepted")
        await page.get_by_label("Status").select_option("rejected")
        await page.get_by_role("button", name="Filter").click()
        await expect(page.locator(f'tr[data-reference="{reference}"]')).to_have_count(0)


def padded(sample: Path, size: int) -> bytes:
    """``sample`` grown to ``size`` bytes by comments on its first line (its lines stay where they
    were, and so do its errors; a comment is at most 1 MiB, less than the parser's limit)."""
    body = sample.read_bytes()
    declaration_end = body.index(b"?>") + 2
    room = size - len(body)
    comments = [b"<!--" + b"x" * (min(room, 1 << 20) - 7) + b"-->"]
    while (room := room - len(comments[-1])) > 7:
        comments.append(b"<!--" + b"x" * (min(room, 1 << 20) - 7) + b"-->")
    return body[:declaration_end] + b"".join(comments) + body[declaration_end:]


async def test_a_large_dry_run_shows_its_progress(console: Console, steps: Steps, tmp_path: Path) -> None:
    page = steps.page
    sample = SAMPLES / "errors" / "SCHEMA_INVALID" / "CC015C-1000-goods-items.xml"
    big = tmp_path / "CC015C-15MiB.xml"
    big.write_bytes(padded(sample, 15 * 1024 * 1024 - 4096))
    async with steps.step("sign in"):
        await sign_in(page, console, await console.account())
    async with steps.step("dry-run 15 MiB, watching the phases"):
        await page.get_by_test_id("file").set_input_files(str(big))
        await page.evaluate(
            """() => {
                window.phases = [];
                const text = document.getElementById("progress-text");
                new MutationObserver(() => {
                    const phase = text.dataset.phase;
                    if (window.phases[window.phases.length - 1] !== phase) window.phases.push(phase);
                }).observe(text, {attributes: true, childList: true, characterData: true, subtree: true});
            }"""
        )
        await page.get_by_test_id("dry-run").click()
        await expect(page.get_by_test_id("verdict")).to_have_attribute(
            "data-status", "rejected", timeout=60_000
        )
        phases = await page.evaluate("window.phases")
        assert phases[0] == "uploading" and phases[-1] == "done", phases
        assert "checking" in phases, f"the server's phase was not shown: {phases}"
    async with steps.step("the error far down is shown with its lines around it"):
        line = expected_lines(sample)[0]
        await expect(page.locator(f"#L{line}")).to_have_class(re.compile(r"\bmarked\b"))
        await expect(page.locator("ol.listing li.gap").first).to_be_visible()
