"""People who use the officer pages and the case API: users, roles, password hashes, sessions."""
