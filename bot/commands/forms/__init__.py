"""The commands about the form itself, which need no configuration, store or mailbox (the
campaign comes from `bot.config.specs`): `check` (validate form files offline), `template`
(write the blank form) and `codes` (the catalogue of finding codes). Part of the command
line's floor: may import everything below it; nothing imports it."""
