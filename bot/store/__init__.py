"""The database: engine, schema, records, one query module per table, and the migrations.
Must not import mail, intake, staff or commands."""
