"""API keys of courier, customs and admin systems: stored as SHA-256 hashes, cached, rate-limited."""
