"""Running a plan: session (baseline then head), runner (cases x repeats -> target -> scorers), cache,
ratelimit, progress, signals (SIGTERM), redaction (secrets; the CI token list), targets/ (model APIs
and user code), scorers/ (registry + families).
"""
