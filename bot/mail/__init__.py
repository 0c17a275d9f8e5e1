"""Mail in and out on the wire: the IMAP session (sizes, outlines of big mail: `structure`),
SMTP sending, TLS, the MIME walk, headers, addresses read raw (`addresses`), who a mail says it
is from and what our receiving server found (`authentication`), and what kind of mail a message
is (`classify`, with `robots` and its table `automatic.toml`, and `own_marks` for our own mail
coming back). Must not import the store, the intake or the staff side."""
