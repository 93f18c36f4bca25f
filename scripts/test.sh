#!/usr/bin/env bash
# The whole test suite: set-up, lint, type-check, unit, integration and end-to-end tiers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent lint
npm run --silent typecheck
npx vitest run --project unit
npx vitest run --project integration
if compgen -G "test/e2e/*.test.ts" >/dev/null; then npx vitest run --project e2e; fi
