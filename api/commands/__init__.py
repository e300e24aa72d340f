"""Command groups of the `screening` CLI, one module per business area, each with register(app)."""
