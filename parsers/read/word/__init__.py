"""The lean DOCX reader's walk over the main part: a paragraph's text and font, a table's rows
of cells, each gathered by one XPath query evaluated in C instead of a Python step per run and
element. Imports parsers.read's Word package helpers and Document model, parsers.text,
parsers.vietnamese."""
