"""eval-action: the eval quality gate for LLM prompts and agents."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("eval-action")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
