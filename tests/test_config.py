"""Loading the TOML configuration: typed values, all problems at once, secrets kept secret."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config.settings import MB, ConfigError, Secret, Security, load_config

MINIMAL = """
[imap]
host = "mail.bcy.gov.vn"
port = 993
security = "ssl"
username = "ca@bcy.gov.vn"
password = "imap-hunter2"
folder = "INBOX"

[smtp]
host = "mail.bcy.gov.vn"
port = 465
security = "ssl"
username = "ca@bcy.gov.vn"
password = "smtp-hunter2"
from_address = "ca@bcy.gov.vn"

[store]
url = "sqlite:////var/lib/bcy-intake/intake.db"

[digest]
recipients = ["cts@bcy.gov.vn"]
"""


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BCY_INTAKE_IMAP_PASSWORD", "BCY_INTAKE_SMTP_PASSWORD",
                 "CREDENTIALS_DIRECTORY"):
        monkeypatch.delenv(name, raising=False)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, text))
    assert str(caught.value).splitlines() == caught.value.problems
    return caught.value.problems


def test_contract_example_loads_with_defaults(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, MINIMAL))
    assert config.imap.security is Security.SSL and config.imap.port == 993
    assert config.imap.password.reveal() == "imap-hunter2"
    assert config.imap.processed_folder == "BCY-Intake/Processed"
    assert config.imap.quarantine_folder == "BCY-Intake/Quarantine"
    assert (config.imap.tls_verify, config.imap.timeout, config.imap.batch_size) == (True, 30.0, 20)
    assert (config.imap.idle_renew_seconds, config.imap.poll_interval) == (600, 60)
    assert config.smtp.sent_folder == "Sent" and config.smtp.append_to_sent is False
    assert config.digest.recipients == ("cts@bcy.gov.vn",)
    assert config.limits.max_message_bytes == 25 * MB
    assert config.limits.max_attachment_bytes == 15 * MB
    assert (config.limits.replies_per_sender_per_day, config.limits.max_attempts) == (10, 3)
    assert config.campaign_file is None


def test_every_problem_is_listed_one_per_line(tmp_path: Path) -> None:
    text = MINIMAL.replace('port = 993', 'port = "993"').replace('"ssl"', '"tls"', 1)
    text = text.replace('host = "mail.bcy.gov.vn"\nport = 465', 'port = 465')
    text = text.replace('recipients = ["cts@bcy.gov.vn"]', 'recipients = ["a", 3]')
    text += '[limits]\nmax_attempts = 0\n[campaign]\nfile = true\n'
    problems = _problems(tmp_path, text.replace("[store]\nurl", "[store]\nuri"))
    assert problems == [
        "[imap] security: phải là một trong ssl, starttls, none, đang là 'tls'",
        "[imap] port: phải là một số nguyên, đang là một chuỗi ký tự",
        "[smtp] host: thiếu khóa bắt buộc",
        "[store] url: thiếu khóa bắt buộc",
        "[digest] recipients: phải là một danh sách chuỗi ký tự, đang là một danh sách",
        "[limits] max_attempts: phải từ 1 đến 100, đang là 0",
        "[campaign] file: phải là một chuỗi ký tự, đang là true hoặc false",
    ]


def test_missing_sections_and_unreadable_files(tmp_path: Path) -> None:
    assert _problems(tmp_path, "[store]\nurl = 'sqlite://'\n") == [
        "[imap]: thiếu mục bắt buộc", "[smtp]: thiếu mục bắt buộc"]
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match="không đọc được tệp cấu hình: không có tệp"):
        load_config(missing)
    with pytest.raises(ConfigError, match="không phải tệp TOML hợp lệ"):
        load_config(_write(tmp_path, "[imap\nhost ="))


def test_unknown_keys_are_warnings(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.config.settings"):
        load_config(_write(tmp_path, MINIMAL + "colour = 'red'\n[extra]\nx = 1\n"))
    assert "[digest] colour: khóa không được dùng, bỏ qua" in caplog.text
    assert "[extra]: mục không được dùng, bỏ qua" in caplog.text


def test_secrets_never_show(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    text = MINIMAL.replace("sqlite:////var/lib/bcy-intake/intake.db",
                           "postgresql+psycopg://bot:db-hunter2@db/intake")
    with caplog.at_level(logging.DEBUG):
        config = load_config(_write(tmp_path, text))
    shown = repr(config) + str(config) + caplog.text
    assert "hunter2" not in shown and "***" in shown
    assert repr(Secret("x")) == str(Secret("x")) == "***"
    assert Secret("x") == Secret("x") != Secret("y")
    assert config.store.url.endswith("db-hunter2@db/intake")


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BCY_INTAKE_IMAP_PASSWORD", "from-env")
    monkeypatch.setenv("BCY_INTAKE_SMTP_PASSWORD", "smtp-env")
    config = load_config(_write(tmp_path, MINIMAL))
    assert config.imap.password.reveal() == "from-env"
    assert config.smtp.password is not None and config.smtp.password.reveal() == "smtp-env"


def test_password_file_and_systemd_credentials(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "imap.pw").write_text("from-file\n")
    (tmp_path / "imap.pw").chmod(0o600)
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "smtp_password").write_text("from-credential")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    text = (MINIMAL.replace('password = "imap-hunter2"', 'password_file = "imap.pw"')
            .replace('password = "smtp-hunter2"\n', ""))
    config = load_config(_write(tmp_path, text))
    assert config.imap.password.reveal() == "from-file"  # relative to the config file
    assert config.smtp.password is not None
    assert config.smtp.password.reveal() == "from-credential"


def test_password_problems(tmp_path: Path) -> None:
    text = (MINIMAL.replace('password = "imap-hunter2"', 'password_file = "missing.pw"')
            .replace('password = "smtp-hunter2"\n', ""))
    assert _problems(tmp_path, text) == [
        f"[imap] password_file: không đọc được {tmp_path / 'missing.pw'}: "
        "không có tệp hoặc thư mục này",
        ("[smtp] password: thiếu: đặt password hoặc password_file, $BCY_INTAKE_SMTP_PASSWORD, "
         "hoặc credential systemd «smtp_password»"),
    ]
    both = MINIMAL.replace('password = "imap-hunter2"',
                           'password = "x"\npassword_file = "x.pw"')
    assert _problems(tmp_path, both) == [
        "[imap] password: chỉ đặt password hoặc password_file, không đặt cả hai"]


def test_smtp_relay_without_login_and_default_ports(tmp_path: Path) -> None:
    text = MINIMAL.replace('port = 465\nsecurity = "ssl"\nusername = "ca@bcy.gov.vn"\n'
                           'password = "smtp-hunter2"\n', 'security = "starttls"\n')
    config = load_config(_write(tmp_path, text))
    assert config.smtp.username is None and config.smtp.password is None
    assert config.smtp.port == 587


def test_tls_verify_off_is_explicit_and_warned(tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.config.settings"):
        config = load_config(_write(tmp_path, MINIMAL.replace(
            'folder = "INBOX"', 'folder = "INBOX"\ntls_verify = false')))
    assert config.imap.tls_verify is False and config.smtp.tls_verify is True
    assert "[imap] tls_verify = false" in caplog.text
    assert _problems(tmp_path, MINIMAL.replace(
        'folder = "INBOX"', 'tls_verify = "no"')) == [
        "[imap] tls_verify: phải là true hoặc false, đang là một chuỗi ký tự"]


def test_inline_passwords_in_a_readable_config_are_warned_like_files(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _write(tmp_path, MINIMAL.replace(
        'url = "sqlite:////var/lib/bcy-intake/intake.db"',
        'url = "postgresql+psycopg://intake:s3cret@db.bcy.gov.vn/intake"'))
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="bot.config.settings"):
        load_config(path)
    warned = [r.getMessage() for r in caplog.records if "ghi thẳng mật khẩu" in r.getMessage()]
    assert [w.split(":")[1].strip() for w in warned] == [
        "[imap] password", "[smtp] password", "[store] url"]
    assert "s3cret" not in caplog.text and "hunter2" not in caplog.text
    caplog.clear()
    path.chmod(0o600)
    with caplog.at_level(logging.WARNING, logger="bot.config.settings"):
        load_config(path)
    assert "ghi thẳng mật khẩu" not in caplog.text


def test_limits_have_sensible_defaults(tmp_path: Path) -> None:
    limits = load_config(_write(tmp_path, MINIMAL)).limits
    assert (limits.replies_per_sender_per_day, limits.replies_per_recipient_per_day,
            limits.replies_per_domain_per_day, limits.replies_per_hour) == (10, 10, 100, 300)
    assert limits.max_batch_bytes == 32 * MB


@pytest.mark.parametrize("change,problem", [
    (('from_address = "ca@bcy.gov.vn"', 'from_address = "not-an-address"'),
     "[smtp] from_address: không phải địa chỉ thư điện tử dạng ca@bcy.gov.vn: "
     "'not-an-address'"),
    (('recipients = ["cts@bcy.gov.vn"]', 'recipients = ["cts@bcy.gov.vn", "Phòng CTS"]'),
     "[digest] recipients: không phải địa chỉ thư điện tử dạng cts@bcy.gov.vn: 'Phòng CTS'"),
    (('folder = "INBOX"', 'folder = "INBOX"\nidle_renew_seconds = 3600'),
     "[imap] idle_renew_seconds: phải từ 10 đến 1740, đang là 3600"),
    (('folder = "INBOX"', 'folder = "INBOX"\ntimeout = 600'),
     "[imap] timeout: không được quá 110, đang là 600"),
    (('url = "sqlite:////var/lib/bcy-intake/intake.db"', 'url = "sqlite:///intake.db"'),
     "[store] url: tệp SQLite phải là đường dẫn tuyệt đối, đang là 'intake.db' "
     "(viết sqlite:////var/lib/bcy-intake/intake.db: bốn dấu gạch chéo)"),
])
def test_addresses_ranges_and_relative_sqlite_paths_are_refused(
        tmp_path: Path, change: tuple[str, str], problem: str) -> None:
    assert change[0] in MINIMAL
    assert _problems(tmp_path, MINIMAL.replace(*change)) == [problem]


def test_trust_section(tmp_path: Path) -> None:
    extra = tmp_path / "them.txt"
    extra.write_text("# more\nmail.example.vn\n", encoding="utf-8")
    config = load_config(_write(tmp_path, MINIMAL + """
