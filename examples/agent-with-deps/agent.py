"""A tiny agent with a dependency of its own: eval-action never imports it, the job's python3 does."""

import humanize


def run(messages, context):
    size = int(context["vars"]["bytes"])
    return f"That file is {humanize.naturalsize(size)}."
