"""The staff web console: a Flask application served by gunicorn, meant to sit behind the
agency's reverse proxy. Pages (to-do list, submissions, agencies, summary) read the store
through the staff side; actions go through the same service functions as the commands
(`bot.intake.redo`, `bot.staff.accounts`). The stage above `bot.staff` and below
`bot.commands`: may import config, mail, store, intake and staff; must not import the
commands. Every sentence a page shows is a template under `replies/templates/web/`."""
