#!/usr/bin/env bash
# Runs every test of nlstruct: formatting and vet, the main module's tests
# (with the race detector), the bench module's correctness tests, and a
# short fuzzing pass over every fuzz target. Tests that need root or qemu
# run for real where they can and skip with a message elsewhere.
set -euo pipefail
cd "$(dirname "$0")"

echo "== gofmt"
unformatted=$(gofmt -l . | grep -v '^bench/vendor' || true)
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...
(cd bench && go vet ./...)

echo "== staticcheck"
go run honnef.co/go/tools/cmd/staticcheck@latest ./...

echo "== go test (race)"
go test -race -count=1 ./...

echo "== bench module tests"
(cd bench && go test -count=1 ./...)

echo "== fuzz smoke (${FUZZTIME:=15s} per target)"
for pkg in $(go list ./... ); do
	for target in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
		echo "-- $pkg $target"
		go test -run='^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME" "$pkg"
	done
done
echo "== all tests passed"
