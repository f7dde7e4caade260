# make test is the project's one CI gate (README, .ci/run): formatting, vet,
# staticcheck, go.mod tidy, generated code fresh, and every test under the
# race detector with a real Redis required.
GO ?= go
export FLAGGEN_REQUIRE_REDIS ?= 1

# -trimpath, for every go command make runs and those its tests run, keeps
# file system paths out of builds, so that the go command's cache serves a
# new clone of the same code (CI's clean clone) wherever it is.
export GOFLAGS := $(strip $(GOFLAGS) -trimpath)

# STATICCHECK is pinned: go run fetches exactly this version from the module
# proxy (and caches it), so every machine checks with the same rules.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: test fmt-check vet staticcheck tidy-check generate-check race bench bench-http bench-build generate

test: fmt-check vet staticcheck tidy-check generate-check race

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt: these files are not formatted:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) run $(STATICCHECK) ./...

tidy-check:
	$(GO) mod tidy -diff

# generate-check fails when checked-in generated code differs from what the
# generator would write now (the same check also runs as a Go test).
# It re-runs, with -check, every //go:generate line in the module that runs
# flaggen generate (generated/, examples/, …): see generated/fresh_test.go.
generate-check:
	$(GO) test -count=1 -run '^TestGeneratedFresh$$' ./generated/

# atexit_sleep_ms=0: a race-enabled program otherwise sleeps a second as it
# exits (every test binary, and every one a test runs); races are reported
# as they happen, and the tests' goroutines have ended by then.
race:
	GORACE="$(GORACE) atexit_sleep_ms=0" $(GO) test -race -count=1 ./...

generate:
	$(GO) generate ./...

# bench runs every benchmark, BenchmarkBuild10k included (bench-build).
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# bench-http compares OFREP bulk evaluation of the demo spec and its 304 path
# with the HTTP floor (a handler that reads the body and writes a fixed
# two-flag response), under one loopback load generator at concurrency 8
# and 32, in 41 interleaved rounds (the ratios are medians over the rounds),
# then measures the handler alone (time, CPU time and allocations per request).
bench-http:
	$(GO) test -run '^$$' -bench '^BenchmarkHTTP$$' -benchtime 41x ./runtime/flaghttp/
	$(GO) test -run '^$$' -bench '^BenchmarkHandler$$' ./runtime/flaghttp/

# bench-build measures what a generated package of 10,000 flags costs an
# application build (issue 17): cold go build and go vet of that package,
# in seconds (wall and CPU) and peak MB, its lines per flag, and the time
# to parse and generate it. Another size (at most gen.MaxFlags, 65,532,
# with the default accessor methods): FLAGGEN_BENCH_FLAGS=60000 make
# bench-build. FLAGGEN_BENCH_ACCESSORS=funcs generates -accessors=funcs,
# which has no limit: FLAGGEN_BENCH_FLAGS=100000 FLAGGEN_BENCH_ACCESSORS=funcs
# took 28 s to generate, 137 CPU-s and 4.4 GB to build, 66 CPU-s and
# 4.8 GB to vet (2 cores under a load of 13: 508 s and 214 s wall).
bench-build:
	$(GO) test -run '^$$' -bench '^BenchmarkBuild10k$$' -benchtime 1x ./internal/gen/
