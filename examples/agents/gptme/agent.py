"""A deterministic coding agent: it knows three tasks, writes (or patches) files in the attempt's
workspace, and reports the tool calls it made."""

from pathlib import Path

HELLO = 'print("Hello, world!")\n'
PRIME100 = '''def primes():
    n = 2
    while True:
        if all(n % d for d in range(2, int(n ** 0.5) + 1)):
            yield n
        n += 1


for i, p in enumerate(primes(), start=1):
    if i == 100:
        print(p)
        break
'''


def run(messages, context):
    task = messages[-1]["content"].lower()
    workdir = Path(context["workdir"])
    calls = []

    def save(path, text):
        (workdir / path).write_text(text)
        calls.append({"name": "save", "arguments": {"path": path}})

    if "hello" in task:
        save("hello.py", HELLO)
    elif "prime" in task:
        save("prime100.py", PRIME100)
    elif "bug" in task:
        source = (workdir / "mean.py").read_text()
        calls.append({"name": "read", "arguments": {"path": "mean.py"}})
        save("mean.py", source.replace("/ (len(values) + 1)", "/ len(values)"))
    return {"output": f"Done: {', '.join(c['arguments']['path'] for c in calls) or 'nothing'}.",
            "tool_calls": calls}
