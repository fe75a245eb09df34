"""git.py and changes.py against real repositories in temp folders (shallow clones over file://)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from eval_action.model.errors import GitError
from eval_action.model.specs import Config, Dependency, Message, PromptSpec, ProviderSpec, Trigger
from eval_action.selection import changes, git
from eval_action.selection.changes import FileChange, changed_files
from eval_action.selection.discovery import select

_IDENTITY = ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]


class Repo:
    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def init(cls, path: Path) -> Repo:
        subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
        return cls(path)

    def git(self, *args: str) -> str:
        proc = subprocess.run(
            ["git", *_IDENTITY, "-C", str(self.path), *args], capture_output=True, text=True, check=True
        )
        return proc.stdout.strip()

    def write(self, rel: str, text: str) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def commit(self, message: str, files: dict[str, str | None] | None = None) -> str:
        """Write (or, with None, delete) `files`, then commit everything."""
        for rel, text in (files or {}).items():
            if text is None:
                (self.path / rel).unlink()
            else:
                self.write(rel, text)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")


def _lines(n: int, tag: str) -> str:
    """Enough text for git's rename detection to recognise a lightly edited file."""
    return "".join(f"{tag} line {i}\n" for i in range(n))


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    r = Repo.init(tmp_path / "repo")
    r.write("prompts/qa.prompt.yaml", _lines(20, "qa"))
    r.write("prompts/data/qa.jsonl", '{"id": "1"}\n')
    r.write("README.md", "hello\n")
    r.commit("initial")
    return r


def _files(cs: changes.ChangeSet) -> set[FileChange]:
    return set(cs.files)


# ---------------------------------------------------------------- git.py
def test_resolve_show_and_ls_files(repo: Repo) -> None:
    head = repo.git("rev-parse", "HEAD")
    assert git.rev_parse(repo.path, "HEAD") == head
    assert git.resolve(repo.path, "0" * 40) is None
    assert not git.has_commit(repo.path, "no-such-branch")
    assert git.show(repo.path, head, "README.md") == b"hello\n"
    assert git.show(repo.path, head, "missing.txt") is None
    with pytest.raises(GitError, match="failed"):
        git.show(repo.path, "1" * 40, "README.md")
    assert sorted(git.ls_files(repo.path)) == ["README.md", "prompts/data/qa.jsonl", "prompts/qa.prompt.yaml"]
    assert git.is_shallow(repo.path) is False
    assert git.prefix(repo.path) == ""
    assert git.prefix(repo.path / "prompts" / "data") == "prompts/data/"
    assert git.show(repo.path / "prompts", head, "./qa.prompt.yaml") == _lines(20, "qa").encode()


def test_revisions_that_look_like_options_are_refused(repo: Repo) -> None:
    with pytest.raises(GitError, match="looks like an option"):
        git.resolve(repo.path, "--output=/tmp/x")
    with pytest.raises(GitError, match="looks like an option"):
        git.fetch(repo.path, "--upload-pack=touch pwned")


def test_errors_carry_gits_last_line_and_hide_url_credentials(tmp_path: Path) -> None:
    r = Repo.init(tmp_path / "r")
    r.git("remote", "add", "origin", "https://user:s3cret-token@127.0.0.1:9/x.git")
    r.commit("c")
    with pytest.raises(GitError) as info:
        git.fetch(r.path, "main")
    assert "s3cret-token" not in str(info.value)
    assert str(info.value).startswith("git fetch failed: ")


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="not a git repository"):
        git.rev_parse(tmp_path, "HEAD")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
def test_workspace_owned_by_another_user_needs_no_global_config(repo: Repo) -> None:
    subprocess.run(["chown", "-R", "12345:12345", str(repo.path)], check=True)
    plain = subprocess.run(["git", "-C", str(repo.path), "rev-parse", "HEAD"], capture_output=True, text=True)
    assert "dubious ownership" in plain.stderr
    assert git.rev_parse(repo.path / "prompts", "HEAD") == git.rev_parse(repo.path, "HEAD")


