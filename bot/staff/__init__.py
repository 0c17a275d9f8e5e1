"""What BCY staff read: the digest, the consolidated workbook, labels for terminals. Must not
import the commands."""
