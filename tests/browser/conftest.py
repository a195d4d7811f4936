"""The console in a real browser: Debian's chromium driven by Playwright for Python.

The browser is the system's (``/usr/bin/chromium``, installed by .ci/run), never one Playwright
downloads.  Every test gets a fresh profile, saves a screenshot of where it ended under
``browser-artefacts/`` (printed; GATEWAY_BROWSER_ARTEFACTS to move it), and one named after the
step that failed when it fails.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page, async_playwright

from gateway.channels.http import keys
from tests.conftest import ROOT, SAMPLES, Gateway, make_settings, start_gateway

CHROMIUM = Path(os.environ.get("GATEWAY_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTEFACTS = Path(os.environ.get("GATEWAY_BROWSER_ARTEFACTS", ROOT / "browser-artefacts"))
PASSWORD = "a-password-for-tests"


@dataclass
class Console:
    """A gateway with its console, and accounts to sign in with."""

    gateway: Gateway

    @property
    def url(self) -> str:
        return self.gateway.url + "/console"

    async def account(self, prefix: str = "tester", *, operator: bool = False) -> str:
        """A new account with :data:`PASSWORD`; its login."""
        login = f"{prefix}-{uuid.uuid4().hex[:8]}@example.test"
        accounts = self.gateway.app[keys.SERVICES].administration.accounts
        await accounts.add(login, role="operator" if operator else "user", password=PASSWORD)
        return login

    async def token(self, login: str) -> str:
        return await self.gateway.app[keys.SERVICES].administration.accounts.issue_token(login)


@pytest.fixture(scope="session")
async def console(postgresql_url: str) -> AsyncIterator[Console]:
    """One gateway on PostgreSQL for the browser tests, its samples page fed from samples/errors."""
    settings = make_settings(postgresql_url, None, console={"samples_dir": SAMPLES / "errors"})
    async for running in start_gateway(settings):
        yield Console(running)


@pytest.fixture(scope="session")
def artefacts() -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTEFACTS.glob("*.png"):  # only this run's are left
        old.unlink()
    print(f"\nbrowser screenshots: {ARTEFACTS}")
    return ARTEFACTS


class Steps:
    """Names the step a test is at, so that a failure says which one and is photographed."""

    def __init__(self, page: Page, folder: Path, test: str) -> None:
        self.page = page
        self.folder = folder
        self.test = test

    @contextlib.asynccontextmanager
    async def step(self, name: str) -> AsyncIterator[None]:
        try:
            yield
        except BaseException as failure:
            shot = self.folder / f"{self.test}--FAILED--{re.sub(r'[^a-z0-9]+', '-', name.lower())}.png"
            with contextlib.suppress(Exception):
                await self.page.screenshot(path=str(shot), full_page=True)
            raise AssertionError(f"step {name!r} failed (screenshot {shot}): {failure}") from failure

    async def screenshot(self, name: str | None = None, *, full_page: bool = True) -> Path:
        shot = self.folder / f"{self.test}{'--' + name if name else ''}.png"
        await self.page.screenshot(path=str(shot), full_page=full_page)
        return shot


@pytest.fixture
async def browser(request: pytest.FixtureRequest) -> AsyncIterator[BrowserContext]:
    """A browser with a fresh profile of its own."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is needed (Debian's chromium; .ci/run installs it)")
    profile = tempfile.mkdtemp(prefix="gw-chromium-")
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
        )
        try:
            yield context
        finally:
            await context.close()
            shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
async def steps(
    browser: BrowserContext, artefacts: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Steps]:
    page = browser.pages[0] if browser.pages else await browser.new_page()
    recorder = Steps(page, artefacts, request.node.name)
    yield recorder
    with contextlib.suppress(Exception):
        await recorder.screenshot()


async def sign_in(page: Page, console: Console, login: str, password: str = PASSWORD) -> None:
    await page.goto(console.url + "/signin")
    form = page.get_by_test_id("password-signin")
    await form.locator("input[name=login]").fill(login)
    await form.locator("input[name=password]").fill(password)
    await form.get_by_role("button").click()
    await page.wait_for_url(re.compile(r".*/console/check$"))
    assert await page.get_by_test_id("who").inner_text() == login
