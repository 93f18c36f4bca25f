#!/usr/bin/env bash
# The main job: set up (idempotent), then the built-in demo golden client, captured and listed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node bin/sysclone.js demo "$@"
