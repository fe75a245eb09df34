"""GitHub, GitLab and local: one small interface (base) chosen in one place (detect); the core never
imports these.
"""
