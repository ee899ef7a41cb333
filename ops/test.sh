#!/usr/bin/env bash
# Run RouteLedger's test suite: unit tests and the tests against the real parts.
# Expects ops/setup.sh to have run. Extra arguments go to `swift test` (e.g. --filter RankingTests).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
swift test "$@"
# The whole suite (no arguments) also runs the Kafka-facing tests against Tansu.
if [ $# -eq 0 ]; then ops/tansu.sh test; fi
