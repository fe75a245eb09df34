"""Reading the user's files: YAML 1.2 (yamlio), the one path-containment check (paths), the one glob
rule set (globs), eval-action.yaml (config), sandboxed Jinja (templating), prompt files (prompts/).
"""
