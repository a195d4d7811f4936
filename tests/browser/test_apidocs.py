"""The API description's page renders in the browser, under its Content-Security-Policy."""

from __future__ import annotations

from playwright.async_api import expect

from gateway.channels.http.openapi.document import openapi_document
from tests.browser.conftest import Console, Steps


async def test_the_description_renders_every_call(console: Console, steps: Steps) -> None:
    page = steps.page
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if message.type == "error" else None)
    calls = sum(len(item) for item in openapi_document()["paths"].values())
    async with steps.step("open /api/v1/docs"):
        await page.goto(console.gateway.url + "/api/v1/docs")
        await expect(page.locator(".opblock")).to_have_count(calls)
        await expect(
            page.locator(".opblock-summary-path", has_text="/api/v1/documents").first
        ).to_be_visible()
    assert refused == [], "nothing blocked by the policy, nothing failed to load"
