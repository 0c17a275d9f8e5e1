"""The lean XLSX reader: the package's own XML (workbook, its relationships, shared strings, the
number formats and fonts of styles.xml, each sheet's rows) read with lxml as openpyxl's
read-only, data-only load reads it, without building openpyxl's workbook; and that openpyxl
load itself, which the lean reader hands a package it does not know. Imports parsers.read's
guards and the Document model, parsers.codes."""
