"""One module per command; each has `register(subparsers)` and sets `func` on its parser.

`COMMANDS` lists them in the order `--help` shows them.
"""

COMMANDS = ("check", "template", "poll", "run", "digest", "export", "submissions",
            "reprocess", "resend", "agencies", "codes")
