"""One message from the mailbox to its reply: decide, store the outcome, send the outbox, file the
mail; the cycle and the daemon around it. Must not import the staff side or the commands."""
