"""The staff console over HTTP: the real `bcy-intake web` process on 127.0.0.1, over a store
filled by a real intake cycle. Access control on every route (read from the app's own URL map,
so a new page is covered without touching this file), CSRF refusal on every state-changing
route, the login contract, sessions, throttling, security headers, escaping of hostile mail,
downloads, and the actions with the event they leave."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from werkzeug.routing import Rule

from bot.config.settings import load_config
from bot.intake.service import service_for
from bot.staff.labels import labels
from bot.store.database import Store
from bot.web.app import create_app
from tests.web_kit import (
    IMG,
    PASSWORD,
    SCRIPT,
    STAFF,
    Client,
    Console,
    cli,
    console_fixture,
)

SAFE = {"GET", "HEAD", "OPTIONS"}
OPEN_ENDPOINTS = {"login.form", "login.submit", "static"}


console = console_fixture("web")


@pytest.fixture
def staff(console: Console) -> Client:
    """A client logged in as the staff account."""
    client = console.client()
    assert client.login().status == 303
    return client


def _store(console: Console) -> Store:
    return Store.open(load_config(console.config).store.url)


def _rules(console: Console) -> list[Rule]:
    """Every route of the console, read from the application itself."""
    service = service_for(load_config(console.config))
    try:
        return list(create_app(service, b"k" * 32).url_map.iter_rules())
    finally:
        service.store.close()


def _path(rule: Rule, console: Console) -> str:
    """The rule's URL with a real value for each part where there is one."""
    samples = {"reference": console.references["btc"], "key": "bo-tai-chinh"}

    def value(match: re.Match[str]) -> str:
        converter, name = match.group(1), match.group(2)
        return samples.get(name, "1" if converter == "int" else "x")
    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", value, rule.rule)


def test_every_page_but_login_and_static_sends_a_stranger_to_login(console: Console) -> None:
    rules = [r for r in _rules(console) if r.endpoint not in OPEN_ENDPOINTS]
    assert {"home.todo_list", "submissions.show", "summary.workbook"} <= {
        r.endpoint for r in rules}
    stranger = console.client()
    token = stranger.token()  # a valid token of a session that is not logged in
    for rule in rules:
        path = _path(rule, console)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            reply = (stranger.get(path) if method == "GET"
                     else stranger.post(path, {"csrf_token": token}))
            assert reply.status in (302, 303), (method, path, reply.status)
            assert reply.location.startswith("/login"), (method, path, reply.location)
            assert "Bộ Tài chính" not in reply.text and "vanthu@" not in reply.text
    # unknown paths too: a stranger learns nothing of what exists
    assert stranger.get("/no/such/page").location.startswith("/login")
    assert stranger.get("/").location == "/login"
    assert stranger.get("/login").status == 200
    assert stranger.get("/static/console.css").status == 200


def test_every_state_changing_route_refuses_a_missing_or_wrong_csrf_token(
        console: Console, staff: Client) -> None:
    posts = [r for r in _rules(console) if (r.methods or set()) - SAFE]
    assert len(posts) >= 10
    assert {"submissions.confirm", "submissions.reject"} <= {r.endpoint for r in posts}
    store = _store(console)
    try:
        before = (len(store.events.find()), len(store.outbox.unsent()), len(store.accounts.all()),
                  [(s.standing, s.settled_by) for s in store.submissions.find()],
                  store.senders.find())
        other = console.client()
        foreign = other.token()  # valid, but for another session
        for rule in posts:
            path = _path(rule, console)
            for fields in ({}, {"csrf_token": "nonsense"}, {"csrf_token": foreign}):
                reply = staff.post(path, {**fields, "address": "a@b.gov.vn", "role": "contact"})
                assert reply.status == 403, (path, fields, reply.status)
                assert "Yêu cầu không hợp lệ" in reply.text
        # a login form posted without its token is refused too, whatever the password
        assert console.client().post("/login", {"username": STAFF,
                                                "password": PASSWORD}).status == 403
        after = (len(store.events.find()), len(store.outbox.unsent()), len(store.accounts.all()),
                 [(s.standing, s.settled_by) for s in store.submissions.find()],
                 store.senders.find())
    finally:
        store.close()
    assert after == before  # nothing was done
    assert staff.get("/").status == 200  # and the session still works


def test_login_contract_and_the_session_cookie(console: Console) -> None:
    client = console.client()
    page = client.get("/login")
    assert page.status == 200
    for field in ('name="username"', 'name="password"', 'type="hidden" name="csrf_token"'):
        assert field in page.text
    reply = client.login()
    assert reply.status in (302, 303) and reply.location == "/"
    [session] = [c for c in client.set_cookies if c.startswith("bcy_session=")][-1:]
    assert "HttpOnly" in session and "SameSite=Lax" in session and "Secure" not in session
    assert client.get("/").status == 200
    # logging out ends it
    assert client.act("/logout").location == "/login"
    assert client.get("/").status == 303


