"""One message from the mailbox to its reply: decide, judge whether it counts for the agency it
names (`trust/`: the standing decision, and signed cover letters as its proofs), store the
outcome with what a resubmission changed (`changes`) and the agency's file marked (`extras`),
send the outbox, file the mail (`filing`); the cycle and the daemon around it. `judge` is the
one way a stored mail is decided (size limits, the reader in a child process, the outcome), for
the cycle and for `reprocess` alike; `safety/` holds the reply caps, what bounces say, and
quarantine on evidence. Must not import the staff side, the web console or the commands."""
