"""Agents as users write them, through the real CLI in a subprocess: each failure measured on the
in-process runner (issue "agents run with their own dependencies…") has its test here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from harness_ci import GITHUB_TOKEN, JOB_TOKEN, make_repo, results, spawn, subprocess_env

RUN = ["run", "--all", "--baseline", "none", "--no-cache"]


PYTHON_AGENT = '{type: python, function: "agent:run"}'


def agent_config(defaults: str = "{timeout_s: 10, retries: 0}", provider: str = PYTHON_AGENT) -> str:
    return f"providers:\n  agent: {provider}\ndefaults: {defaults}\n"


def agent_prompt(n: int, scorer: str = "{type: contains, value: ok}") -> str:
    cases = "".join(f"    - {{id: c{i}, vars: {{q: 'question {i}'}}}}\n" for i in range(n))
    return (f"name: p\nprovider: agent\nmessages:\n  - {{role: user, content: '{{{{ q }}}}'}}\n"
            f"evals:\n  cases:\n{cases}  scorers:\n    - {scorer}\n")


def finish(proc: subprocess.Popen[str], timeout: float = 60) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (ProcessLookupError, FileNotFoundError):
        return False
    return not stat.split(") ")[1].startswith("Z")


def pids_in(folder: Path) -> list[int]:
    return [int(text) for p in folder.glob("*.pid") if (text := p.read_text())]  # written, not just created


def test_the_baseline_agent_runs_in_the_base_checkout(tmp_path: Path) -> None:
    """v1's code with v1's persona.txt: never v1's code reading the head's files."""
    def agent(version: str) -> str:
        return f"def run(messages, context):\n    return '[Agent {version}] ok ' + open('persona.txt').read()\n"
    repo = make_repo(tmp_path, {"eval-action.yaml": agent_config(), "p.prompt.yaml": agent_prompt(1),
                                "agent.py": agent("v1"), "persona.txt": "persona v1"},
                     {"agent.py": agent("v2"), "persona.txt": "persona v2", "p.prompt.yaml": agent_prompt(1) + "#\n"})
    code, _, err = finish(spawn({}, repo.root, ["run", "--base", "main", "--no-cache"]))
    assert code == 0, err
    case = results(repo.root)["prompts"][0]["cases"][0]
    assert case["output"] == "[Agent v2] ok persona v2"
    assert case["baseline"]["output"] == "[Agent v1] ok persona v1"


def test_a_sleeping_python_agent_is_stopped_at_its_time_limit(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {
        "eval-action.yaml": agent_config("{timeout_s: 2, retries: 0}"), "p.prompt.yaml": agent_prompt(3),
        "agent.py": "import os, time\ndef run(m, c):\n    open(f'{os.getpid()}.pid', 'w').write(str(os.getpid()))\n"
                    "    time.sleep(30)\n"})
    started = time.monotonic()
    code, _, err = finish(spawn({}, repo.root, RUN))
    assert time.monotonic() - started < 8  # 2 s and start-up, not 30 s
    assert code == 3 and "Traceback" not in err, err
    data = results(repo.root)
    assert data["totals"]["errored"] == 3
    assert "timed out after 2s" in data["prompts"][0]["cases"][0]["error"]
    assert [pid for pid in pids_in(repo.root) if alive(pid)] == []


def test_sigterm_writes_what_finished_within_two_seconds(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {
        "eval-action.yaml": agent_config("{timeout_s: 60, retries: 0, concurrency: 4}"),
        "p.prompt.yaml": agent_prompt(8),
        "agent.py": textwrap.dedent("""
            import os, time
            def run(messages, context):
                if context["case_id"] in ("c0", "c1"):
                    return "ok"
                open(f"{os.getpid()}.pid", "w").write(str(os.getpid()))
                time.sleep(30)
        """)})
    proc = spawn({}, repo.root, RUN)
    deadline = time.monotonic() + 20
    while not pids_in(repo.root) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    code, _, err = finish(proc, timeout=30)
    assert time.monotonic() - signalled < 2
    assert code == 3 and "Traceback" not in err and "interrupted" in err, err
    data = results(repo.root)
    assert data["incomplete"] is True and data["totals"]["passed"] == 2
    assert [pid for pid in pids_in(repo.root) if alive(pid)] == []


def test_a_command_agents_children_die_at_its_time_limit(tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import os, subprocess, sys, time
        child = subprocess.Popen(["sleep", "30"])
        open(f"{child.pid}.pid", "w").write(str(child.pid))
        time.sleep(20)  # a 20 s build under timeout_s: 2
        print("ok")
    """)
    provider = f'{{type: command, command: ["{sys.executable}", "build.py"]}}'
    repo = make_repo(tmp_path, {"eval-action.yaml": agent_config("{timeout_s: 2, retries: 0}", provider),
                                "p.prompt.yaml": agent_prompt(2), "build.py": script})
    started = time.monotonic()
    code, _, err = finish(spawn({}, repo.root, RUN))
    assert time.monotonic() - started < 8, err
    assert code == 3
    time.sleep(0.2)
    orphans = [pid for pid in pids_in(repo.root) if alive(pid)]
    assert len(pids_in(repo.root)) == 2 and orphans == []


