"""Who may speak for an agency: the standing decision (`standing`: a submission counts, or waits
for staff to confirm it) and signed cover letters as its proofs (`signatures`). Pure; part of
the intake floor (imports mail and store records, parsers)."""
