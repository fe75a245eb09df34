"""Which prompts a change runs, and against what: git, changes (the diff), prefilter (cheap candidates),
discovery (exact selection with reasons), baseline (the base revision's jobs), plan (the Plan types,
thresholds, shards) and build (Settings + change -> Plan).
"""
