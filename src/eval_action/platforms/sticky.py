"""Which existing comment is ours: the one hidden marker carrying our key, written by the identity we
post as (shared by every forge).

Anyone can paste our marker into a comment, and any bot (another app's) can too: only comments by
our own identity count, or a forged "newer run" marker would silence the real report. Two runs of
one PR may both find nothing and both post; after posting, each converges on the oldest of ours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from eval_action.render.marker import clean_key, parse_marker


class Posted(BaseModel):
    """A comment or note already on the PR/MR."""

    model_config = ConfigDict(frozen=True)

    id: int
    body: str
    author: str = ""


class StickyPlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    action: Literal["create", "update", "stale"]
    comment_id: int | None = None


def plan_sticky(comments: Iterable[Posted], key: str, run_id: int | None,
                whoami: Callable[[], str | None]) -> StickyPlan:
    """Update the first comment we marked with `key`, unless a newer run wrote it (then leave it).

    `whoami` (asked only when some comment carries our key) is the identity we post as; None
    (unknown) means no comment counts as ours. Run ids are monotonic per repository; a marker
    without one never blocks an update.
    """
    marked = [c for c in comments if _has_key(c, key)]
    for comment in ours(marked, key, whoami() if marked else None):
        marker = parse_marker(comment.body)
        if marker is not None and marker.run_id is not None and run_id is not None and marker.run_id > run_id:
            return StickyPlan(action="stale", comment_id=comment.id)
        return StickyPlan(action="update", comment_id=comment.id)
    return StickyPlan(action="create")


def ours(comments: Iterable[Posted], key: str, me: str | None) -> list[Posted]:
    return [c for c in comments if me is not None and c.author == me and _has_key(c, key)]


def _has_key(comment: Posted, key: str) -> bool:
    marker = parse_marker(comment.body)
    return marker is not None and marker.key == clean_key(key)  # the marker stores a reduced key


def converge(comments: Iterable[Posted], key: str, run_id: int | None,
             created: Posted) -> tuple[StickyPlan, int | None]:
    """After posting `created` (whose author is who we are): if another run posted too, the oldest of
    ours is kept (updated with this report unless a newer run wrote it) and `created` is to be
    deleted. Returns (plan, id to delete)."""
    mine = sorted(ours(comments, key, created.author), key=lambda c: c.id)
    if not mine or mine[0].id == created.id:
        return StickyPlan(action="create", comment_id=created.id), None
    keeper = [c for c in mine if c.id != created.id]
    return plan_sticky(keeper, key, run_id, lambda: created.author), created.id
