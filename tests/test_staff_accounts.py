"""Staff accounts of the web console: `bcy-intake staff add|password|list|remove` over a real
SQLite store, argon2id hashes, renewal of old hashes at login, and who did what."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher

from bot.staff.accounts import (
    BadLogin,
    change_password,
    create_account,
    normal_login,
    verify_login,
)
from tests.staff_data import open_store, write_config
from tests.web_kit import cli


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A config without any mailbox password: the staff commands need the store only."""
    path = write_config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace('password = "not-used"\n', ""),
                    encoding="utf-8")
    return path


def test_add_reads_the_first_line_of_stdin_and_stores_only_an_argon2id_hash(
        config: Path, tmp_path: Path) -> None:
    code, out = cli(config, "staff", "add", "Nguyen.Van.An", stdin="s3cret pass phrase\r\nsecond\n")
    assert code == 0 and "Đã tạo tài khoản cán bộ nguyen.van.an." in out
    store = open_store(tmp_path)
    try:
        account = store.accounts.get("nguyen.van.an")
        assert account is not None
        assert account.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert "s3cret" not in account.password_hash
        assert verify_login(store, "nguyen.van.an", "s3cret pass phrase") is not None
        assert verify_login(store, "nguyen.van.an", "s3cret pass phrase\r") is None
        assert verify_login(store, "nguyen.van.an", "second") is None
        [event] = [e for e in store.events.find() if e.kind == "staff-added"]
        assert event.detail == "nguyen.van.an" and (event.actor or "").startswith("cli")
    finally:
        store.close()


def test_add_refuses_what_it_cannot_use(config: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    assert cli(config, "staff", "add", "an", stdin="mật khẩu thứ nhất\n")[0] == 0
    assert cli(config, "staff", "add", "AN", stdin="khác\n")[0] == 1
    assert "Tài khoản cán bộ an đã có" in capsys.readouterr().err
    assert cli(config, "staff", "add", "binh", stdin="\n")[0] == 64
    assert cli(config, "staff", "add", "binh", stdin="")[0] == 64
    assert "Mật khẩu (dòng đầu tiên của đầu vào chuẩn) đang trống." in capsys.readouterr().err
    for bad in ("<script>", "có dấu", "-x", "a" * 65, ""):
        assert cli(config, "staff", "add", bad, stdin="mật khẩu\n")[0] == 64, bad


def test_list_password_and_remove(config: Path, tmp_path: Path) -> None:
    assert "Chưa có tài khoản cán bộ nào" in cli(config, "staff", "list")[1]
    for login in ("binh", "an"):
        assert cli(config, "staff", "add", login, stdin=f"mật khẩu của {login}\n")[0] == 0
    code, out = cli(config, "staff", "list")
    assert code == 0
    rows = [line.split()[0] for line in out.splitlines()[2:] if line.strip()][:2]
    assert rows == ["an", "binh"] and "chưa đăng nhập" in out and "Tổng số: 2 tài khoản." in out
    store = open_store(tmp_path)
    try:
        stamp = store.accounts.get("an").session_stamp  # type: ignore[union-attr]
        assert cli(config, "staff", "password", "an", stdin="mật khẩu mới\n")[0] == 0
        renewed = store.accounts.get("an")
        assert renewed is not None and renewed.session_stamp != stamp  # old sessions end
        assert verify_login(store, "an", "mật khẩu mới") is not None
        assert verify_login(store, "an", "mật khẩu của an") is None
        assert cli(config, "staff", "password", "ai-do", stdin="x\n")[0] == 1
        assert cli(config, "staff", "remove", "binh")[0] == 0
        assert cli(config, "staff", "remove", "binh")[0] == 1
        assert [a.login for a in store.accounts.all()] == ["an"]
        kinds = [e.kind for e in store.events.find()]
    finally:
        store.close()
    assert kinds.count("staff-added") == 2 and "staff-password-changed" in kinds
    assert "staff-removed" in kinds


def test_an_old_hash_is_renewed_at_login_and_sessions_are_kept(tmp_path: Path) -> None:
    write_config(tmp_path)
    store = open_store(tmp_path)
    try:
        weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
        store.accounts.add("cu", weak.hash("mật khẩu cũ"), "stamp-1")
        assert verify_login(store, "cu", "sai") is None
        assert store.accounts.get("cu").password_hash.startswith(  # type: ignore[union-attr]
            "$argon2id$v=19$m=8192,t=1,p=1$")
        assert verify_login(store, "cu", "mật khẩu cũ") is not None
        renewed = store.accounts.get("cu")
        assert renewed is not None
        assert renewed.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert renewed.session_stamp == "stamp-1"
        assert verify_login(store, "cu", "mật khẩu cũ") is not None
        assert verify_login(store, "nobody", "mật khẩu cũ") is None
        create_account(store, "moi", "một mật khẩu", "test")
        assert change_password(store, "moi", "hai mật khẩu", "test")
        assert not change_password(store, "khong-co", "x", "test")
    finally:
        store.close()


def test_logins_are_normalised() -> None:
    assert normal_login("  Nguyen.An@BCY ") == "nguyen.an@bcy"
    for bad in ("", " ", "an toàn", "a/b", ".an", "x" * 65):
        with pytest.raises(BadLogin):
            normal_login(bad)
