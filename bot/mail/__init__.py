"""Mail in and out on the wire: the IMAP session, SMTP sending, TLS, the MIME walk, headers, who
a mail says it is from and what our receiving server found (`authentication`), and what kind of
mail a message is. Must not import the store, the intake or the staff side."""
