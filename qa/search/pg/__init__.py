"""The index in PostgreSQL with pgvector: schema, search backend and incremental build (docs/postgres.md)."""
