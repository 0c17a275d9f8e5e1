"""The database: engine, schema, records, one query module per table (each with the query
object `Store` hands out: `store.messages`, `.submissions`, `.outbox`, `.events`, `.senders`,
`.accounts`, `.agencies`), and the migrations. Must not import intake, staff, web or commands."""
