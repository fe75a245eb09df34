"""Which existing comment is ours: the one hidden marker carrying our key (shared by every forge)."""

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
    bot: bool = False  # written by a bot account (the job token's identity, never a PR author)


class StickyPlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    action: Literal["create", "update", "stale"]
    comment_id: int | None = None


def plan_sticky(comments: Iterable[Posted], key: str, run_id: int | None,
                whoami: Callable[[], str | None] = lambda: None) -> StickyPlan:
    """Update the first comment marked with `key`, unless a newer run wrote it (then leave it).

    Only comments by a bot or by the token's own identity (`whoami`, asked at most once) count:
    anyone can paste our marker into a comment, and a forged "newer" one must not silence us.
    Run ids are monotonic per repository; a marker without one never blocks an update.
    """
    wanted = clean_key(key)  # the marker stores the key reduced to a safe alphabet
    me: list[str | None] = []
    for comment in comments:
        marker = parse_marker(comment.body)
        if marker is None or marker.key != wanted or not _ours(comment, whoami, me):
            continue
        if marker.run_id is not None and run_id is not None and marker.run_id > run_id:
            return StickyPlan(action="stale", comment_id=comment.id)
        return StickyPlan(action="update", comment_id=comment.id)
    return StickyPlan(action="create")


def _ours(comment: Posted, whoami: Callable[[], str | None], me: list[str | None]) -> bool:
    if comment.bot:
        return True
    if not me:
        me.append(whoami())
    return me[0] is not None and comment.author == me[0]