def test_sync_agents_run_as_many_at_once_as_the_concurrency(tmp_path: Path) -> None:
    agent = textwrap.dedent("""
        import time
        def run(messages, context):
            start = time.time()
            time.sleep(1)
            open(context["case_id"] + ".t", "w").write(f"{start} {time.time()}")
            return "ok"
    """)
    repo = make_repo(tmp_path, {"eval-action.yaml": agent_config("{timeout_s: 10, retries: 0, concurrency: 16}"),
                                "p.prompt.yaml": agent_prompt(32), "agent.py": agent})
    code, _, err = finish(spawn({}, repo.root, RUN))
    assert code == 0, err
    spans = [tuple(map(float, p.read_text().split())) for p in repo.root.glob("*.t")]
    assert len(spans) == 32
    assert max(end for _, end in spans) - min(start for start, _ in spans) < 3  # two rounds of 1 s; was 6


def test_a_crashing_agent_errors_its_case_and_the_run_goes_on(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {  # one call at a time
        "eval-action.yaml": agent_config("{timeout_s: 10, retries: 0, concurrency: 1}"),
        "p.prompt.yaml": agent_prompt(4),
        "agent.py": "import os, sys\ndef run(m, c):\n    if c['case_id'] == 'c2':\n"
                    "        sys.stderr.write('native crash\\n'); sys.stderr.flush(); os._exit(11)\n"
                    "    return 'ok'\n"})
    code, _, err = finish(spawn({}, repo.root, RUN))
    data = results(repo.root)
    assert code == 3 and data["totals"] == {**data["totals"], "passed": 3, "errored": 1}, err
    crashed = next(c for c in data["prompts"][0]["cases"] if c["id"] == "c2")
    assert "exited with status 11: native crash" in crashed["error"]


def test_a_crash_errors_only_the_crashing_case_not_the_calls_in_flight_beside_it(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {  # four calls in flight in one worker when c2 takes the process down
        "eval-action.yaml": agent_config("{timeout_s: 10, retries: 0, concurrency: 4}"),
        "p.prompt.yaml": agent_prompt(4),
        "agent.py": "import os, sys, time\ndef run(m, c):\n    if c['case_id'] == 'c2':\n"
                    "        time.sleep(0.3); sys.stderr.write('native crash\\n'); sys.stderr.flush(); os._exit(11)\n"
                    "    time.sleep(1)\n    return 'ok'\n"})
    code, _, err = finish(spawn({}, repo.root, RUN))
    cases = {c["id"]: c for c in results(repo.root)["prompts"][0]["cases"]}
    assert code == 3, err
    assert [i for i, c in cases.items() if c["passed"]] == ["c0", "c1", "c3"]
    assert "exited with status 11: native crash" in cases["c2"]["error"]


def test_ci_tokens_are_not_in_the_agents_environment_under_run(tmp_path: Path) -> None:
    agent = textwrap.dedent("""
        import os
        def run(messages, context):
            environ = open("/proc/self/environ", "rb").read().decode(errors="replace")
            seen = [n for n in ("GITHUB_TOKEN", "CI_JOB_TOKEN") if n in os.environ or n + "=" in environ]
            return "ok" if not seen else "saw " + " ".join(seen)
    """)
    repo = make_repo(tmp_path, {"eval-action.yaml": agent_config(), "p.prompt.yaml": agent_prompt(1),
                                "agent.py": agent})
    code, _, err = finish(spawn({"GITHUB_TOKEN": GITHUB_TOKEN, "CI_JOB_TOKEN": JOB_TOKEN}, repo.root, RUN))
    assert code == 0, err
    assert results(repo.root)["prompts"][0]["cases"][0]["output"] == "ok"


