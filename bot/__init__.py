"""bcy-intake, the mailbox side. Stages, each a package that imports only those listed before it:
config (the operator's settings) · mail (IMAP, SMTP, MIME, classification) · store (the database)
· intake (decide, outcome, outbox, the cycle and the daemon) · staff (digest, workbook, accounts,
the to-do list) · web (the staff console) · commands (the CLI, the top floor: nothing imports
it). `errors` holds the exceptions every floor may raise."""
