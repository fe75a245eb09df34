# The GitHub Action image. GitHub mounts the workspace and makes it the cwd, and the action must
# run as root to write there: hence no WORKDIR and no USER.
FROM python:3.12.7-slim-bookworm

# git finds the changed prompts and reads the base revision's files.
# DL3008: the pinned base image fixes the Debian release; an exact apt version pin would break
# the build each time Debian ships a security fix for git.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*'

COPY pyproject.toml README.md /opt/eval-action/
COPY src /opt/eval-action/src
RUN pip install --no-cache-dir /opt/eval-action

ENTRYPOINT ["eval-action", "ci"]
