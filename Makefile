# make test is the project's one CI gate (README, .ci/run): formatting, vet,
# generated code fresh, and every test under the race detector with a real
# Redis required.
GO ?= go
export FLAGGEN_REQUIRE_REDIS ?= 1

.PHONY: test fmt-check vet generate-check race bench generate

test: fmt-check vet generate-check race

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt: these files are not formatted:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# generate-check fails when checked-in generated code differs from what the
# generator would write now (the same check also runs as a Go test).
generate-check:
	@for spec in $$(find . -name flags.json -path '*/generated/*' -o -name flags.json -path '*/examples/*' | sort); do \
		dir=$$(dirname $$spec); \
		$(GO) run ./cmd/flaggen generate -check -spec $$spec -out $$dir || exit 1; \
	done

race:
	$(GO) test -race -count=1 ./...

generate:
	$(GO) generate ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
