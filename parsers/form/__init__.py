"""From a Document to a FormReport: the table and header found by content, quantities read, the
rules that make findings, the verdict. Imports parsers.read, parsers.spec, parsers.text."""
