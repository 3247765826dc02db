#!/usr/bin/env bash
# Registers an ephemeral runner (one job, then it deregisters) labelled repowright, and runs it.
set -euo pipefail
: "${RUNNER_URL:?set RUNNER_URL (https://github.com/ORG or https://github.com/ORG/REPO)}"
: "${RUNNER_TOKEN:?set RUNNER_TOKEN (a registration token)}"
./config.sh --unattended --ephemeral --replace --url "$RUNNER_URL" --token "$RUNNER_TOKEN" \
  --name "${RUNNER_NAME:-repowright-$(hostname)}" --labels "${RUNNER_LABELS:-self-hosted,repowright}"
exec ./run.sh
