# Cascade — the two commands of the quick start, and their building blocks.
#   make demo    install missing packages, build, simulate a small dataset, run it end to end
#   make check   install missing packages, build, run every test (ctest) + sanitizer unit tests
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
DEMO_OUT   ?= demo-out
CTEST_TIMEOUT ?= 600

.PHONY: all deps configure build check check-asan check-asan-all check-fuzz demo bench format package clean

all: build

deps:
	@./deploy/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

configure: $(BUILD)/build.ninja

build: deps configure
	cmake --build $(BUILD) -j $(JOBS)

check: build
	cd $(BUILD) && OMP_NUM_THREADS=1 ctest --output-on-failure --timeout $(CTEST_TIMEOUT) -j $(JOBS) -LE asan-skip
	$(MAKE) check-asan
	$(MAKE) check-fuzz

# Unit tests (label `unit`, minus the `slow` whole-model runs) under AddressSanitizer +
# UndefinedBehaviorSanitizer, at -O1 -g1. `make check` runs the `sanitizer_scope` tests: input
# parsers (scan spec, tokens, config, HDF5 data) and the coordinator — CMake's
# CASCADE_SANITIZER_SCOPE. `make check-asan-all` builds and runs every unit test (the model,
# trainer, worker and CLI too: about twice as long; before a release).
check-asan: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g1" -DCASCADE_SANITIZE=ON \
	  -DCASCADE_WITH_BENCH=OFF -DCASCADE_WITH_INTEGRATION_TESTS=OFF
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target sanitizer_scope
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 OMP_NUM_THREADS=1 ctest --output-on-failure --timeout $(CTEST_TIMEOUT) -j $(JOBS) -L sanitizer -LE 'slow|asan-skip'

check-asan-all: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g1" -DCASCADE_SANITIZE=ON \
	  -DCASCADE_WITH_BENCH=OFF -DCASCADE_WITH_INTEGRATION_TESTS=OFF
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 OMP_NUM_THREADS=1 ctest --output-on-failure --timeout $(CTEST_TIMEOUT) -j $(JOBS) -L unit -LE 'slow|asan-skip'

# The scan-spec parser under libFuzzer (clang, ASan + UBSan) for a bounded 20 s (label `fuzz`).
FUZZ_BUILD ?= build-fuzz
check-fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCASCADE_FUZZ=ON \
	  -DCASCADE_WITH_BENCH=OFF -DCASCADE_WITH_INTEGRATION_TESTS=OFF >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target scan_spec_fuzz
	cd $(FUZZ_BUILD) && ctest --output-on-failure -L fuzz

demo: build
	./deploy/demo.sh $(BUILD) $(DEMO_OUT)

bench: build
	./deploy/install-deps.sh --bench
	./bench/run_all.sh $(BUILD)

# A Debian package (CPack): binaries, systemd unit, example configs, Slurm templates, docs.
package: build
	cmake --build $(BUILD) --target package

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(DEMO_OUT)
