"""The staff console in a real browser: Debian's headless Chromium driven by Playwright (never a
browser Playwright downloads), against the real `bcy-intake web` over a store filled by a real
intake cycle. A clerk logs in, sees the to-do list, finds a submission by its reference, opens
it, resends its reply, downloads the workbook; hostile text from mail stays text."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
import pytest

from tests.conftest import servers_required
from tests.web_kit import PASSWORD, STAFF, Console, console_fixture

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        reason = "Debian's chromium is missing (apt-get install chromium)"
        if servers_required():
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=60_000)
        try:
            yield launched
        finally:
            launched.close()


console = console_fixture("browser")


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(accept_downloads=True, locale="vi-VN")
    context.set_default_timeout(30_000)
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


def _log_in(page: Page, console: Console) -> None:
    page.goto(console.base + "/")
    assert page.url == console.base + "/login"
    page.fill("#username", STAFF)
    page.fill("#password", PASSWORD)
    page.click("section.login button[type=submit]")
    page.wait_for_url(console.base + "/")


def test_a_clerk_finds_a_submission_resends_its_reply_and_downloads_the_workbook(
        page: Page, console: Console, tmp_path: Path) -> None:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    _log_in(page, console)
    assert page.inner_text("h1") == "Việc cần làm"
    todo = page.inner_text("main")
    assert "Hồ sơ cần chỉnh sửa, cơ quan chưa gửi lại" in todo
    assert console.references["btc_broken"] in todo

    ref = console.references["btc_broken"]
    page.click("header nav >> text=Hồ sơ")
    page.fill("input[name=q]", ref)
    page.click("form.filters button[type=submit]")
    assert "Tìm thấy 1 hồ sơ" in page.inner_text("main")
    page.click(f"main table >> text={ref}")
    assert page.inner_text("h1") == f"Hồ sơ {ref}"
    assert "Bộ Tài chính" in page.inner_text("p.lead")
    assert "mười" in page.inner_text("main")  # the finding, with the cell it is about

    sent = len(console.sink.messages)
    page.click("button:has-text('Gửi lại thư trả lời')")
    assert f"Đã gửi lại thư trả lời hồ sơ {ref}" in page.inner_text("p.notice")
    console.sink.wait_for(sent + 1)

    page.click("header nav >> text=Tổng hợp")
    assert "Đã có số liệu hợp lệ: 1/" in page.inner_text("main")
    assert page.locator("figure.chart rect").count() > 0
    with page.expect_download() as info:
        page.click("text=Tải bảng tổng hợp (Excel)")
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.suffix == ".xlsx"
    sheet = openpyxl.load_workbook(saved).worksheets[0]
    assert "Bộ Tài chính" in [c.value for row in sheet.iter_rows() for c in row]
    assert problems == []  # no resource refused, no CSP violation


def test_hostile_text_stays_text_in_the_browser(page: Page, console: Console) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _log_in(page, console)
    ref = console.references["hostile"]
    for path in ("/", f"/submissions/{ref}", "/submissions", "/agencies"):
        page.goto(console.base + path)
        assert page.evaluate("window.pwned === undefined"), path
        assert page.evaluate("document.scripts.length") == 0, path
        assert page.locator("img").count() == 0, path
    page.goto(f"{console.base}/submissions/{ref}")
    shown = page.inner_text("main")
    assert "<script>window.pwned=1;alert('x')</script>" in shown  # visible, as text
    page.goto(console.base + "/agencies")
    hostile = page.locator("main a", has_text="onmouseover")
    assert hostile.count() == 1  # the agency named with quotes, as a plain link
    hostile.hover()
    hostile.click()
    assert "onmouseover" in page.inner_text("h1")
    page.hover("h1")
    assert page.evaluate("window.pwned === undefined")
    assert dialogs == []


def test_a_clerk_confirms_a_held_sender_from_the_console(page: Page, console: Console) -> None:
    """A form from a free-mail address waits first on the to-do list; the clerk opens it from
    there, confirms it for the agency and trusts the address: it counts, the event names the
    clerk, the to-do list no longer shows it, and the agency's page lists the address."""
    from tests.web_kit import HELD_SENDER

    held = console.references["held"]
    _log_in(page, console)
    first = page.locator("main section.block").first
    assert first.get_attribute("id") == "awaiting_confirmation"
    assert held in first.inner_text() and HELD_SENDER in first.inner_text()
    first.locator("text=Xác nhận hoặc từ chối").click()
    page.wait_for_url(f"{console.base}/submissions/{held}#settle")
    assert "Chờ xác nhận" in page.inner_text("p.lead")
    settle = page.locator("form.settle")
    assert settle.locator("select[name=agency] option[selected]").inner_text() == "Bộ Y tế"
    settle.locator("input[name=add_address]").check()
    settle.locator("button[type=submit]").click()
    notice = page.inner_text("p.notice")
    assert f"{held}: đã xác nhận; số liệu được tính cho Bộ Y tế." in notice
    assert f"Từ nay, thư gửi từ {HELD_SENDER} được tính ngay cho Bộ Y tế." in notice
    assert "Được tính" in page.inner_text("p.lead")
    assert page.locator("form.settle").count() == 0  # nothing left to confirm
    log = page.inner_text("main table >> nth=-1")
    assert STAFF in log and "Xác nhận hồ sơ" in log

    page.goto(console.base + "/")
    assert held not in page.inner_text("main")
    page.goto(console.base + "/submissions?standing=awaiting-confirmation")
    assert held not in page.inner_text("main")
    page.goto(console.base + "/agencies/bo-y-te")
    trusted = page.locator("main table", has_text="Nguồn").inner_text()
    assert HELD_SENDER in trusted and "Cán bộ" in trusted and STAFF in trusted
