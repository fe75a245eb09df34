"""The wheelhouse native/action.yml installs eval-action's dependencies from, with no package index.

`build DEST [KEY ...]` downloads every wheel requirements.lock pins (by hash) for each runner platform
and Python (default: all of PLATFORMS x PYTHONS) into DEST and lists the keys it covers in
DEST/platforms.txt; the release workflow runs it and adds DEST to the release tag only. `key` prints
the key of the interpreter running it (the runner's python3). Standard library only: it runs before
anything is installed.
"""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

LOCK = Path(__file__).resolve().parent.parent / "requirements.lock"
PYTHONS = ("3.11", "3.12", "3.13", "3.14")
# pip matches --platform tags literally, except that it expands macosx_* to older macOS releases.
# manylinux_2_28 (glibc 2.28: RHEL 8, Debian 10, Ubuntu 20.04) is the newest glibc a wheel may need,
# so the wheelhouse also serves self-hosted runners older than GitHub's; macOS 14 is the oldest
# arm64 macOS GitHub hosts. Windows is not here: eval-action stops user code by process group (POSIX).
_GLIBC = [f"manylinux_2_{minor}" for minor in range(28, 16, -1)] + ["manylinux2014", "manylinux2010", "manylinux1"]
PLATFORMS: dict[str, list[str]] = {
    "linux-x86_64": [f"{tag}_x86_64" for tag in _GLIBC],
    "linux-aarch64": [f"{tag}_aarch64" for tag in _GLIBC if tag not in ("manylinux2010", "manylinux1")],
    "darwin-arm64": ["macosx_14_0_arm64"],
}


def key() -> str:
    """`linux-x86_64-cp312`: what the running interpreter needs wheels for."""
    system = sys.platform
    if system == "linux" and platform.libc_ver()[0] != "glibc":
        system = "linux-musl"
    impl = "cp" if sys.implementation.name == "cpython" else sys.implementation.name
    abiflags = getattr(sys, "abiflags", "")  # `t`: a free-threaded build, which abi3 wheels don't serve
    return f"{system}-{platform.machine().lower()}-{impl}{sys.version_info[0]}{sys.version_info[1]}{abiflags}"


def build(dest: Path, keys: list[str]) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for full in keys:
        plat, _, py = full.rpartition("-")
        version = f"{py[2]}.{py[3:]}"
        if plat not in PLATFORMS or not py.startswith("cp") or version not in PYTHONS:
            raise SystemExit(f"wheelhouse.py: unknown key {full!r}; known platforms: {', '.join(PLATFORMS)}, "
                             f"Pythons: {', '.join(PYTHONS)}")
        tags = [arg for tag in PLATFORMS[plat] for arg in ("--platform", tag)]
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                        "--require-hashes", "--only-binary=:all:", "--implementation", "cp",
                        "--python-version", version, *tags, "-r", str(LOCK), "-d", str(dest)], check=True)
    (dest / "platforms.txt").write_text("".join(f"{k}\n" for k in sorted(keys)), encoding="utf-8")


def main(argv: list[str]) -> None:
    if argv[:1] == ["key"] and len(argv) == 1:
        print(key())
    elif argv[:1] == ["build"] and len(argv) >= 2:
        build(Path(argv[1]), argv[2:] or [f"{p}-cp{v.replace('.', '')}" for p in PLATFORMS for v in PYTHONS])
    else:
        raise SystemExit("usage: wheelhouse.py key | wheelhouse.py build DEST [KEY ...]")


if __name__ == "__main__":
    main(sys.argv[1:])
