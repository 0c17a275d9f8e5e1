"""The command line, the top floor: `cli` parses global options and loads one module per command;
each has `register(subparsers)` and sets `func`. Nothing else imports this package.

`COMMANDS` lists them in the order `--help` shows them; a command's module is
`bot.commands.<name>`, or the one `MODULES` names (the config-free ones about the form, in
`forms/`; the web console's, in `console/`).
"""

COMMANDS = ("check", "template", "poll", "run", "digest", "remind", "export", "submissions",
            "reprocess", "resend", "agencies", "codes", "staff", "web")
MODULES = {"check": "bot.commands.forms.check", "template": "bot.commands.forms.template",
           "codes": "bot.commands.forms.codes",
           "staff": "bot.commands.console.staff", "web": "bot.commands.console.web"}
