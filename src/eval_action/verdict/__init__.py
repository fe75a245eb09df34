"""Pure judgement: compare (head vs baseline per case), gate (thresholds -> status, exit code),
stats (McNemar, percentiles), assemble (collected cases -> RunReport).
"""
