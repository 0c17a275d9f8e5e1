"""bcy-intake: the mailbox side. IMAP, SMTP, the store and the command line live here."""
