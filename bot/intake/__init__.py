"""One message from the mailbox to its reply: decide, judge whether it counts for the agency it
names (`standing`), store the outcome, send the outbox, file the mail; the cycle and the daemon
around it. `judge` is the one way a stored mail is decided (size limits, the reader in a child
process, the outcome), for the cycle and for `reprocess` alike. Must not import the staff side,
the web console or the commands."""
