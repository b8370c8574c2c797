#!/usr/bin/env bash
# Installs what only the test suite needs, on top of scripts/install-deps.sh: a one-node SLURM
# (slurmctld, slurmd, munge) for tests/slurm, Lmod for the install test, Chromium for the
# gallery test, Pillow for image checks, scikit-learn for the k-means comparison benchmark,
# clang-format for the formatting test. Idempotent.
set -euo pipefail
packages=(
  slurmctld slurmd slurm-client munge
  lmod chromium
  python3-pil python3-sklearn clang-format util-linux
)
APT_INSTALL_FOR=install-test-deps.sh bash "$(dirname "$0")/apt-install.sh" "${packages[@]}"
