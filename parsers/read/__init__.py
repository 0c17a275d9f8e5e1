"""Reading a file into the Document model (paragraphs and grids with locations): DOCX, XLSX and
XLS readers, DOC/RTF through LibreOffice, the zip, XML and OLE guards. Imports parsers.vietnamese,
parsers.text and parsers.codes."""
