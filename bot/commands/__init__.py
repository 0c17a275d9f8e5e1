"""The command line, the top floor: `cli` parses global options and loads one module per command;
each has `register(subparsers)` and sets `func`. Nothing else imports this package.

`COMMANDS` lists them in the order `--help` shows them, with the line `HELP` gives each (so that
`bcy-intake --help` loads no command module); a command's module is
`bot.commands.<name>`, or the one `MODULES` names (the config-free ones about the form, in
`forms/`; the web console's, in `console/`).
"""

COMMANDS = ("check", "template", "poll", "run", "digest", "remind", "export", "submissions",
            "reprocess", "resend", "agencies", "codes", "staff", "web")
MODULES = {"check": "bot.commands.forms.check", "template": "bot.commands.forms.template",
           "codes": "bot.commands.forms.codes",
           "staff": "bot.commands.console.staff", "web": "bot.commands.console.web"}
HELP = {
    "check": "parse and validate form files offline",
    "template": "write the official blank form (.docx or .xlsx)",
    "poll": "one intake cycle (fetch, process, reply, file), then exit",
    "run": "the daemon: watch the mailbox until SIGTERM",
    "digest": "the staff digest since the last one sent (or of a day)",
    "remind": "remind agencies without a valid form (dry run unless --send)",
    "export": "write the consolidated workbook (.xlsx)",
    "submissions": "list the submissions, or show one",
    "reprocess": "parse and validate stored submissions again",
    "resend": "send the latest reply of a submission again",
    "agencies": "the agencies expected to answer the campaign",
    "codes": "the catalogue of finding codes and their messages",
    "staff": "accounts of the staff web console",
    "web": "serve the staff web console",
}
