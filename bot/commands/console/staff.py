"""`bcy-intake staff add|password|list|remove`: the accounts of the web console. A password is
read from the first line of standard input (typed without echo at a terminal); only its argon2id
hash is stored. Needs the store only: no mailbox password."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands import HELP
from bot.commands.arguments import actor
from bot.config.settings import config_path
from bot.errors import CommandError, UsageError
from bot.intake.service import open_store
from bot.staff.accounts import (
    AccountExists,
    BadLogin,
    change_password,
    create_account,
    normal_login,
    remove_account,
)
from bot.staff.labels import local
from bot.store.database import Store
from replies.render import render, staff_message

log = logging.getLogger(__name__)
SHORT_PASSWORD = 12  # below this a warning; the choice stays the administrator's
WITH_PASSWORD = "; the password is the first line of standard input"


def register(sub: Any) -> None:
    p = sub.add_parser("staff", help=HELP["staff"])
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    for name, text, func in (("add", "create an account" + WITH_PASSWORD, run_add),
                             ("password", "set a new password, ending the account's sessions"
                              + WITH_PASSWORD, run_password),
                             ("remove", "delete an account, ending its sessions", run_remove)):
        one = actions.add_parser(name, help=text)
        one.add_argument("login", metavar="LOGIN")
        one.set_defaults(func=func)
    actions.add_parser("list", help="the accounts").set_defaults(func=run_list)


def _login(text: str) -> str:
    try:
        return normal_login(text)
    except BadLogin:
        raise UsageError(staff_message("not_a_login", text=text)) from None


def read_password() -> str:
    """The first line of stdin, its line ending dropped; asked without echo at a terminal."""
    if sys.stdin.isatty():
        password = getpass.getpass(staff_message("password_prompt") + " ")
    else:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    if not password:
        raise UsageError(staff_message("empty_password"))
    if len(password) < SHORT_PASSWORD:
        log.warning("%s", staff_message("short_password", least=SHORT_PASSWORD))
    return password


def run_add(args: argparse.Namespace) -> int:
    login, password = _login(args.login), read_password()
    store = open_store(config_path(args.config))[1]
    try:
        create_account(store, login, password, actor())
    except AccountExists:
        raise CommandError(staff_message("account_exists", login=login)) from None
    finally:
        store.close()
    sys.stdout.write(render("staff/account.txt.j2", action="added", login=login))
    return 0


def run_password(args: argparse.Namespace) -> int:
    login, password = _login(args.login), read_password()
    return _change(args, login, "password",
                   lambda store: change_password(store, login, password, actor()))


def run_remove(args: argparse.Namespace) -> int:
    login = _login(args.login)
    return _change(args, login, "removed", lambda store: remove_account(store, login, actor()))


def _change(args: argparse.Namespace, login: str, action: str,
            change: Callable[[Store], bool]) -> int:
    """Change an existing account; exit 1 with one line when there is none."""
    store = open_store(config_path(args.config))[1]
    try:
        if not change(store):
            raise CommandError(staff_message("no_account", login=login))
    finally:
        store.close()
    sys.stdout.write(render("staff/account.txt.j2", action=action, login=login))
    return 0


def run_list(args: argparse.Namespace) -> int:
    cfg, store = open_store(config_path(args.config))
    try:
        found = store.accounts.all()
    finally:
        store.close()
    tz = ZoneInfo(cfg.digest.timezone)
    accounts = [{"login": a.login, "created": local(a.created_at, tz),
                 "last_login": a.last_login_at and local(a.last_login_at, tz)} for a in found]
    sys.stdout.write(render("staff/accounts.txt.j2", accounts=accounts))
    return 0
