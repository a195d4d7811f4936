"""An operator in the browser: the gateway's state, an application approved, a dead letter re-queued."""

from __future__ import annotations

import re

from playwright.async_api import expect

from gateway.channels.http import keys
from tests.browser.conftest import Console, Steps
from tests.conftest import SAMPLES
from tests.integration.test_outbox_admin import dead_letter

APPLICATION = SAMPLES / "valid" / "SZPROT" / "RegApplication.xml"


async def test_operator_approves_an_application(console: Console, steps: Steps) -> None:
    page = steps.page
    applicant = await console.token(await console.account("applicant"))
    status, receipt, _ = await console.gateway.post(APPLICATION.read_bytes(), applicant)
    assert (status, receipt["status"]) == (202, "pending"), receipt
    reference = str(receipt["reference"])
    operator = await console.account("officer", operator=True)

    async with steps.step("sign in with an API token"):
        await page.goto(console.url + "/operator/applications")  # sent to sign in, then back
        form = page.get_by_test_id("token-signin")
        await form.locator("input[name=token]").fill(await console.token(operator))
        await form.get_by_role("button").click()
        await page.wait_for_url(re.compile(r".*/console/operator/applications$"))

    async with steps.step("approve the application"):
        application = page.locator(f'[data-testid=application][data-reference="{reference}"]')
        await expect(application).to_contain_text("pending")
        await application.get_by_test_id("approve").click()
        result = page.get_by_test_id("result")
        await expect(result).to_contain_text('"status": "approved"')
        await expect(result).to_contain_text(f'"decided_by": "{operator}"')
        stored = await console.gateway.get(f"/api/v1/documents/{reference}", applicant)
        assert stored[1]["status"] == "accepted", "the approved application's document is accepted"

    async with steps.step("the decision is in the audit trail"):
        await page.get_by_role("link", name="Audit").click()
        row = page.get_by_test_id("audit").locator("tr", has_text=reference).first
        await expect(row).to_contain_text("application.approve")
        await expect(row).to_contain_text(operator)

    async with steps.step("the outbox, readiness and the charts"):
        await page.get_by_role("link", name="Operations").click()
        await expect(page.get_by_test_id("readiness")).to_have_text(re.compile("ready|degraded"))
        await expect(page.get_by_test_id("database")).to_contain_text("answers")
        await expect(page.get_by_test_id("backlog")).to_have_text(re.compile(r"^\d+$"))
        await expect(page.get_by_test_id("outcomes").locator("g[data-label=new]")).to_have_count(1)
        await steps.screenshot("operations")


async def test_operator_requeues_a_dead_letter(console: Console, steps: Steps) -> None:
    """A document the broker kept refusing past the retry cap is listed, re-queued from the page,
    and leaves the list."""
    page = steps.page
    services = console.gateway.app[keys.SERVICES]
    trader = await console.token(await console.account("sender"))
    reference = await dead_letter(console.gateway, trader)
    operator = await console.account("officer", operator=True)
    async with steps.step("sign in"):
        await page.goto(console.url + "/signin?next=/console/operator")
        form = page.get_by_test_id("password-signin")
        await form.locator("input[name=login]").fill(operator)
        await form.locator("input[name=password]").fill("a-password-for-tests")
        await form.get_by_role("button").click()
        await page.wait_for_url(re.compile(r".*/console/operator$"))
    section = page.get_by_test_id("dead-letters")
    await expect(section.locator(f'tr[data-reference="{reference}"]')).to_have_count(1)
    async with steps.step("re-queue a dead letter"):
        row = section.locator(f'tr[data-reference="{reference}"]')
        await row.get_by_test_id("requeue").click()
        await page.wait_for_url(re.compile(r".*/console/operator$"))
        await expect(section.locator(f'tr[data-reference="{reference}"]')).to_have_count(0)
        assert reference not in {d.reference for d in await services.operator.dead_letters()}
        _, document = await console.gateway.get(f"/api/v1/documents/{reference}", trader)
        assert document["status"] in {"accepted", "routed"}
