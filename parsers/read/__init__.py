"""Reading a file into the Document model (paragraphs and grids with locations): DOCX and XLSX
readers, the zip and XML guards, legacy Vietnamese fonts. Imports only parsers.text and
parsers.codes."""
