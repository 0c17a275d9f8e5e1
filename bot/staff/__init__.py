"""What BCY staff read and decide: the digest, the consolidated workbook (`export`), settling a
submission that awaits confirmation (`settle`), and what staff output shares (`labels`: titles,
wall-clock time, agency names), which commands import without the workbook writer. Must not
import the commands."""
