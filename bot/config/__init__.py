"""The operator's settings: the TOML file read, typed and checked, and where passwords come from.
Imports nothing of bcy-intake but parsers.text."""