def test_worktree_checks_out_the_base_and_cleans_up(repo: Repo) -> None:
    base = repo.git("rev-parse", "HEAD")
    repo.commit("edit", {"README.md": "changed\n"})
    with git.worktree(repo.path, base) as tree:
        assert (tree / "README.md").read_text() == "hello\n"
        assert (repo.path / "README.md").read_text() == "changed\n"
    assert not tree.exists()
    assert repo.git("worktree", "list").count("\n") == 0  # only the main work tree is left


# ---------------------------------------------------------------- changed_files
def test_edit_add_delete_rename(repo: Repo) -> None:
    base = repo.git("rev-parse", "HEAD")
    repo.git("checkout", "-q", "-b", "feature")
    repo.git("mv", "prompts/qa.prompt.yaml", "prompts/qa2.prompt.yaml")
    repo.commit(
        "work",
        {
            "prompts/qa2.prompt.yaml": _lines(20, "qa") + "one more\n",
            "README.md": None,
            "prompts/data/qa.jsonl": '{"id": "2"}\n',
            "prompts/new file.prompt.md": "hi\n",
        },
    )
    cs = changed_files(repo.path, base, log=lambda _: None)
    assert _files(cs) == {
        FileChange("R", "prompts/qa2.prompt.yaml", "prompts/qa.prompt.yaml"),
        FileChange("D", "README.md"),
        FileChange("M", "prompts/data/qa.jsonl"),
        FileChange("A", "prompts/new file.prompt.md"),
    }
    assert cs.merge_base == base
    assert cs.base == base
    assert cs.head == repo.git("rev-parse", "HEAD")
    assert cs.notes == []


def test_odd_file_names_and_type_changes(repo: Repo) -> None:
    base = repo.git("rev-parse", "HEAD")
    (repo.path / "README.md").unlink()
    (repo.path / "README.md").symlink_to("prompts/qa.prompt.yaml")
    repo.commit("odd", {'prompts/é "tab\there".prompt.yaml': "x\n"})
    cs = changed_files(repo.path, base, log=lambda _: None)
    assert _files(cs) == {FileChange("M", "README.md"), FileChange("A", 'prompts/é "tab\there".prompt.yaml')}


