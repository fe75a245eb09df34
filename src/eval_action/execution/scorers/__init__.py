"""Scorers: registry (name -> scorer, validation, scoring a case) and the families (text, structured,
similarity, judge, operational, custom).
"""
