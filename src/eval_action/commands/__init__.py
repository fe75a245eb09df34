"""One module per command, each a short composition of the stages.

run (`eval-action run`, and the session every command shares) · validate · report (+ merge of shard
results) · ci (the container entrypoint) + publish (files, comment, summary, outputs, annotations).
Packages import their modules directly, never through this file, so a command loads only what it uses.
"""
