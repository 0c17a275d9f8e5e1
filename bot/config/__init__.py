"""The operator's settings: the TOML file read, typed and checked, and where passwords come from;
the campaign and registry files it names, checked at start. Imports nothing of bcy-intake but
parsers.text, parsers.spec, bot.errors and replies.render (the operator's messages)."""

# Here, not in settings, so that the command line can show it without reading settings' imports.
DEFAULT_CONFIG = "/etc/bcy-intake/config.toml"
# The staff's calendar day, for digests, caps and dates `check` prints ([digest] timezone).
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