def test_a_wrong_password_or_login_gets_the_form_again_without_a_session(
        console: Console) -> None:
    for user, password in ((STAFF, "wrong"), ("nobody", PASSWORD), ("<script>", "x")):
        client = console.client()
        reply = client.login(user, password, headers={"X-Forwarded-For": "198.51.100.7"})
        assert reply.status == 401
        assert "Tên đăng nhập hoặc mật khẩu không đúng" in reply.text
        assert client.get("/").status == 303


def test_login_goes_back_to_the_page_asked_for_but_never_off_site(console: Console) -> None:
    ref = console.references["btc"]
    client = console.client()
    asked = client.get(f"/submissions/{ref}?tab=1")
    assert asked.location == "/login"  # bare: the page asked for waits in the session
    assert client.login().location == f"/submissions/{ref}?tab=1"
    assert console.client().login().location == "/"
    for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        other = console.client()
        reply = other.post("/login", {"csrf_token": other.token(), "username": STAFF,
                                      "password": PASSWORD, "next": evil})
        assert reply.location == "/", evil


def test_security_headers(console: Console, staff: Client) -> None:
    for reply in (staff.get("/"), console.client().get("/login")):
        csp = reply.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp and "script-src" not in csp  # no script at all
        assert reply.headers["X-Frame-Options"] == "DENY"
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        assert reply.headers["Referrer-Policy"] == "same-origin"
        assert reply.headers["Cache-Control"] == "no-store"
        assert "<script" not in reply.text and " style=" not in reply.text


def test_a_submission_page_shows_its_reference_agency_numbers_findings_and_reply(
        console: Console, staff: Client) -> None:
    ref = console.references["btc_broken"]
    page = staff.get(f"/submissions/{ref}")
    assert page.status == 200
    text = page.text
    assert f"Hồ sơ {ref}" in text and "Bộ Tài chính" in text
    assert "Cần chỉnh sửa" in text and "vanthu@mof.gov.vn" in text
    assert "mười" in text  # the finding quotes the cell
    assert "mau-dang-ky.docx" in text and "tệp biểu mẫu của hồ sơ" in text
    assert f"[{ref}]" in text and "Đã gửi lúc" in text  # the reply and its delivery
    assert console.references["btc"] in text  # the agency's history
    assert staff.get("/submissions/BCY-CTS-2021-9999").status == 404


def test_search_and_filters(console: Console, staff: Client) -> None:
    refs = console.references
    def found(query: str) -> set[str]:
        text = staff.get(f"/submissions?{query}").text
        return set(re.findall(r">(BCY-CTS-2021-\d{4})</a>", text))
    assert found("") == set(refs.values())
    assert found(f"q={refs['btc']}") == {refs["btc"]}
    assert found("q=bo+tai+chinh") == {refs["btc"], refs["btc_broken"]}
    assert found("q=VANTHU%40MOF") == {refs["btc"], refs["btc_broken"]}
    assert found("verdict=accepted") == {refs["btc"], refs["held"]}
    assert found("agency=bo-tai-chinh&verdict=needs_correction") == {refs["btc_broken"]}
    assert found("from=2000-01-01&to=2000-12-31") == set()
    assert found("verdict=nonsense&from=not-a-date&page=x") == set(refs.values())
    held = found("standing=awaiting-confirmation")
    assert refs["held"] in held and refs["btc"] not in held
    assert found("standing=counted&verdict=accepted") == {refs["btc"]}
    assert found("standing=nonsense") == set(refs.values())
    listed = staff.get("/submissions?standing=awaiting-confirmation").text
    assert 'class="badge awaiting-confirmation">Chờ xác nhận<' in listed


def test_the_console_and_the_digest_list_the_same_things_to_do(
        console: Console, staff: Client) -> None:
    """One to-do list: the blocks of the home page are those of the digest's first section,
    awaiting confirmation first, and the held form links to where it is confirmed."""
    page = staff.get("/").text
    shown = re.findall(r'<section class="block" id="(\w+)">', page)
    assert shown[0] == "awaiting_confirmation"
    assert {"open_corrections", "left_for_people"} <= set(shown)
    held = console.references["held"]
    assert f'href="/submissions/{held}#settle"' in page
    code, digest = cli(console.config, "digest")
    assert code == 0
    todo = digest.split("II. TIẾN ĐỘ")[0]
    titles = labels("staff/labels.toml.j2")["todo"]
    assert [k for k in titles if titles[k]["title"] in todo] == [
        k for k in titles if k in shown]
    assert held in todo
    # the agency whose only form is held is in that state on the console as in the digest
    waiting = staff.get("/agencies?state=awaiting_confirmation").text
    assert ">Bộ Y tế</a>" in waiting and ">Bộ Tài chính</a>" not in waiting
    assert "Bộ Y tế (chờ xác nhận)" in digest
    summary = staff.get("/summary").text
    assert "Chờ xác nhận người gửi</a>: 1" in summary


