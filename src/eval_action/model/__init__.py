"""The typed contract between stages; everyone may import it, it imports nothing else of ours.

specs (what the user wrote, PromptJob) · results (what a run produced) + results_io (results.json
read/write) · settings (one invocation's options) · errors (UserError, TargetError, GitError, ExitCode).
"""
