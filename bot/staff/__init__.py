"""What BCY staff read and do: the digest (`digest/`: its period, report, chart and mail), the
consolidated workbook (`workbook/`), where each agency stands (`standing`), reminders,
settling a submission that awaits confirmation (`settle`), what staff output shares (`labels`:
titles, wall-clock time, agency names, which commands import without the workbook writer), and
what the web console shows and changes: the to-do list (`todo`, shared with the digest), the
agencies' rows (`agencies`), one submission with everything about it (`dossier`, for the
console and `submissions show`; its cover letter's signatures as staff read them: `signed`),
search (`browse`), and staff accounts (`accounts`). Must not import the web console or the
commands."""
