"""kefu's database: documents and their versions, shops' state, API keys, draft records and feedback
(SQLAlchemy 2, Alembic)."""
