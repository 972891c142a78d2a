"""Supervision records live here (sessions, rupture-and-repair records) as the log is built.

Who supervises whom is organisational data and lives in accounts.SupervisionRelationship.
"""
