# Dynamics: the two everyday entry points. Both install the system packages first if missing.
#   make demo    build in release and run the main job on built-in defaults
#   make test    run the whole test suite
#   make bench   release benchmarks (figures only, nothing is asserted)
#   make notebooks  execute Notebooks/*.ipynb headless, in place
#   make docs    DocC documentation of the public modules into .build/docs (warnings fail it)

SWIFT ?= swift
DEMO_DIR := .build/demo
DYNAMICS := .build/release/dynamics

.PHONY: demo test bench deps build notebooks docs

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

# DocC for each public module into .build/docs/<Module>; a warning (e.g. a broken symbol link)
# fails the build.
DOC_MODULES := LinearAlgebra Integrators Stability Networks Dynamics
docs: deps
	@mkdir -p .build/docs; for m in $(DOC_MODULES); do \
		$(SWIFT) package --allow-writing-to-directory .build/docs generate-documentation --target $$m \
			--output-path .build/docs/$$m --warnings-as-errors || exit 1; \
	done
