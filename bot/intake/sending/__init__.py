"""Sending what waits in the outbox (`outbox`): one run over the claimable rows on one SMTP
connection, and a sender thread beside a cycle, as the cycle decides the mail its replies
answer."""
