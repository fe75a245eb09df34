"""Targets: model APIs (openai, anthropic) over one HTTP pool, user code (python_fn, command), the
grader used by model-graded scorers; registry builds one from a ProviderSpec.
"""
