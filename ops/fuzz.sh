#!/usr/bin/env bash
# Fuzz the event parsers with libFuzzer for a bounded time.
#
#   ops/fuzz.sh [SECONDS]   build the EventFuzzer harness with -sanitize=fuzzer and run it for
#                           SECONDS (default 60); exits non-zero if an input crashed a parser
#   ops/fuzz.sh --help
#
# The harness (Sources/EventFuzzer) hands each input to JSONValue.parse and to the query, vote and
# usage event parsers. It is seeded with the bad input corpus (Tests/ReliabilityTests/Corpus) and
# four valid events. Builds go to .build/fuzz (release, instrumented); inputs libFuzzer finds are
# kept in .build/fuzz/inputs for the next run; libFuzzer's output goes to .build/fuzz/last-run.log;
# a crashing input is written to .build/fuzz/artifacts/ and can be replayed with
# `.build/fuzz/release/EventFuzzer FILE`. See docs/RELIABILITY.md#fuzzing.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

case "${1:-}" in
  -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
seconds=${1:-60}
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: SECONDS must be a positive whole number of seconds, got '$seconds'" >&2
  exit 2
fi

# libFuzzer's runtime without its main, from the toolchain that builds (the harness has its own main).
toolchain=$(dirname "$(readlink -f "$(command -v swiftc)")")/..
libfuzzer=$(ls "$toolchain"/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-"$(uname -m)".a 2>/dev/null | head -n 1)
if [ -z "$libfuzzer" ]; then
  echo "fuzz.sh: no libclang_rt.fuzzer_no_main in the Swift toolchain at $toolchain" >&2
  exit 1
fi

scratch=.build/fuzz
echo "fuzz.sh: building EventFuzzer (release, -sanitize=fuzzer) in $scratch" >&2
ROUTELEDGER_FUZZER=$libfuzzer swift build -c release --scratch-path "$scratch" --product EventFuzzer >&2

inputs=$scratch/inputs
artifacts=$scratch/artifacts
mkdir -p "$inputs" "$artifacts"
# Valid events of each schema, so mutations start from inputs that reach every field's check.
printf '%s' '{"schema":"routeledger.query.v1","id":"q1","tenant":"acme","created_at":"2026-11-24T10:00:00Z","prompt":"What is two plus two?","embedding":[1,0,0,0],"max_output_tokens":100,"models":["strong","weak"],"metadata":{"team":"a"}}' > "$inputs/valid-query.json"
printf '%s' '{"schema":"routeledger.query.v1","id":"q2","tenant":"acme","created_at":"2026-11-24T10:00:00.250Z","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"caf\u00e9 \ud83d\ude00"}]}' > "$inputs/valid-messages.json"
printf '%s' '{"schema":"routeledger.vote.v1","vote_id":"v1","query_id":"q1","prompt":"hi","model_a":"strong","model_b":"weak","winner":"tie (bothbad)","voter":"u1","cast_at":"2026-11-24T10:00:00Z"}' > "$inputs/valid-vote.json"
printf '%s' '{"schema":"routeledger.usage.v1","query_id":"q1","tenant":"acme","model":"strong","input_tokens":10,"output_tokens":20,"completed_at":"2026-11-24T10:00:00Z","decision_id":"d1"}' > "$inputs/valid-usage.json"

seeds=Tests/ReliabilityTests/Corpus
log=$scratch/last-run.log
echo "fuzz.sh: fuzzing the event parsers for $seconds s (libFuzzer's output in $log)" >&2
# New inputs go to the first directory only; the checked-in seeds are read, never written.
# Swift's own crash reporter is off, so libFuzzer's handler sees a crash and saves the input.
status=0
SWIFT_BACKTRACE=enable=no "$scratch/release/EventFuzzer" -max_total_time="$seconds" -timeout=10 -max_len=16384 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 \
  "$inputs" "$seeds/query" "$seeds/vote" "$seeds/usage" > "$log" 2>&1 || status=$?
grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec)' "$log" >&2 || true
if [ "$status" -ne 0 ]; then
  tail -n 40 "$log" >&2
  echo "fuzz.sh: libFuzzer failed (exit status $status); the input is in $artifacts/" >&2
  exit 1
fi
echo "fuzz.sh: no crash in $seconds s" >&2
