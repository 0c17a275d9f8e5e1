"""The reply as a mail: headers, text and HTML parts, attachments, the wire policy."""
