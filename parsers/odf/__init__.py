"""OpenDocument files (.ods, .odt and their templates): ODF is zipped XML, read under the same
zip and XML guards as OOXML (parsers.read), into the same Document model. Imports parsers.read,
parsers.vietnamese, parsers.text, parsers.codes."""
