"""The agency's own form file sent back with the wrong cells marked: XLSX cells filled and
commented, DOCX cells shaded with the message in red after the table. Opens hostile bytes with
the readers' guards (zip limits, no macros kept) and runs in the isolated process; imports
parsers.read and parsers.codes."""
