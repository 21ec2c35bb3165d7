# Dynamics: the two everyday entry points. Both install the system packages first if missing.
#   make demo    build in release and run the main job on built-in defaults
#   make test    run the whole test suite
#   make bench   release benchmarks (figures only, nothing is asserted)
#   make notebooks  execute Notebooks/*.ipynb headless, in place
#   make reference  exported networks' logits against the independent NumPy reference (python/)
#   make docs    DocC documentation of the public modules into .build/docs (warnings fail it)
#   make fuzz    coverage-guided fuzzing of the file readers (FUZZ_SECONDS each, default 30)
#   make mpi-check  data-parallel training under mpirun (2 and 3 ranks over TCP) against one process

SWIFT ?= swift
SHELL := /bin/bash
DEMO_DIR := .build/demo
DYNAMICS := .build/release/dynamics

.PHONY: demo test bench deps build notebooks reference docs fuzz mpi-check

deps:
	@scripts/install-system-packages

build: deps
	$(SWIFT) build -c release --product dynamics

# The main job: the linked BLAS, a matrix spectrum, a block's spectrum, reversibility of
# 1000 Hamiltonian blocks, and a Hamiltonian network trained on the built-in shapes set.
demo: build
	@mkdir -p $(DEMO_DIR)
	$(DYNAMICS) info
	@printf '0,2,-1\n-2,0,3\n1,-3,0\n' > $(DEMO_DIR)/anti-symmetric.csv
	$(DYNAMICS) eig $(DEMO_DIR)/anti-symmetric.csv
	$(DYNAMICS) eig --block hamiltonian --channels 2 --size 2x2
	$(DYNAMICS) reverse --arch hamiltonian --depth 1000
	$(DYNAMICS) train --data synthetic:shapes --arch hamiltonian --units 2,2,2 --filters 16,16,32,32 \
		--epochs 8 --lr 0.05 --threads 1

test: deps
	$(SWIFT) test --disable-xctest

bench: deps
	$(SWIFT) run -c release DynamicsBenchmarks

notebooks: deps
	Notebooks/run-all

# Every block kind, with and without batch norm, trained, exported to safetensors and predicted;
# the logits recomputed by python/dynamics_reference.py (NumPy only) must agree to 1e-4.
reference: build
	"$$(scripts/python-venv)/bin/python" python/test_reference.py $(DYNAMICS)

# DocC for each public module into .build/docs/<Module>; a warning (e.g. a broken symbol link)
# fails the build.
DOC_MODULES := LinearAlgebra Integrators Stability Networks Dynamics
docs: deps
	@mkdir -p .build/docs; for m in $(DOC_MODULES); do \
		$(SWIFT) package --allow-writing-to-directory .build/docs generate-documentation --target $$m \
			--output-path .build/docs/$$m --warnings-as-errors || exit 1; \
	done

# Coverage-guided fuzzing (libFuzzer) of the readers of user files: .npy (0), CSV (1),
# checkpoints (2), IDX (3), gzipped IDX (4), CIFAR-10 (5), STL-10 (6), checkpoints re-sealed
# with a valid checksum (7), safetensors weights (8), .npz data sets (9), PNG/JPEG images
# (10) and system files (11), each for FUZZ_SECONDS from the seeds in Fuzz/corpus. A crash, a
# 10 s hang or more than 1 GB of memory on one input fails the target.
FUZZ_SECONDS ?= 30
fuzz: deps
	cd Fuzz && $(SWIFT) build -c release -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library --product FuzzReaders
	@for r in 0 1 2 3 4 5 6 7 8 9 10 11; do \
		mkdir -p .build/fuzz/$$r && cp Fuzz/corpus/$$r/* .build/fuzz/$$r/ && \
		echo "fuzzing reader $$r for $(FUZZ_SECONDS) s" && \
		FUZZ_READER=$$r Fuzz/.build/release/FuzzReaders -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=1024 -timeout=10 \
			-max_len=65536 -print_final_stats=1 .build/fuzz/$$r 2>&1 | grep -E "^(Done|stat::number_of_executed_units|==|SUMMARY)|ERROR" ; \
		test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	done

# Data-parallel training over MPI, from outside: loss curves of 2 and 3 ranks against one
# process, resume across rank counts, a killed rank (scripts/mpi-check says what is checked).
mpi-check: build
	scripts/mpi-check $(DYNAMICS)
