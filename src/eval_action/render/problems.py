"""The comment and job summary of a run stopped by configuration problems (exit 2).

Informational mode never fails the job on a verdict, but it does on a broken configuration: the
reason must then be where the reviewer looks, not only in the log.
"""

from __future__ import annotations

from eval_action.render.escape import code_span
from eval_action.render.marker import make_marker

_FOOTER = "<sub>Nothing was run. `eval-action validate` lists the same problems locally.</sub>"


def render_problems(problems: list[str], *, limit: int, marker: tuple[str, str | None, int | None] | None = None
                    ) -> str:
    """Markdown listing every problem (each as code: file names and values come from the PR) under
    `limit` characters; with `marker` (key, head, run id) it is the sticky comment."""
    head = make_marker(*marker) + "\n" if marker else ""
    lines = [f"## ⚠️ Eval — configuration error ({len(problems)} problem(s))", ""]
    budget = limit - len(head) - sum(len(x) + 1 for x in lines) - len(_FOOTER) - 200
    shown = 0
    for problem in problems:
        line = f"- {code_span(problem)}"
        if len(line) + 1 > budget:
            break
        lines.append(line)
        budget -= len(line) + 1
        shown += 1
    if shown < len(problems):
        lines.append(f"- … and {len(problems) - shown} more (see the job log)")
    return head + "\n".join([*lines, "", _FOOTER]) + "\n"
