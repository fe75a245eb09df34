"""GitLab's predefined CI variables -> what the pipeline compares. Pure: no API client is loaded."""

from __future__ import annotations

from collections.abc import Mapping


def mr_base_sha(env: Mapping[str, str]) -> str | None:
    """A merged-results or merge-train pipeline runs on a merge of the MR into the target branch's
    tip: compared with the (older) diff base, changes others merged since would read as this MR's."""
    merged = env.get("CI_MERGE_REQUEST_EVENT_TYPE") in ("merged_result", "merge_train")
    if merged and env.get("CI_MERGE_REQUEST_TARGET_BRANCH_SHA"):
        return env["CI_MERGE_REQUEST_TARGET_BRANCH_SHA"]
    return env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA") or None
