"""Customs officers' case queue: held parcels as cases, their actions, audit trail and feedback."""