def test_hostile_text_from_mail_is_rendered_inert(console: Console, staff: Client) -> None:
    ref = console.references["hostile"]
    pages = ["/", "/submissions", f"/submissions/{ref}", "/agencies", "/summary",
             f"/submissions?q={ref}"]
    agency = re.search(r'href="(/agencies/[^"]*onmouseover[^"]*)"', staff.get("/agencies").text)
    assert agency, "the hostile agency is listed"
    pages.append(agency.group(1))
    for path in pages:
        reply = staff.get(path)
        assert reply.status == 200, path
        text = reply.text
        assert "<script" not in text and "<img" not in text, path
        assert 'onerror="' not in text and 'onmouseover="' not in text, path
        assert "'javascript:" not in text and 'href="javascript' not in text.lower(), path
    shown = staff.get(f"/submissions/{ref}").text
    assert "&lt;script&gt;window.pwned=1" in shown  # there, as text
    assert "&#34;&gt;&lt;img src=x onerror=&#34;window.pwned=2&#34;&gt;" in shown
    assert "Số lượng phải là số nguyên" in shown  # the finding about the hostile cell
    assert "Bộ Ngoại Lai&#34; onmouseover=&#34;window.pwned=3&#34; x=&#39;javascript" in shown
    todo = staff.get("/").text
    assert "Hỏi &lt;script&gt;" in todo  # the question mail, left for people


def test_files_of_the_mail_download_as_attachments_with_safe_names(
        console: Console, staff: Client) -> None:
    ref = console.references["hostile"]
    reply = staff.get(f"/submissions/{ref}/files/1")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/octet-stream"
    disposition = reply.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "<" not in disposition and "\n" not in disposition and "/" not in disposition
    assert reply.raw[:2] == b"PK"  # the .docx as it came
    assert staff.get(f"/submissions/{ref}/files/2").status == 404
    mail = staff.get(f"/submissions/{ref}/mail.eml")
    assert mail.status == 200 and b"Message-ID: <hostile-1@evil.example>" in mail.raw


def test_the_workbook_downloads(console: Console, staff: Client) -> None:
    reply = staff.get("/summary/workbook.xlsx")
    assert reply.status == 200
    assert re.match(r'attachment; filename=tong-hop-\S+-\d{4}-\d\d-\d\d\.xlsx',
                    reply.headers["Content-Disposition"])
    book = openpyxl.load_workbook(io.BytesIO(reply.raw))
    cells = [str(c.value) for row in book.worksheets[0].iter_rows() for c in row]
    assert "Bộ Tài chính" in cells and console.references["btc"] in cells


def test_resend_and_reprocess_act_through_the_service_and_record_who(
        console: Console, staff: Client) -> None:
    ref = console.references["btc_broken"]
    page = f"/submissions/{ref}"
    sent_before = len(console.sink.messages)
    reply = staff.act(f"{page}/resend", page=page)
    assert reply.status == 303 and reply.location == page
    assert len(console.sink.wait_for(sent_before + 1)) == sent_before + 1
    again = console.sink.messages[-1]
    assert f"X-BCY-Intake-Reference: {ref}".encode() in again.raw
    shown = staff.get(page).text
    assert f"Đã gửi lại thư trả lời hồ sơ {ref} đến vanthu@mof.gov.vn" in shown
    assert staff.act(f"{page}/reprocess", page=page).status == 303
    shown = staff.get(page).text
    assert f"Đã xử lý lại hồ sơ {ref}: kết quả không đổi" in shown
    store = _store(console)
    try:
        mine = [(e.kind, e.actor) for e in store.events.find() if e.actor == STAFF]
    finally:
        store.close()
    assert ("reply-resent", STAFF) in mine and ("submission-reprocessed", STAFF) in mine
    assert f"<td>{STAFF}</td><td>Gửi lại thư trả lời</td>" in shown


