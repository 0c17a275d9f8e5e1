"""Reading a file into the Document model (paragraphs and grids with locations): DOCX, XLSX,
XLS, ODT, ODS and (through LibreOffice) DOC/RTF readers, archives and winmail.dat opened into
their files, the zip and XML guards, legacy Vietnamese fonts and undeclared 8-bit text.
Imports only parsers.text and parsers.codes."""
