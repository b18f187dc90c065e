"""Storage: tables, migrations, unit of work, repositories. The only package using SQLAlchemy."""
