"""A thin wrapper around the git command line: no shell, one error type, safe in containers.

CI containers mount the workspace owned by another uid, so git refuses it as "dubious
ownership". Every call passes `-c safe.directory=<repo>` (command-line config counts as
protected config), so nothing has to be written to a global gitconfig.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from eval_action.model.errors import GitError

_TIMEOUT_S = 600.0
# Clone URLs in CI often embed a token (GitLab's gitlab-ci-token:<token>@host); git may echo them.
_URL_CREDENTIALS = re.compile(r"(\w+://)[^/@\s]+@")


def _toplevel(repo: Path) -> Path:
    """The work tree root, found on disk: asking git would already trip the ownership check."""
    start = repo.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def _redact(text: str) -> str:
    return _URL_CREDENTIALS.sub(r"\1***@", text)


def _check_rev(rev: str) -> str:
    # A revision from a CI event or user input must never be parsed as an option.
    if not rev or rev.startswith("-"):
        raise GitError(f"refusing git revision {rev!r}: it is empty or looks like an option")
    return rev


def _call(repo: Path, args: list[str], timeout: float, stdin: bytes | None = None
          ) -> subprocess.CompletedProcess[bytes]:
    cmd = ["git", "-c", f"safe.directory={_toplevel(repo)}", "-C", str(repo), *args]
    try:
        if stdin is not None:
            return subprocess.run(cmd, capture_output=True, input=stdin, timeout=timeout, check=False)
        return subprocess.run(cmd, capture_output=True, stdin=subprocess.DEVNULL, timeout=timeout, check=False)
    except FileNotFoundError as exc:
        raise GitError("git is not installed or not on PATH") from exc
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"git {args[0]} timed out after {timeout:.0f} s") from exc


def _failure(args: list[str], proc: subprocess.CompletedProcess[bytes]) -> GitError:
    lines = [ln.strip() for ln in proc.stderr.decode(errors="replace").splitlines() if ln.strip()]
    # git's first `fatal:`/`error:` line says what went wrong; later lines are advice
    first = next((ln for ln in lines if ln.startswith(("fatal:", "error:"))), None)
    last = first or (lines[-1] if lines else f"exit status {proc.returncode}")
    return GitError(_redact(f"git {args[0]} failed: {last}"))


def run(repo: Path, *args: str, timeout: float = _TIMEOUT_S, stdin: bytes | None = None) -> bytes:
    """Run `git <args>` in `repo`; its stdout, or GitError with git's last stderr line."""
    proc = _call(repo, list(args), timeout, stdin)
    if proc.returncode != 0:
        raise _failure(list(args), proc)
    return proc.stdout


def resolve(repo: Path, rev: str) -> str | None:
    """The commit SHA `rev` names, or None when this repository does not have it."""
    args = ["rev-parse", "--verify", "--quiet", f"{_check_rev(rev)}^{{commit}}"]
    proc = _call(repo, args, _TIMEOUT_S)
    if proc.returncode == 0:
        return proc.stdout.decode().strip()
    if proc.returncode == 1:
        return None
    raise _failure(args, proc)


def rev_parse(repo: Path, rev: str) -> str:
    sha = resolve(repo, rev)
    if sha is None:
        raise GitError(f"unknown revision {rev!r} in {repo}")
    return sha


def has_commit(repo: Path, rev: str) -> bool:
    return resolve(repo, rev) is not None


def is_shallow(repo: Path) -> bool:
    return run(repo, "rev-parse", "--is-shallow-repository").strip() == b"true"


def merge_base(repo: Path, a: str, b: str) -> str | None:
    """The best common ancestor, or None when the histories (as far as present) share none."""
    args = ["merge-base", _check_rev(a), _check_rev(b)]
    proc = _call(repo, args, _TIMEOUT_S)
    if proc.returncode == 0:
        return proc.stdout.decode().strip()
    if proc.returncode == 1 and not proc.stderr.strip():
        return None
    raise _failure(args, proc)


