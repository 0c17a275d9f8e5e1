"""The console behind a reverse proxy that ends TLS and may authenticate: the real
`bcy-intake web` with `trusted_proxies = ["127.0.0.2"]`, `trust_remote_user` and
`cookie_secure`. Requests from 127.0.0.2 play the proxy; from 127.0.0.1, a client that
reached the port directly and forges the proxy's headers."""

from __future__ import annotations

from bot.config.settings import load_config
from bot.store.database import Store
from tests.web_kit import PASSWORD, STAFF, Console, console_fixture

PROXY = "127.0.0.2"
WEB = 'trusted_proxies = ["127.0.0.2"]\ntrust_remote_user = true\ncookie_secure = true\n'


console = console_fixture("proxy", WEB)


def _attempts(console: Console) -> list[tuple[str, str]]:
    store = Store.open(load_config(console.config).store.url)
    try:
        with store.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT login, address FROM login_attempts").all()
    finally:
        store.close()
    return [(str(login), str(address)) for login, address in rows]


def test_the_proxys_login_header_lets_a_staff_member_in(console: Console) -> None:
    client = console.client(PROXY)
    page = client.get("/", headers={"X-Remote-User": STAFF.upper(),
                                    "X-Forwarded-Proto": "https"})
    assert page.status == 200 and STAFF in page.text
    [cookie] = [c for c in client.set_cookies if c.startswith("bcy_session=")][-1:]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_login_header_naming_no_staff_account_gets_the_login_form(console: Console) -> None:
    for name in ("nobody", "<script>", ""):
        reply = console.client(PROXY).get("/", headers={"X-Remote-User": name})
        assert reply.status == 303 and reply.location.startswith("/login"), name


def test_a_client_reaching_the_port_directly_cannot_forge_the_proxys_headers(
        console: Console) -> None:
    direct = console.client()  # 127.0.0.1: not a trusted proxy here
    forged = {"X-Remote-User": STAFF, "X-Forwarded-For": "198.51.100.50"}
    assert direct.get("/", headers=forged).status == 303
    assert direct.login(STAFF, "wrong", headers=forged).status == 401
    via_proxy = console.client(PROXY)
    assert via_proxy.login(STAFF, "wrong", headers={"X-Forwarded-For": "198.51.100.51"}
                           ).status == 401
    attempts = _attempts(console)
    assert (STAFF, "127.0.0.1") in attempts and (STAFF, "198.51.100.51") in attempts
    assert all(address != "198.51.100.50" for _, address in attempts)


def test_behind_tls_a_form_must_come_from_the_console_itself(console: Console) -> None:
    client = console.client(PROXY)
    tls = {"X-Forwarded-Proto": "https"}
    token = client.token()
    fields = {"csrf_token": token, "username": STAFF, "password": PASSWORD}
    assert client.post("/login", fields, headers=tls).status == 403  # no Referer
    elsewhere = {**tls, "Referer": "https://evil.example/login"}
    assert client.post("/login", fields, headers=elsewhere).status == 403
    ours = {**tls, "Referer": f"https://127.0.0.1:{console.port}/login"}
    reply = client.post("/login", fields, headers=ours)
    assert reply.status == 303 and reply.location == "/"
