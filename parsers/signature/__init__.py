"""Signed PDF cover letters (công văn): every signature's facts read with pyHanko and checked
offline against the operator's trust roots, handed on as plain data (`SignatureFacts`), never
as pyHanko objects. Hostile bytes: runs where the form readers run, in the isolated reader
process. Imports parsers.text and parsers.vietnamese."""
