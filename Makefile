# Dynamics: the two everyday entry points. Both install the system packages first if missing.
#   make demo    build in release and run the main job on built-in defaults
#   make test    run the whole test suite
#   make bench   release benchmarks (figures only, nothing is asserted)

SWIFT ?= swift
DEMO_DIR := .build/demo
DYNAMICS := .build/release/dynamics

.PHONY: demo test bench deps build

deps:
	@scripts/install-system-packages

build: deps
	$(SWIFT) build -c release --product dynamics

demo: build
	@mkdir -p $(DEMO_DIR)
	$(DYNAMICS) info
	@printf '0,1\n-1,-0.1\n' > $(DEMO_DIR)/damped-oscillator.csv
	@printf '0,2,-1\n-2,0,3\n1,-3,0\n' > $(DEMO_DIR)/anti-symmetric.csv
	$(DYNAMICS) eig $(DEMO_DIR)/damped-oscillator.csv
	$(DYNAMICS) eig $(DEMO_DIR)/anti-symmetric.csv

test: deps
	$(SWIFT) test --disable-xctest

bench: deps
	$(SWIFT) run -c release DynamicsBenchmarks
