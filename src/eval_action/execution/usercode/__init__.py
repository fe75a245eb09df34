"""The user's code, always out of our process: pool (workers per checkout and interpreter), worker (one
process speaking bootstrap.py's line protocol), process (process groups, killed whole), environment
(what user code may see).
"""
