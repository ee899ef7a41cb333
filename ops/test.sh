#!/usr/bin/env bash
# Run RouteLedger's test suite: unit tests and the tests against the real parts.
# Expects ops/setup.sh to have run. Extra arguments go to `swift test` (e.g. --filter RankingTests).
#
# PostgreSQL tests use $ROUTELEDGER_TEST_DATABASE_URL (a superuser's URL) when it is set, else the
# private cluster of ops/pg-cluster.sh, which this starts and leaves running: other test runs may
# share it, and the next run starts faster. `ops/pg-cluster.sh stop` stops it.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
if [ -z "${ROUTELEDGER_TEST_DATABASE_URL:-}" ]; then
  ops/pg-cluster.sh start >&2
  ROUTELEDGER_TEST_DATABASE_URL=$(ops/pg-cluster.sh url)
  export ROUTELEDGER_TEST_DATABASE_URL
fi
swift test "$@"
# The whole suite (no arguments) also runs the Kafka-facing tests against Tansu, fuzzes the
# event parsers for a minute (ops/fuzz.sh; a crash fails the run), and builds and checks the
# router against BLIS, the BLAS the build setting can choose instead (ops/blas-check.sh).
if [ $# -eq 0 ]; then
  ops/tansu.sh test
  ops/fuzz.sh 60
  ops/blas-check.sh
fi
