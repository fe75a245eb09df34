"""Which existing comment is ours: the one hidden marker carrying our key (shared by every forge)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from eval_action.report.marker import clean_key, parse_marker


class Posted(BaseModel):
    """A comment or note already on the PR/MR."""

    model_config = ConfigDict(frozen=True)

    id: int
    body: str


class StickyPlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    action: Literal["create", "update", "stale"]
    comment_id: int | None = None


def plan_sticky(comments: Iterable[Posted], key: str, run_id: int | None) -> StickyPlan:
    """Update the first comment marked with `key`, unless a newer run wrote it (then leave it).

    Run ids are monotonic per repository; a marker without one never blocks an update.
    """
    wanted = clean_key(key)  # the marker stores the key reduced to a safe alphabet
    for comment in comments:
        marker = parse_marker(comment.body)
        if marker is None or marker.key != wanted:
            continue
        if marker.run_id is not None and run_id is not None and marker.run_id > run_id:
            return StickyPlan(action="stale", comment_id=comment.id)
        return StickyPlan(action="update", comment_id=comment.id)
    return StickyPlan(action="create")