def test_agency_addresses_are_edited_with_who_and_when(console: Console, staff: Client) -> None:
    """A "trusted" address staff add is a trusted sender (store.senders, source staff); a
    "contact" is where `remind` writes. Both are kept with who added and removed them."""
    page = "/agencies/bo-tai-chinh"
    added = staff.act(f"{page}/addresses", {"address": "VanThu2@MOF.gov.vn", "role": "trusted"},
                      page=page)
    assert added.status == 303 and added.location == page
    text = staff.get(page).text
    assert "hồ sơ gửi từ vanthu2@mof.gov.vn được tính ngay cho Bộ Tài chính" in text
    assert "vanthu2@mof.gov.vn" in text and "mof.gov.vn</td><td>Danh sách cơ quan" in text
    assert f"<td>{STAFF}</td>" in text
    bad = staff.act(f"{page}/addresses", {"address": f"x{SCRIPT}", "role": "contact"}, page=page)
    assert "không hợp lệ" in staff.get(bad.location).text
    store = _store(console)
    try:
        [mine] = [t for t in store.senders.find("bo-tai-chinh") if t.source == "staff"]
        assert (mine.sender, mine.added_by) == ("vanthu2@mof.gov.vn", STAFF)
        assert mine in store.senders.matching("VanThu2@mof.gov.vn")
        staff.act(f"{page}/senders/{mine.id}/remove", page=page)
        assert mine.id not in {t.id for t in store.senders.matching("vanthu2@mof.gov.vn")}
        [removed] = [t for t in store.senders.find("bo-tai-chinh", with_removed=True)
                     if t.source == "staff"]
        registry = [t for t in store.senders.find("bo-tai-chinh") if t.source == "registry"]
        assert staff.act(f"{page}/senders/{registry[0].id}/remove", page=page).status == 303
        assert store.senders.find("bo-tai-chinh") == registry  # the file's stay
        kinds = [(e.kind, e.actor) for e in store.events.find()]
    finally:
        store.close()
    assert removed.removed_by == STAFF and removed.removed_at is not None
    assert ("agency-address-added", STAFF) in kinds and ("agency-address-removed", STAFF) in kinds
    assert "Địa chỉ đã bỏ" in staff.get(page).text

    held = "/agencies/bo-y-te"  # its only form waits for confirmation: remind writes to it
    staff.act(f"{held}/addresses", {"address": "lienhe@moh.gov.vn", "role": "contact"}, page=held)
    shown = staff.get(held).text
    assert "<p>lienhe@moh.gov.vn <span" in shown and "thư nhắc hạn gửi đến đây" in shown
    code, planned = cli(console.config, "remind")
    assert code == 0
    assert "Bộ Y tế → lienhe@moh.gov.vn" in planned


def test_mail_left_for_people_leaves_the_list_once_handled(
        console: Console, staff: Client) -> None:
    todo = staff.get("/").text
    found = re.search(r'action="(/mail/(\d+)/handled)"', todo)
    assert found and "Thư không phải Mẫu đăng ký, để lại trong hộp thư cho cán bộ đọc (1)" in todo
    raw = staff.get(f"/mail/{found.group(2)}.eml")
    assert raw.status == 200 and b"question-1@evil.example" in raw.raw
    assert staff.act(found.group(1)).status == 303
    assert "Thư không phải Mẫu đăng ký" not in staff.get("/").text


def test_throttled_logins_are_counted_in_the_store_across_workers_and_restarts(
        console: Console) -> None:
    assert console.client().login().status == 303  # failures of earlier tests no longer count
    client = console.client()
    lone = {"X-Forwarded-For": "203.0.113.9"}  # through the trusted proxy (127.0.0.1)
    for _ in range(5):
        assert client.login(STAFF, "wrong", headers=lone).status == 401
    locked = client.login(STAFF, PASSWORD, headers=lone)
    assert locked.status == 429 and locked.headers["Retry-After"] == str(15 * 60)
    assert "thử lại sau 15 phút" in locked.text
    assert console.stop() == 0  # SIGTERM, as systemd stops it: a clean exit
    console.start()
    assert console.client().login(headers={"X-Forwarded-For": "203.0.113.10"}).status == 429
    store = _store(console)
    try:
        store.accounts.record_attempt(STAFF, "test", True)  # as if the lock had run out
    finally:
        store.close()
    assert console.client().login().status == 303


def test_a_staff_account_removed_or_given_a_new_password_loses_its_sessions(
        console: Console) -> None:
    assert cli(console.config, "staff", "add", "tam.thoi", stdin="một mật khẩu tạm\n")[0] == 0
    client = console.client()
    assert client.login("tam.thoi", "một mật khẩu tạm").status == 303
    assert client.get("/").status == 200
    assert cli(console.config, "staff", "password", "tam.thoi", stdin="mật khẩu mới hơn\n")[0] == 0
    assert client.get("/").status == 303
    assert client.login("tam.thoi", "mật khẩu mới hơn").status == 303
    assert cli(console.config, "staff", "remove", "tam.thoi")[0] == 0
    assert client.get("/").status == 303


def test_the_session_key_file_is_private(console: Console) -> None:
    key = console.config.with_name("web-secret.key")  # beside the store, or named so
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_bytes()) == 64


def test_the_page_names_what_is_inert_not_what_was_typed(console: Console, staff: Client) -> None:
    """A search for hostile text is echoed back escaped in the search box."""
    reply = staff.get("/submissions?q=" + "%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert reply.status == 200 and "<script>alert(1)" not in reply.text
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in reply.text
    assert IMG not in reply.text
