"""govsearch: paragraph-level full-text search for Chinese government documents."""
