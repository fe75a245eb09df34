# The GitHub Action image. GitHub mounts the workspace and makes it the cwd, and the action must
# run as root to write there: hence no WORKDIR and no USER.
# Alpine rather than Debian slim: Debian's git depends on Perl, and the two come to about 100 MB,
# half the image budget; Alpine's git needs no Perl. Every compiled dependency publishes musllinux
# wheels for amd64 and arm64, so nothing is compiled here (docs/releasing.md, "Image size").
FROM python:3.12.7-alpine3.20

# git finds the changed prompts and reads the base revision's files.
# DL3018: the pinned base image fixes the Alpine release; an exact apk version pin would break
# the build each time Alpine ships a security fix for git.
# hadolint ignore=DL3018
RUN apk add --no-cache git \
    && git config --system --add safe.directory '*'

# eval-action lives in a virtual environment of its own: what the `setup` input installs for the
# agents (into the image's python3, which agents run under) can never replace or break its packages.
# Its own pip is removed once it is installed: the image's pip is the one `setup` uses.
# Every dependency, and the build backend, comes from requirements.lock, pinned by version and hash,
# so two builds of one tag install the same files (docs/releasing.md says how to refresh the lock).
# --no-build-isolation builds eval-action with the locked setuptools instead of fetching the newest.
COPY requirements.lock pyproject.toml README.md LICENSE /opt/eval-action/
COPY src /opt/eval-action/src
RUN python -m venv /opt/eval-action/venv \
    && /opt/eval-action/venv/bin/pip install --no-cache-dir --require-hashes --only-binary=:all: -r /opt/eval-action/requirements.lock \
    && /opt/eval-action/venv/bin/pip install --no-cache-dir --no-deps --no-build-isolation /opt/eval-action \
    && /opt/eval-action/venv/bin/pip uninstall --yes setuptools wheel pip \
    && ln -s /opt/eval-action/venv/bin/eval-action /usr/local/bin/eval-action

ENTRYPOINT ["/opt/eval-action/venv/bin/eval-action", "ci"]
