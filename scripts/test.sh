#!/usr/bin/env bash
# The whole test suite: set-up, lint, type-check, unit, integration, browser and end-to-end tiers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent lint
npm run --silent typecheck
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
for tier in unit integration browser e2e; do
  npx vitest run --project "$tier" --reporter=default --reporter=json --outputFile.json="$results/$tier.json"
done
# shellcheck disable=SC2016 # the $ belongs to JavaScript
node -e '
  const fs = require("node:fs");
  let passed = 0, failed = 0;
  for (const file of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(`${process.argv[1]}/${file}`, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests;
  }
  console.log(`tests: ${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
' "$results"
