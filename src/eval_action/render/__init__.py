"""A RunReport as text for each medium: markdown (comment, summary), text (terminal), html, junit,
escape (one escaper per medium), marker (the sticky comment's key), log (our stderr lines),
outputs/files (writing the output folder atomically). Imports only `model`.
"""
