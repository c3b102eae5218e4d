#!/bin/sh
# Entrypoint of the Prefect stand-in: runs the given command (`prefect server start`,
# `prefect worker start …`, `python -m prefect.engine`, `/bin/sh -c …`), or a shell when none.
# The official image also installs EXTRA_PIP_PACKAGES at start; this image is built and run
# without network access, so it refuses the variable instead of starting without the packages.
set -eu

if [ -n "${EXTRA_PIP_PACKAGES:-}" ]; then
  echo "entrypoint.sh: EXTRA_PIP_PACKAGES=\"$EXTRA_PIP_PACKAGES\" is not supported by this offline stand-in image;" >&2
  echo "entrypoint.sh: add the packages to the image's requirements.in under tests/real/images/ and rebuild" >&2
  exit 1
fi

if [ "$#" -eq 0 ]; then
  exec /bin/bash
fi
exec "$@"
