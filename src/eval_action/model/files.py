"""Writing output files so a reader never sees half a file (CI may upload while we write)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from eval_action.model.errors import UserError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# A Docker action writes as root, and the next steps (upload-artifact) run as the runner's user:
# the files must be readable like any file we'd `open()`, not mkstemp's owner-only 0600.
_MODE = 0o666 & ~_umask()


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), _MODE)
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ensure_writable(folder: Path, what: str) -> None:
    """Fail before the run, not after it has spent the calls: `what` names the option to fix."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".write-check-")
        os.close(fd)
        os.unlink(tmp)
    except OSError as e:
        raise UserError(f"cannot write to `{folder}`: {e.strerror or e} — choose a writable folder", what) from None
