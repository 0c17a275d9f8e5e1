"""Replies to senders: rendered messages and the official blank form."""
