"""The console keeps the API's read rules and refuses forms without their CSRF token, in a browser."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.conftest import Console, Steps, sign_in
from tests.conftest import SAMPLES

VALID = SAMPLES / "valid" / "NCTS2" / "CC015C.xml"


async def test_a_foreign_tester_cannot_see_another_accounts_documents(console: Console, steps: Steps) -> None:
    page = steps.page
    owner = await console.account("owner")
    status, receipt, _ = await console.gateway.post(VALID.read_bytes(), await console.token(owner))
    assert status == 202, receipt
    reference = receipt["reference"]
    async with steps.step("the owner sees it"):
        await sign_in(page, console, owner)
        await page.goto(console.url + "/documents")
        await expect(page.locator(f'tr[data-reference="{reference}"]')).to_have_count(1)
        await page.get_by_role("button", name="Sign out").click()
        await page.wait_for_url(re.compile(r".*/console/signin$"))
    async with steps.step("another tester does not find it in the list"):
        await sign_in(page, console, await console.account("foreign"))
        await page.goto(console.url + "/documents")
        await expect(page.locator(f'tr[data-reference="{reference}"]')).to_have_count(0)
    async with steps.step("nor open it, nor download its receipt"):
        answer = await page.goto(console.url + f"/documents/{reference}")
        assert answer is not None and answer.status == 403
        await expect(page.get_by_test_id("problem")).to_contain_text("FORBIDDEN")
        answer = await page.goto(console.url + f"/documents/{reference}/receipt")
        assert answer is not None and answer.status == 403


async def test_a_form_without_its_csrf_token_is_refused(console: Console, steps: Steps) -> None:
    page = steps.page
    login = await console.account()
    async with steps.step("sign in"):
        await sign_in(page, console, login)
    async with steps.step("post the sign-out form without its token"):
        await page.locator("form.signout input[name=csrf]").evaluate("input => input.remove()")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Sign out").click()
        await expect(page.get_by_test_id("problem")).to_contain_text("CSRF_TOKEN_INVALID")
    async with steps.step("with a wrong token"):
        await page.goto(console.url + "/check")
        await page.locator("form.signout input[name=csrf]").evaluate("input => input.value = 'forged'")
        async with page.expect_navigation() as navigation:
            await page.get_by_role("button", name="Sign out").click()
        answer = await navigation.value
        assert answer is not None and answer.status == 403
    async with steps.step("the session went on: nothing was done"):
        await page.goto(console.url + "/check")
        await expect(page.get_by_test_id("who")).to_have_text(login)
