"""argparse's refusals said in Vietnamese, one line each: a wrong command line is told to the
operator in the language of every other message (exit 64 stays argparse's business).

argparse builds its messages from a handful of English patterns; each is recognised here and
its values (the option, what was given, what may be given) handed to a template. A message
no pattern knows is still one line, under a Vietnamese lead-in.
"""

from __future__ import annotations

import re

from replies.render import staff_message

TEMPLATE = "staff/usage.txt.j2"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern)) for name, pattern in (
        ("invalid_choice", r"argument (?P<option>[^:]+): invalid choice: (?P<value>.*?) "
                           r"\(choose from (?P<choices>.*)\)$"),
        ("needs_value", r"argument (?P<option>[^:]+): expected (?:one|at least one|"
                        r"at most one|\d+) arguments?$"),
        ("not_together", r"argument (?P<option>[^:]+): not allowed with argument "
                         r"(?P<other>.+)$"),
        ("ignored_value", r"argument (?P<option>[^:]+): ignored explicit argument "
                          r"(?P<value>.*)$"),
        ("invalid_value", r"argument (?P<option>[^:]+): invalid \S+ value: (?P<value>.*)$"),
        ("unrecognized", r"unrecognized arguments: (?P<given>.+)$"),
        ("required", r"the following arguments are required: (?P<missing>.+)$"),
        ("one_required", r"one of the arguments (?P<missing>.+) is required$"),
        ("ambiguous", r"ambiguous option: (?P<given>\S+) could match (?P<choices>.+)$"),
        # an argument type of ours (a day, a moment) says what is wrong already
        ("own", r"argument (?P<option>[^:]+): (?P<said>.+)$"),
    ))


def _unquoted(text: str) -> str:
    return ", ".join(part.strip().strip("'\"") for part in text.split(","))


def usage_line(prog: str, message: str) -> str:
    """The one Vietnamese line for argparse's `message`, refusing a command line of `prog`
    ("bcy-intake", "bcy-intake template")."""
    for name, pattern in _PATTERNS:
        found = pattern.match(message.strip())
        if found is not None:
            values = {k: _unquoted(v) if k in ("value", "choices", "given") else v
                      for k, v in found.groupdict().items()}
            return staff_message(name, TEMPLATE, prog=prog, **values)
    return staff_message("other", TEMPLATE, prog=prog, said=message.strip())
