"""Pieces of the console that need no server: the [web] section, the session key file, the
trusted-proxy rule, the chart's geometry, an agency's history from the store, safe download
names, submission search and pages, and the `web` command's refusals."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder

from bot.config.settings import ConfigError, load_config, parse_config
from bot.config.web import split_listen
from bot.errors import CommandError
from bot.intake.changes import agency_history
from bot.intake.service import open_service
from bot.staff.browse import Query, search
from bot.web.chart import nice_ceiling, stacked_columns
from bot.web.page import safe_name
from bot.web.proxy import VIA_PROXY, TrustedProxies
from bot.web.secret import secret_key
from parsers.spec.campaign import default_campaign
from replies.mail.compose import quantity_table
from tests.staff_data import add_submission, grid, open_store, write_config
from tests.store_kit import sqlite_only
from tests.web_kit import cli

CAMPAIGN = default_campaign()
BASE = {"imap": {"host": "h", "username": "u", "password": "p"},
        "smtp": {"host": "h", "from_address": "a@b.vn"}, "store": {"url": "sqlite:////tmp/x.db"}}


def _web(tmp_path: Path, **web: Any) -> Any:
    return parse_config({**BASE, "web": web}, tmp_path).web


def test_the_web_section_has_safe_defaults_and_reports_every_mistake(tmp_path: Path) -> None:
    web = parse_config(BASE, tmp_path).web
    assert (web.listen, web.workers, web.cookie_secure, web.trust_remote_user) == (
        "127.0.0.1:8080", 3, False, False)
    assert web.trusted_proxies == ("127.0.0.1", "::1")
    assert _web(tmp_path, secret_key_file="key").secret_key_file == tmp_path / "key"
    with pytest.raises(ConfigError) as caught:
        _web(tmp_path, listen="8080", workers=0, trusted_proxies=["proxy.local"],
             secret_key="short", colour="blue")
    problems = caught.value.problems
    assert any(p.startswith("[web] listen:") for p in problems)
    assert any(p.startswith("[web] workers:") for p in problems)
    assert any("không phải địa chỉ IP hay dải mạng: 'proxy.local'" in p for p in problems)
    assert any(p.startswith("[web] secret_key: quá ngắn") for p in problems)
    with pytest.raises(ConfigError, match="cần trusted_proxies"):
        _web(tmp_path, trust_remote_user=True, trusted_proxies=[])
    assert split_listen("[::1]:8443") == ("::1", 8443)
    for bad in ("localhost", ":80", "h:0", "h:99999", "h:x"):
        with pytest.raises(ValueError):
            split_listen(bad)


@sqlite_only  # the default place of the key is beside the SQLite file
def test_the_session_key_is_made_once_private_and_reused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    cfg = load_config(write_config(tmp_path))
    key = secret_key(cfg)
    path = tmp_path / "web-secret.key"
    assert len(key) == 64 and path.read_bytes() == key
    assert path.stat().st_mode & 0o777 == 0o600
    assert secret_key(cfg) == key
    state = tmp_path / "state"
    state.mkdir()
    monkeypatch.setenv("STATE_DIRECTORY", str(state))
    assert secret_key(cfg) != key and (state / "web-secret.key").exists()
    (state / "web-secret.key").write_bytes(b"short")
    with pytest.raises(CommandError, match="ngắn hơn 32 byte"):
        secret_key(cfg)
    monkeypatch.delenv("STATE_DIRECTORY")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    elsewhere = parse_config({**BASE, "store": {"url": "postgresql+psycopg://u@db/intake"}},
                             tmp_path)
    assert len(secret_key(elsewhere)) == 64  # no SQLite folder: the user's state directory
    assert (tmp_path / "xdg" / "bcy-intake" / "web-secret.key").stat().st_mode & 0o777 == 0o600


def _through(proxies: list[str], peer: str, headers: dict[str, str]) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.update(environ)
        return []
    environ = EnvironBuilder(path="/", headers=headers).get_environ()
    environ["REMOTE_ADDR"] = peer
    TrustedProxies(app, proxies)(environ, lambda *a: None)  # type: ignore[arg-type]
    return seen


def test_forwarded_headers_are_believed_only_from_a_trusted_proxy() -> None:
    forwarded = {"X-Forwarded-For": "198.51.100.4", "X-Forwarded-Proto": "https"}
    trusted = _through(["127.0.0.1", "10.0.0.0/8"], "10.1.2.3", forwarded)
    assert trusted["REMOTE_ADDR"] == "198.51.100.4" and trusted["wsgi.url_scheme"] == "https"
    assert trusted[VIA_PROXY] is True
    stranger = _through(["127.0.0.1"], "192.0.2.8", forwarded)
    assert stranger["REMOTE_ADDR"] == "192.0.2.8" and stranger["wsgi.url_scheme"] == "http"
    assert stranger[VIA_PROXY] is False
    assert _through([], "127.0.0.1", forwarded)[VIA_PROXY] is False


def test_the_chart_stacks_each_year_on_a_round_scale() -> None:
    assert [nice_ceiling(v) for v in (0, 1, 7, 10, 11, 745, 2001)] == [1, 1, 10, 10, 20, 1000,
                                                                       5000]
    table = quantity_table({"organization_usb_token": {"2021": 120, "2022": 80},
                            "personal_sim_pki": {"2021": 30}}, CAMPAIGN)
    chart = stacked_columns(table, CAMPAIGN.years)
    assert [c.total for c in chart.columns] == [150, 80, 0, 0, 0]
    first = [b for b in chart.bars if b.year == "2021"]
    assert [(b.label, b.value) for b in first] == [(CAMPAIGN.quantity_rows[0].short, 120),
                                                   (CAMPAIGN.quantity_rows[2].short, 30)]
    assert first[0].y + first[0].height == pytest.approx(chart.baseline)  # on the axis
    assert first[1].y + first[1].height == pytest.approx(first[0].y, abs=0.2)  # stacked
    assert chart.ticks[0] == (chart.baseline, 0) and chart.ticks[-1][1] == 200
    empty = stacked_columns(quantity_table({}, CAMPAIGN), CAMPAIGN.years)
    assert empty.bars == [] and all(c.total == 0 for c in empty.columns)


def test_history_compares_each_accepted_form_with_the_last_counted_one(tmp_path: Path) -> None:
    write_config(tmp_path)
    store = open_store(tmp_path)
    t0 = datetime(2021, 5, 10, tzinfo=UTC)
    try:
        for n, (verdict, base) in enumerate((("accepted", 1), ("needs_correction", 5),
                                             ("accepted", 2))):
            add_submission(store, agency_key="bo-tai-chinh", agency="Bộ Tài chính",
                           sender="vt@mof.gov.vn", verdict=verdict,  # type: ignore[arg-type]
                           received_at=t0 + timedelta(days=n), quantities=grid(base))
        steps = agency_history(store.submissions.find(agency_key="bo-tai-chinh"), CAMPAIGN)
    finally:
        store.close()
    assert [s.submission.reference for s in steps] == [
        "BCY-CTS-2021-0001", "BCY-CTS-2021-0002", "BCY-CTS-2021-0003"]
    assert steps[0].changes is None and steps[1].changes is None  # the first; not accepted
    third = steps[2].changes
    assert third is not None and third.previous == "BCY-CTS-2021-0001"
    assert (third.cells[0].year, third.cells[0].old, third.cells[0].new) == ("2021", 1, 2)
    assert len(third.cells) == 25 and third.new_total == third.old_total + 25


def test_search_matches_text_without_accents_and_pages(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    store = open_store(tmp_path)
    t0 = datetime(2021, 5, 10, 3, tzinfo=UTC)
    try:
        for n in range(5):
            add_submission(store, agency_key="tinh-bac-ninh", agency="UBND tỉnh Bắc Ninh",
                           sender=f"vt{n}@bacninh.gov.vn", verdict="accepted",
                           received_at=t0 + timedelta(days=n))
        add_submission(store, agency_key=None, agency=None, sender="ai@gmail.com",
                       verdict="unreadable", received_at=t0)
    finally:
        store.close()
    service = open_service(str(config))
    try:
        every = search(service, Query(), page_size=2)
        assert (every.total, every.pages, every.number) == (6, 3, 1)
        assert [f.line.reference for f in every.items] == ["BCY-CTS-2021-0005",
                                                           "BCY-CTS-2021-0004"]  # newest first
        last = search(service, Query(page=99), page_size=2)
        assert last.number == 3 and len(last.items) == 2
        assert search(service, Query(text="BAC NINH")).total == 5
        assert search(service, Query(text="vt3@bacninh")).total == 1
        assert search(service, Query(text="Bắc Ninh", verdict="unreadable")).total == 0
        day = t0.date() + timedelta(days=1)
        assert search(service, Query(first_day=day, last_day=day)).total == 1
        assert [f.agency for f in search(service, Query(agency_key="tinh-bac-ninh")).items
                ][:1] == ["Ủy ban nhân dân tỉnh Bắc Ninh"]  # the registry's name
    finally:
        service.store.close()


def test_download_names_are_made_safe() -> None:
    assert safe_name("mẫu đăng ký.docx", "x") == "mẫu đăng ký.docx"
    assert safe_name('../../"><img src=x>.docx', "x") == "img src=x_.docx"
    assert safe_name("a\r\nb\x00.xlsx", "x") == "a_b_.xlsx"
    assert safe_name(None, "tep-1") == safe_name("...", "tep-1") == "tep-1"
    assert len(safe_name("a" * 500, "x")) == 150


def test_the_web_command_refuses_with_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path)
    assert cli(config, "web", "--listen", "nonsense")[0] == 64
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli(config, "web", "--listen", f"127.0.0.1:{port}")[0] == 75
    assert f"Không mở được cổng 127.0.0.1:{port}" in capsys.readouterr().err
    with config.open("a", encoding="utf-8") as fh:
        fh.write('\n[web]\nsecret_key_file = "/proc/no/such/dir/key"\n')
    assert cli(config, "web")[0] == 78
    assert "Không dùng được tệp khóa phiên /proc/no/such/dir/key" in capsys.readouterr().err