def test_a_repository_module_named_like_a_dependency_of_ours_breaks_nothing(tmp_path: Path) -> None:
    """The agent's folder on sys.path shadowed eval-action's own lazily imported packages."""
    repo = make_repo(tmp_path, {
        "eval-action.yaml": agent_config(), "p.prompt.yaml": agent_prompt(2, "{type: levenshtein, value: ok}"),
        "agent.py": "def run(m, c):\n    return 'ok'\n",
        "rapidfuzz.py": "raise ImportError('the repository vendors its own rapidfuzz')\n"})
    command = [str(Path(sys.executable).with_name("eval-action")), *RUN]  # as the image runs it
    proc = subprocess.Popen(command, cwd=repo.root, env=subprocess_env({}), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    code, _, err = finish(proc)
    assert code == 0 and "Traceback" not in err, err
    assert results(repo.root)["totals"]["passed"] == 2


# ------------------------------------------------------------------ workspaces
WRITER = textwrap.dedent("""
    import json, os, sys
    case = json.load(sys.stdin)["case_id"]
    seen = sorted(os.listdir("."))
    open("hello.py", "w").write(f"print('Hello from {case}')\\n")
    print(json.dumps({"output": " ".join(seen) or "empty"}))
""")


def workdir_prompt(n: int, scorers: str) -> str:
    return agent_prompt(n).replace("  scorers:\n    - {type: contains, value: ok}\n", f"  scorers:\n{scorers}")


def test_every_attempt_of_a_command_agent_gets_a_fresh_workspace_scored_there(tmp_path: Path) -> None:
    provider = f'{{type: command, command: ["{sys.executable}", "writer.py"], workdir: fresh}}'
    scorers = ("    - {type: command, value: [python3, hello.py], expect: {exit: 0, stdout: {regex: '^Hello from'}}}\n"
               "    - {type: file-exists, value: hello.py}\n"
               "    - {type: file-contains, path: hello.py, value: '{{ q }}'}\n")  # fails: writes the case id
    repo = make_repo(tmp_path, {
        "eval-action.yaml": agent_config("{timeout_s: 10, retries: 0, repeats: 2}", provider),
        "p.prompt.yaml": workdir_prompt(3, scorers), "writer.py": WRITER})
    scratch = tmp_path / "tmp"  # this run's own temporary folder: others run beside us
    scratch.mkdir()
    code, _, err = finish(spawn({"TMPDIR": str(scratch)}, repo.root, RUN))
    assert code == 1, err
    cases = results(repo.root)["prompts"][0]["cases"]
    assert [c["output"] for c in cases] == ["empty"] * 3  # no attempt saw another's hello.py
    scores = cases[0]["scores"]
    assert scores["command"]["passed"] and scores["file-exists"]["passed"], scores
    assert not scores["file-contains"]["passed"]
    assert not (repo.root / "hello.py").exists()
    kept = sorted(p.relative_to(repo.root / "eval-results/workdirs") for p in
                  (repo.root / "eval-results/workdirs").glob("*/*/hello.py"))
    assert len(kept) == 6  # three cases, two repeats, all failing: each attempt's own folder
    assert list(scratch.glob("eval-action-workdir-*")) == []  # passing or kept, none left behind


def test_a_python_agent_works_in_a_copy_of_its_fixture(tmp_path: Path) -> None:
    agent = textwrap.dedent("""
        import os
        def run(messages, context):
            workdir = context["workdir"]
            before = sorted(os.listdir(workdir))
            open(os.path.join(workdir, "notes.md"), "w").write("ok " + context["case_id"])
            return " ".join(before)
    """)
    provider = '{type: python, function: "agent:run", workdir: {copy: fixture}}'
    repo = make_repo(tmp_path, {
        "eval-action.yaml": agent_config("{timeout_s: 10, retries: 0}", provider),
        "p.prompt.yaml": workdir_prompt(2, "    - {type: file-contains, path: notes.md, value: ok}\n"
                                           "    - {type: equals, value: README.md}\n"),
        "agent.py": agent, "fixture/README.md": "starting point"})
    code, _, err = finish(spawn({}, repo.root, RUN))
    assert code == 0, err
    assert results(repo.root)["totals"]["passed"] == 2
    assert sorted(os.listdir(repo.root / "fixture")) == ["README.md"]  # the fixture itself is untouched
    assert not (repo.root / "eval-results/workdirs").exists()  # passing attempts keep nothing


def test_a_dataset_rows_timeout_s_limits_its_own_case(tmp_path: Path) -> None:
    row = "- {id: c1, vars: {q: 'question 1'}"
    prompt = agent_prompt(2).replace(row + "}", row + ", timeout_s: 1}")
    repo = make_repo(tmp_path, {
        "eval-action.yaml": agent_config("{timeout_s: 20, retries: 0}"), "p.prompt.yaml": prompt,
        "agent.py": "import time\ndef run(m, c):\n    time.sleep(3)\n    return 'ok'\n"})
    code, _, err = finish(spawn({}, repo.root, RUN))
    cases = {c["id"]: c for c in results(repo.root)["prompts"][0]["cases"]}
    assert code == 3, err
    assert cases["c0"]["passed"] and "timed out after 1s" in cases["c1"]["error"]