def fetch(
    repo: Path,
    *refs: str,
    remote: str = "origin",
    depth: int | None = None,
    deepen: int | None = None,
    unshallow: bool = False,
) -> None:
    args = ["fetch", "--no-tags", "--no-recurse-submodules", "--quiet"]
    if depth is not None:
        args.append(f"--depth={depth}")
    if deepen is not None:
        args.append(f"--deepen={deepen}")
    if unshallow:
        args.append("--unshallow")
    run(repo, *args, _check_rev(remote), *(_check_rev(r) for r in refs))


def show(repo: Path, rev: str, path: str) -> bytes | None:
    """The file's bytes at `rev`, or None when it does not exist there (a missing rev is an error)."""
    args = ["cat-file", "blob", f"{_check_rev(rev)}:{path}"]
    proc = _call(repo, args, _TIMEOUT_S)
    if proc.returncode == 0:
        return proc.stdout
    if has_commit(repo, rev):
        return None
    raise _failure(args, proc)


def prefix(repo: Path) -> str:
    """Where `repo` sits inside its work tree: "" at the root, else like "services/api/"."""
    return run(repo, "rev-parse", "--show-prefix").decode(errors="surrogateescape").strip("\n")


def has_uncommitted(repo: Path) -> bool:
    """Tracked files differ from HEAD (staged or not)."""
    return bool(run(repo, "diff", "--name-only", "-z", "--no-ext-diff", "HEAD", "--").strip(b"\0"))


def untracked(repo: Path) -> list[str]:
    """Untracked files that .gitignore does not exclude, relative to the top of the work tree."""
    out = run(repo, "ls-files", "-z", "--others", "--exclude-standard", "--full-name")
    return [p for p in out.decode(errors="surrogateescape").split("\0") if p]


def remote_default_branch(repo: Path, remote: str = "origin") -> str | None:
    """The branch the remote's HEAD names (what `origin/HEAD` would point at), asked of the remote
    itself; None when it can't say (no such remote, unreachable, no HEAD)."""
    try:
        out = run(repo, "ls-remote", "--symref", _check_rev(remote), "HEAD", timeout=60)
    except GitError:
        return None
    for line in out.decode(errors="replace").splitlines():
        ref, _, name = line.partition("\t")
        if name == "HEAD" and ref.startswith("ref: refs/heads/"):
            return ref.removeprefix("ref: refs/heads/")
    return None


def ls_files(repo: Path) -> list[str]:
    """Tracked files, repository-relative with POSIX separators."""
    out = run(repo, "ls-files", "-z", "--full-name")
    return [p for p in out.decode(errors="surrogateescape").split("\0") if p]


def worktree_add(repo: Path, rev: str, path: Path, sparse: list[str] | None = None) -> Path:
    """Check `rev` out, detached, at `path` (which must not exist yet).

    `sparse` (gitignore-style patterns from the top of the work tree) checks out only those
    files: a full checkout of a 50,000-file repository costs tens of seconds.
    """
    if sparse is None:
        run(repo, "worktree", "add", "--detach", "--quiet", str(path), _check_rev(rev))
        return path
    run(repo, "worktree", "add", "--detach", "--no-checkout", "--quiet", str(path), _check_rev(rev))
    run(path, "sparse-checkout", "set", "--no-cone", "--stdin", stdin="\n".join(sparse).encode())
    run(path, "checkout", "--quiet")
    return path


def worktree_remove(repo: Path, path: Path) -> None:
    try:
        run(repo, "worktree", "remove", "--force", str(path))
    except GitError:
        # Already gone or half-created: drop the folder and let git forget the entry.
        shutil.rmtree(path, ignore_errors=True)
        run(repo, "worktree", "prune")


@contextmanager
def worktree(repo: Path, rev: str, sparse: list[str] | None = None) -> Iterator[Path]:
    """A detached checkout of `rev` in a temporary folder, removed on exit (for baselines)."""
    parent = Path(tempfile.mkdtemp(prefix="eval-action-base-"))
    try:
        yield worktree_add(repo, rev, parent / "tree", sparse)
    finally:
        if (parent / "tree").exists():
            worktree_remove(repo, parent / "tree")
        shutil.rmtree(parent, ignore_errors=True)