[trust]
authserv_id = "MX.bcy.gov.vn"
free_mail_file = "them.txt"
[trust.senders]
bo-y-te = ["CNTT.BYT@gmail.com", "kcb.moh.gov.vn"]
"""))
    trust = config.trust
    assert trust.authserv_id == "mx.bcy.gov.vn" and trust.require_pass is False
    assert trust.senders == (("bo-y-te", "cntt.byt@gmail.com"), ("bo-y-te", "kcb.moh.gov.vn"))
    assert {"gmail.com", "mail.example.vn"} <= trust.free_mail
    default = load_config(_write(tmp_path, MINIMAL)).trust
    assert default.authserv_id is None and "gmail.com" in default.free_mail
    assert default.senders == ()


def test_trust_section_problems(tmp_path: Path) -> None:
    problems = _problems(tmp_path, MINIMAL + """
[trust]
require_pass = "yes"
free_mail_file = "missing.txt"
[trust.senders]
bo-y-te = ["gmail.com", "a b@x.vn", "yahoo.com.vn"]
bo-tai-chinh = "mof.gov.vn"
""")
    assert problems[0].startswith("[trust] free_mail_file: ")
    assert problems[1:] == [
        "[trust] require_pass: phải là true hoặc false, đang là một chuỗi ký tự",
        "[trust] senders.bo-y-te: 'gmail.com' là tên miền thư miễn phí, không chứng minh được "
        "người gửi thuộc cơ quan; ghi từng địa chỉ đầy đủ thay vì tên miền",
        "[trust] senders.bo-y-te: không phải địa chỉ thư điện tử hay tên miền: 'a b@x.vn'",
        "[trust] senders.bo-y-te: 'yahoo.com.vn' là tên miền thư miễn phí, không chứng minh "
        "được người gửi thuộc cơ quan; ghi từng địa chỉ đầy đủ thay vì tên miền",
        "[trust] senders.bo-tai-chinh: phải là một danh sách địa chỉ thư điện tử hoặc tên miền",
    ]
