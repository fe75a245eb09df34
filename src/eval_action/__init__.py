"""eval-action: the eval quality gate for LLM prompts and agents."""


def __getattr__(name: str) -> str:
    # importlib.metadata (and the email package it loads) costs ~30 ms of every start-up; only
    # `--version` asks for it
    if name != "__version__":
        raise AttributeError(f"module 'eval_action' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("eval-action")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+unknown"
