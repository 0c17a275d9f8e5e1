"""Sending what waits in the outbox (`outbox`): one run over the claimable rows on one SMTP
connection; and replies sent beside a cycle as it decides the mail they answer (`beside`), from
a process of their own on a long cycle (`spawned`), else from a thread (`threaded`)."""
