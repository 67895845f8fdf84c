"""kefu's database: documents, their versions, shops' state and API keys (SQLAlchemy 2, Alembic)."""