def test_merging_main_into_the_branch_moves_the_merge_base(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("branch work", {"prompts/qa.prompt.yaml": _lines(20, "qa") + "x\n"})
    repo.git("checkout", "-q", "main")
    main_tip = repo.commit("main work", {"other/main.txt": "from main\n"})
    repo.git("checkout", "-q", "feature")
    repo.git("merge", "-q", "--no-edit", "main")
    cs = changed_files(repo.path, "main", log=lambda _: None)
    assert cs.merge_base == main_tip
    assert _files(cs) == {FileChange("M", "prompts/qa.prompt.yaml")}


def test_unrelated_histories_compare_trees_and_say_so(repo: Repo) -> None:
    base = repo.git("rev-parse", "HEAD")
    repo.git("checkout", "-q", "--orphan", "other")
    repo.git("rm", "-rqf", ".")
    repo.commit("orphan", {"README.md": "other\n"})
    cs = changed_files(repo.path, base, log=lambda _: None)
    assert cs.merge_base is None
    assert "share no history" in cs.notes[0]
    assert FileChange("M", "README.md") in cs.files
    assert FileChange("D", "prompts/qa.prompt.yaml") in cs.files


# ---------------------------------------------------------------- shallow clones
@pytest.fixture
def remote(tmp_path: Path) -> tuple[Repo, dict[str, str]]:
    """main: c0..c3, feature branches at c3 (f1, f2), then main moves on (c4..c6)."""
    r = Repo.init(tmp_path / "remote")
    r.git("config", "uploadpack.allowAnySHA1InWant", "true")
    shas = {f"c{i}": r.commit(f"c{i}", {f"main{i}.txt": f"{i}\n"}) for i in range(4)}
    r.git("checkout", "-q", "-b", "feature")
    shas["f1"] = r.commit("f1", {"prompts/a.prompt.yaml": "a\n"})
    shas["f2"] = r.commit("f2", {"prompts/b.prompt.yaml": "b\n"})
    r.git("checkout", "-q", "main")
    shas.update({f"c{i}": r.commit(f"c{i}", {f"main{i}.txt": f"{i}\n"}) for i in range(4, 7)})
    return r, shas


def _shallow_clone(remote: Repo, dest: Path, branch: str = "feature") -> Repo:
    url = "file://" + str(remote.path)
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", branch, url, str(dest)], check=True)
    return Repo(dest)


def test_shallow_clone_fetches_the_base_then_deepens_to_the_merge_base(
    remote: tuple[Repo, dict[str, str]], tmp_path: Path
) -> None:
    origin, shas = remote
    clone = _shallow_clone(origin, tmp_path / "clone")
    assert not git.has_commit(clone.path, shas["c6"])
    logged: list[str] = []
    cs = changed_files(clone.path, shas["c6"], log=logged.append)
    assert cs.merge_base == shas["c3"]
    assert _files(cs) == {FileChange("A", "prompts/a.prompt.yaml"), FileChange("A", "prompts/b.prompt.yaml")}
    assert logged[0] == f"fetched {shas['c6']} from origin (depth 50)"
    assert not any(line.startswith("eval-action") for line in logged), "the log adds the prefix: never twice"
    assert any("more commits of history" in line for line in logged)


def test_shallow_clone_resolves_a_remote_branch_name(
    remote: tuple[Repo, dict[str, str]], tmp_path: Path
) -> None:
    origin, shas = remote
    clone = _shallow_clone(origin, tmp_path / "clone")
    cs = changed_files(clone.path, "origin/main", log=lambda _: None)
    assert cs.base == shas["c6"]
    assert cs.merge_base == shas["c3"]


def test_unshallow_is_the_last_resort(
    remote: tuple[Repo, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    origin, shas = remote
    monkeypatch.setattr(changes, "DEEPEN_STEPS", (1,))
    clone = _shallow_clone(origin, tmp_path / "clone")
    # Commit locally so the head is unknown to the remote and only the base side can be deepened.
    clone.commit("local", {"local.txt": "x\n"})
    logged: list[str] = []
    cs = changed_files(clone.path, shas["c6"], log=logged.append)
    assert cs.merge_base == shas["c3"]
    assert FileChange("A", "local.txt") in cs.files
    assert logged[-1] == "fetched the full history (--unshallow) to find the merge base"
    assert git.is_shallow(clone.path) is False


def test_a_base_the_remote_does_not_have_raises(remote: tuple[Repo, dict[str, str]], tmp_path: Path) -> None:
    origin, _ = remote
    clone = _shallow_clone(origin, tmp_path / "clone")
    with pytest.raises(GitError, match="is not in this clone and could not be fetched"):
        changed_files(clone.path, "ab" * 20, log=lambda _: None)


def test_a_base_without_any_remote_raises(repo: Repo) -> None:
    with pytest.raises(GitError, match="could not be fetched"):
        changed_files(repo.path, "cd" * 20, log=lambda _: None)


# ---------------------------------------------------------------- change -> selection, end to end
def _spec(path: str, *deps: Dependency, provider: str = "default") -> PromptSpec:
    return PromptSpec(
        path=path,
        name=path,
        kind="yaml",
        provider_name=provider,
        provider=ProviderSpec(type="openai", model="gpt-4o-mini"),
        messages=[Message(role="user", content="hi")],
        cases=[],
        scorers=[],
        dependencies=list(deps),
    )


def test_real_change_selects_by_dependency_and_trigger(repo: Repo) -> None:
    repo.write("src/agent/tool.py", "x = 1\n")
    base = repo.commit("agent")
    repo.commit("work", {"prompts/data/qa.jsonl": '{"id": "9"}\n', "src/agent/tool.py": "x = 2\n"})
    prompts = [
        _spec("prompts/qa.prompt.yaml", Dependency(path="prompts/data/qa.jsonl", kind="dataset")),
        _spec("prompts/agent/a.prompt.yaml"),
        _spec("prompts/other.prompt.yaml"),
    ]
    config = Config(triggers=[Trigger(when="src/agent/**", run="prompts/agent/**")])
    cs = changed_files(repo.path, base, log=lambda _: None)
    selection = select(cs.files, prompts, config, config)
    assert [(s.path, s.reasons) for s in selection.selected] == [
        ("prompts/qa.prompt.yaml", ["dataset prompts/data/qa.jsonl changed"]),
        ("prompts/agent/a.prompt.yaml", ['trigger "src/agent/**" matched src/agent/tool.py']),
    ]
