"""The official blank form as a file: DOCX and XLSX writers, driven by the campaign."""
