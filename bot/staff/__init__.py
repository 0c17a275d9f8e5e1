"""What BCY staff read: the digest, the consolidated workbook (`export`), and what staff output
shares (`labels`: titles, wall-clock time, agency names), which commands import without the
workbook writer. Must not import the commands."""
