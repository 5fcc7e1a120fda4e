# mcpd: GNU make + pkg-config.  See README.md.

PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
DESTDIR	?=

CC	?= cc
O	?= build
# Where "make install" puts the children the monitor executes (mcpd-net,
# mcpd-worker, mcpd-launch), as OpenSSH puts sshd-session.  The mcpd of the build tree
# executes those beside it in $(O); the installed one is linked again
# with this directory (src/monitor/pathnames.c).
LIBEXECDIR ?= $(PREFIX)/libexec/mcpd

# SANDBOX_DEBUG=1 makes a forbidden syscall trap and be named on stderr
# instead of killing the process silently.  Never for production.
SANDBOX_DEBUG ?= 0
# TEST_HOOKS=1 compiles in the hooks the confinement tests use to make a
# confined process attempt forbidden things.  Only ever built into
# $(O)/test-hooks/ by "make check"; never installed.
TEST_HOOKS ?= 0

OPTFLAGS ?= -O2 -g
HARDEN	 = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE \
	   -fstack-clash-protection -fcf-protection
WARN	 = -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wpointer-arith \
	   -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter

# One executable per kind of process (doc/privsep.md, section 1).  The
# source folders are the processes: each is compiled seeing only its own
# headers and the shared ones (src/common, privsep, sandbox), so that a
# net-process file that includes a monitor header does not compile, and
# each image is linked from its own objects and the shared archive, so
# that a call across the boundary does not link.  Each links only the
# libraries its process uses.  The unit tests, the fuzz targets and the
# benchmarks see everything.
SHARED_INCS  = -Isrc/common -Iprivsep -Isandbox
MONITOR_INCS = -Isrc/monitor $(SHARED_INCS)
NET_INCS     = -Isrc/net $(SHARED_INCS)
WORKER_INCS  = -Isrc/worker $(SHARED_INCS)
LAUNCH_INCS  = -Isrc/launch $(SHARED_INCS)
CTL_INCS     = -Isrc/ctl -Isrc/monitor $(SHARED_INCS)
INCS	     = -Isrc/monitor -Isrc/net -Isrc/worker -Isrc/launch -Isrc/ctl \
	       $(SHARED_INCS)
$(O)/src/common/%.o $(O)/privsep/%.o $(O)/sandbox/%.o: \
    INCS = $(SHARED_INCS)
$(O)/src/monitor/%.o: INCS = $(MONITOR_INCS)
$(O)/src/net/%.o: INCS = $(NET_INCS)
$(O)/src/worker/%.o: INCS = $(WORKER_INCS)
$(O)/src/launch/%.o: INCS = $(LAUNCH_INCS)
$(O)/src/ctl/%.o: INCS = $(CTL_INCS)

# What tests/image/check.sh --self-test compiles with: each process's
# include directories, one "NAME FLAGS" line each.
print-incs:
	@echo "shared $(SHARED_INCS)"
	@echo "monitor $(MONITOR_INCS)"
	@echo "net $(NET_INCS)"
	@echo "worker $(WORKER_INCS)"
	@echo "launch $(LAUNCH_INCS)"

PKGS_MONITOR = libevent openssl jansson libjwt
PKGS_NET     = libevent libevent_openssl openssl jansson libseccomp
PKGS_WORKER  = libevent openssl jansson sqlite3 libseccomp
PKGS_LAUNCH  = libevent libseccomp
PKGS_CTL     = openssl jansson libjwt
PKGS	     = $(sort $(PKGS_MONITOR) $(PKGS_NET) $(PKGS_WORKER) $(PKGS_CTL))
pkglibs	     = $(shell pkg-config --libs $(1) 2>/dev/null)

# INCS stays out of CFLAGS: it differs per folder (above), and make
# would hand a folder's value on to $(O)/.cflags.
CFLAGS	+= -std=c11 -D_GNU_SOURCE $(OPTFLAGS) $(HARDEN) $(WARN) \
	   -DSANDBOX_DEBUG=$(SANDBOX_DEBUG) -DMCPD_TEST_HOOKS=$(TEST_HOOKS) \
	   $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDFLAGS	+= -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack -Wl,--as-needed
LIBS	 = $(call pkglibs,$(PKGS)) -lm

# The entry points are not in the archives.  Neither are a folder's
# *_san.c files but in a sanitizer build (see "sanitize" below).  Each
# program's link map ($@.map) says which objects it was linked from
# (tests/image/modules.sh).
ENTRY_SRCS	= src/monitor/mcpd.c src/net/main.c \
		  src/worker/main.c src/launch/main.c src/ctl/mcpctl.c
SANITIZE	?= $(shell cat $(O)/.sanitize 2>/dev/null)
SAN_SKIP	 = $(if $(filter-out 0,$(SANITIZE)),,%_san.c)
srcs		= $(sort $(filter-out $(ENTRY_SRCS) $(SAN_SKIP),\
		  $(wildcard $(1))))
COMMON_SRCS	= $(call srcs,src/common/*.c privsep/*.c sandbox/*.c)
MONITOR_SRCS	= $(call srcs,src/monitor/*.c)
NET_SRCS	= $(call srcs,src/net/*.c)
WORKER_SRCS	= $(call srcs,src/worker/*.c)
LAUNCH_SRCS	= $(call srcs,src/launch/*.c)
CTL_SRCS	= $(call srcs,src/ctl/*.c)
LIB_SRCS	= $(COMMON_SRCS) $(MONITOR_SRCS) $(NET_SRCS) $(WORKER_SRCS) \
		  $(LAUNCH_SRCS) $(CTL_SRCS)
LIB_OBJS	= $(LIB_SRCS:%.c=$(O)/%.o)
# Every archive, in an order that resolves one into the next.
ALL_LIBS	= $(O)/libctl.a $(O)/libmonitor.a $(O)/libnet.a \
		  $(O)/libworker.a $(O)/liblaunch.a $(O)/libcommon.a
UNIT_SRCS = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(O)/tests/%)
PROGS	 = $(O)/mcpd $(O)/mcpd-net $(O)/mcpd-worker $(O)/mcpd-launch \
	   $(O)/mcpctl

all: $(PROGS)

# Objects depend on the flags they were built with, so that e.g.
# "make SANDBOX_DEBUG=1" rebuilds instead of reusing production objects.
$(O)/.cflags: FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(CFLAGS)' | cmp -s - $@ || echo '$(CC) $(CFLAGS)' > $@

$(O)/%.o: %.c $(O)/.cflags
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) $(INCS) -MMD -MP -c -o $@ $<

$(O)/libcommon.a: $(COMMON_SRCS:%.c=$(O)/%.o)
$(O)/libmonitor.a: $(MONITOR_SRCS:%.c=$(O)/%.o)
$(O)/libnet.a: $(NET_SRCS:%.c=$(O)/%.o)
$(O)/libworker.a: $(WORKER_SRCS:%.c=$(O)/%.o)
$(O)/liblaunch.a: $(LAUNCH_SRCS:%.c=$(O)/%.o)
$(O)/libctl.a: $(CTL_SRCS:%.c=$(O)/%.o)
$(O)/lib%.a:
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

# The libexec directory the monitor executes its children from: this
# tree in libmonitor.a, LIBEXECDIR in the installed mcpd, whose explicit
# object keeps the archive's out.
$(O)/src/monitor/pathnames.o: src/monitor/pathnames.c $(O)/.cflags
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) $(INCS) -DMCPD_LIBEXECDIR='"$(abspath $(O))"' \
	    -c -o $@ $<
# INSTALL_O is where that mcpd is linked (a test that installs into a
# directory of its own sets it, so as not to race another).
INSTALL_O ?= $(O)/install
$(INSTALL_O)/pathnames.o: src/monitor/pathnames.c $(O)/.cflags FORCE
	@mkdir -p $(@D)
	@$(CC) $(CFLAGS) $(INCS) -DMCPD_LIBEXECDIR='"$(LIBEXECDIR)"' \
	    -c -o $@ $<

$(O)/mcpd: $(O)/src/monitor/mcpd.o $(O)/libmonitor.a $(O)/libcommon.a
	$(CC) $(LDFLAGS) -Wl,-Map=$@.map -o $@ $^ $(call pkglibs,$(PKGS_MONITOR)) -lm

$(INSTALL_O)/mcpd: $(O)/src/monitor/mcpd.o $(INSTALL_O)/pathnames.o \
    $(O)/libmonitor.a $(O)/libcommon.a
	$(CC) $(LDFLAGS) -Wl,-Map=$@.map -o $@ $^ $(call pkglibs,$(PKGS_MONITOR)) -lm

$(O)/mcpd-net: $(O)/src/net/main.o $(O)/libnet.a $(O)/libcommon.a
	$(CC) $(LDFLAGS) -Wl,-Map=$@.map -o $@ $^ $(call pkglibs,$(PKGS_NET))

$(O)/mcpd-worker: $(O)/src/worker/main.o $(O)/libworker.a \
    $(O)/libcommon.a
	$(CC) $(LDFLAGS) -Wl,-Map=$@.map -o $@ $^ $(call pkglibs,$(PKGS_WORKER))

$(O)/mcpd-launch: $(O)/src/launch/main.o $(O)/liblaunch.a \
    $(O)/libcommon.a
	$(CC) $(LDFLAGS) -Wl,-Map=$@.map -o $@ $^ $(call pkglibs,$(PKGS_LAUNCH))

$(O)/mcpctl: $(O)/src/ctl/mcpctl.o $(O)/libctl.a $(O)/libmonitor.a \
    $(O)/libcommon.a
	$(CC) $(LDFLAGS) -Wl,-Map=$@.map -o $@ $^ $(call pkglibs,$(PKGS_CTL)) -lm

$(O)/tests/%: $(O)/tests/unit/%.o $(ALL_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(ALL_LIBS) \
	    -Wl,--end-group $(LIBS) -lcmocka

unit-build: $(UNIT_BINS)

# Images that break the rules of tests/image/rules on purpose, each with
# forbidden objects pulled in (BAD): what "tests/image/check.sh
# --self-test" must catch.
IMGT	= $(O)/image-selftest
image-selftest: $(IMGT)/mcpd $(IMGT)/mcpd-net $(IMGT)/mcpd-worker \
    $(IMGT)/mcpd-launch
$(IMGT)/mcpd: $(O)/src/monitor/mcpd.o $(ALL_LIBS)
$(IMGT)/mcpd: BAD = mcp_registry_new
$(IMGT)/mcpd-net: $(O)/src/net/main.o $(ALL_LIBS)
$(IMGT)/mcpd-net: BAD = config_load_file sandbox_worker_apply
$(IMGT)/mcpd-worker: $(O)/src/worker/main.o $(ALL_LIBS)
$(IMGT)/mcpd-worker: BAD = mcp_session_new sandbox_net_apply
$(IMGT)/mcpd-launch: $(O)/src/launch/main.o $(ALL_LIBS)
$(IMGT)/mcpd-launch: BAD = config_load_file audit_open sqltools_open
$(IMGT)/%:
	@mkdir -p $(@D)
	@$(CC) $(LDFLAGS) -o $@ $< $(BAD:%=-Wl,--undefined=%) \
	    -Wl,--start-group $(ALL_LIBS) -Wl,--end-group $(LIBS)

# The unit tests alone, built and run: what a developer iterates with.
# "make check T=NAME" runs one regress scenario (or several: T="A B").
unit: deps
	@$(MAKE) --no-print-directory -j$(NPROC) unit-build
	@UNIT_ONLY=1 bash tests/run.sh

$(O)/stdio_bench: tests/bench/stdio_bench.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

# Benchmarks measure; they assert nothing about speed.
$(O)/roundtrip: $(O)/tests/bench/roundtrip.o $(ALL_LIBS)
	$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(ALL_LIBS) \
	    -Wl,--end-group $(LIBS)

bench: deps
	@$(MAKE) --no-print-directory all $(O)/stdio_bench $(O)/roundtrip
	@O=$(O) bash tests/bench/compare.sh

# This tree against an earlier commit (BASE, default the one before HEAD),
# in one run: what a change costs.  The earlier tree is exported with git
# archive and built in $(O)/base/.
BASE	?= HEAD~1
bench-against: deps
	@$(MAKE) --no-print-directory all $(O)/stdio_bench
	@rm -rf $(O)/base && mkdir -p $(O)/base/src
	@git archive "$(BASE)" | tar -x -C $(O)/base/src
	@$(MAKE) --no-print-directory -C $(O)/base/src -j$(NPROC) O=build all \
	    > $(O)/base/make.log 2>&1 || { tail -n 20 $(O)/base/make.log; exit 1; }
	@O=$(O) bash tests/bench/against.sh $(O)/base/src/build

# Installs the Debian packages the build and the tests need, when run as
# root; otherwise prints the apt-get line.
deps:
	@sh tests/deps.sh

# The builds of make check use every CPU, which keeps CI short.
NPROC		:= $(shell nproc 2>/dev/null || echo 1)
check: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all unit-build
	@$(MAKE) --no-print-directory -j$(NPROC) O=$(O)/test-hooks \
	    TEST_HOOKS=1 all
	@T="$(T)" bash tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@MCPD=$(abspath $(O))/mcpd MCPCTL=$(abspath $(O))/mcpctl bash conf/demo.sh

install: all $(INSTALL_O)/mcpd
	@if [ "$(TEST_HOOKS)" != 0 ]; then \
		echo "refusing to install a TEST_HOOKS build" >&2; exit 1; fi
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(LIBEXECDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/mcpd
	install -m 0755 $(INSTALL_O)/mcpd $(DESTDIR)$(SBINDIR)/mcpd
	install -m 0755 $(O)/mcpd-net $(DESTDIR)$(LIBEXECDIR)/mcpd-net
	install -m 0755 $(O)/mcpd-worker $(DESTDIR)$(LIBEXECDIR)/mcpd-worker
	install -m 0755 $(O)/mcpd-launch $(DESTDIR)$(LIBEXECDIR)/mcpd-launch
	install -m 0755 $(O)/mcpctl $(DESTDIR)$(BINDIR)/mcpctl
	install -m 0644 man/mcpctl.1 $(DESTDIR)$(MANDIR)/man1/mcpctl.1
	install -m 0644 man/mcpd.conf.5 $(DESTDIR)$(MANDIR)/man5/mcpd.conf.5
	install -m 0644 man/mcpd.8 $(DESTDIR)$(MANDIR)/man8/mcpd.8
	test -e $(DESTDIR)$(SYSCONFDIR)/mcpd/mcpd.conf || \
	    install -m 0644 conf/mcpd.conf $(DESTDIR)$(SYSCONFDIR)/mcpd/mcpd.conf
# The systemd unit, its paths made those of this installation.
	install -d $(DESTDIR)$(or $(SYSTEMDUNITDIR),/lib/systemd/system)
	sed -e 's|/usr/local/sbin/mcpd|$(SBINDIR)/mcpd|g' \
	    -e 's|/etc/mcpd/mcpd.conf|$(SYSCONFDIR)/mcpd/mcpd.conf|g' \
	    conf/mcpd.service > $(O)/mcpd.service
	install -m 0644 $(O)/mcpd.service \
	    $(DESTDIR)$(or $(SYSTEMDUNITDIR),/lib/systemd/system)/mcpd.service
# PrivsepChroot and the directories above it that mcpd owns: owned by
# root, not writable by group or others; the audit log's directory.  Run
# as root, this also sets the owner of directories that existed.
	@own=; [ "$$(id -u)" != 0 ] || own="-o 0 -g 0"; \
	for d in $(DESTDIR)$(SYSCONFDIR)/mcpd:0755 \
	    $(DESTDIR)/var/lib/mcpd:0755 $(DESTDIR)/var/lib/mcpd/empty:0755 \
	    $(DESTDIR)/var/log/mcpd:0750; do \
		echo "install -d -m $${d##*:} $$own $${d%:*}"; \
		install -d -m "$${d##*:}" $$own "$${d%:*}" || exit 1; \
	done
	@$(MAKE) --no-print-directory install-users

# The system users of PrivsepUser and ToolUser.  Run as root for this
# system (DESTDIR empty), it creates those that are missing; otherwise it
# prints the useradd lines to run as root on the system that will run mcpd
# (all of them with DESTDIR set, since that system's users are unknown).
install-users:
	@add="useradd --system --no-create-home --home-dir /nonexistent"; \
	add="$$add --shell /usr/sbin/nologin"; \
	for u in _mcpd _mcpdtool; do \
		if [ -z "$(DESTDIR)" ] && getent passwd $$u >/dev/null; then \
			continue; \
		elif [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
			echo "$$add $$u"; \
			$$add $$u || exit 1; \
		else \
			[ -n "$$hdr" ] || echo "Create the system users of mcpd as root:"; \
			hdr=1; \
			echo "$$add $$u"; \
		fi; \
	done

.PHONY: install-users

lint: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all
	@bash tests/lint.sh

clean:
	rm -rf $(O) demo

FORCE:

.PHONY: all unit unit-build image-selftest print-incs deps check demo install lint bench bench-against clean FORCE

-include $(LIB_OBJS:.o=.d) $(ENTRY_SRCS:%.c=$(O)/%.d)

# --- fuzz (issue 5) ---
# libFuzzer targets, one per parser (tests/fuzz/fuzz_<name>.c), built by
# clang with ASan and UBSan into $(FUZZ_O), linked against the project's
# sources compiled there with the same sanitizers and coverage (the
# libraries stay uninstrumented).  "make fuzz" runs each target for
# FUZZ_SECONDS over its corpus (FUZZ_TARGETS="mcp jwt" picks some);
# tests/fuzz/smoke.sh is the short form for "make check";
# "make fuzz-corpus" regenerates the seeds and their key material;
# "make fuzz-coverage" reports the line coverage the corpora reach.
FUZZ_CC		?= clang
FUZZ_SECONDS	?= 300
FUZZ_O		 = $(O)/fuzz
FUZZ_SAN	 = -fsanitize=address,undefined \
		   -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS	 = -std=c11 -D_GNU_SOURCE -O1 -g $(FUZZ_SAN) \
		   -fsanitize=fuzzer-no-link $(filter-out -Werror,$(WARN)) \
		   $(INCS) -DSANDBOX_DEBUG=0 \
		   -DMCPD_TEST_HOOKS=0 -DMCPD_FUZZ=1 \
		   -DMCPD_LIBEXECDIR='"/nonexistent"' \
		   -DFUZZ_DATA_DIR='"$(CURDIR)/tests/fuzz/data"' \
		   $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_LIB_OBJS	 = $(LIB_SRCS:%.c=$(FUZZ_O)/%.o)
FUZZ_NAMES	 = $(sort $(patsubst tests/fuzz/fuzz_%.c,%,\
		   $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS	 = $(FUZZ_NAMES:%=$(FUZZ_O)/fuzz_%)

$(FUZZ_O)/.cflags: FORCE
	@mkdir -p $(@D)
	@echo '$(FUZZ_CC) $(FUZZ_CFLAGS)' | cmp -s - $@ || \
	    echo '$(FUZZ_CC) $(FUZZ_CFLAGS)' > $@

# The project's sources, without warnings: "make" (gcc, -Werror) is the
# build that keeps them clean, and clang's extra ones would only be noise
# here.
$(FUZZ_O)/%.o: %.c $(FUZZ_O)/.cflags
	@mkdir -p $(@D)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -w -MMD -MP -c -o $@ $<

# The harnesses themselves: warnings are errors.
$(FUZZ_O)/tests/fuzz/%.o: tests/fuzz/%.c $(FUZZ_O)/.cflags
	@mkdir -p $(@D)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror -MMD -MP -c -o $@ $<

$(FUZZ_O)/libmcpd.a: $(FUZZ_LIB_OBJS)
	@rm -f $@
	@ar rcs $@ $^

$(FUZZ_O)/fuzz_%: $(FUZZ_O)/tests/fuzz/fuzz_%.o \
    $(FUZZ_O)/tests/fuzz/harness.o $(FUZZ_O)/libmcpd.a
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $(filter %.o,$^) \
	    $(filter %.a,$^) $(LIBS)

# The seed generator is an ordinary program of the normal build.
$(O)/fuzz-mkseeds: $(O)/tests/fuzz/mkseeds.o $(O)/tests/fuzz/harness.o \
    $(ALL_LIBS)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) -Wl,--start-group \
	    $(ALL_LIBS) -Wl,--end-group $(LIBS)

fuzz-build: deps
	@$(MAKE) --no-print-directory $(FUZZ_BINS)

fuzz: fuzz-build
	@FUZZ_O=$(FUZZ_O) FUZZ_SECONDS=$(FUZZ_SECONDS) \
	    bash tests/fuzz/run.sh $(FUZZ_TARGETS)

fuzz-corpus: $(O)/fuzz-mkseeds
	@FUZZ_MKSEEDS=$(O)/fuzz-mkseeds bash tests/fuzz/mkcorpus.sh

# Line coverage of the seeds and of what "make fuzz" found.
fuzz-coverage: deps
	@O=$(O) bash tests/fuzz/coverage.sh $(FUZZ_TARGETS)

.PHONY: fuzz fuzz-build fuzz-corpus fuzz-coverage
# Keep the harness objects that the chain of pattern rules makes.
.SECONDARY: $(FUZZ_NAMES:%=$(FUZZ_O)/tests/fuzz/fuzz_%.o) \
    $(FUZZ_O)/tests/fuzz/harness.o

-include $(wildcard $(FUZZ_O)/src/*/*.d $(FUZZ_O)/privsep/*.d \
    $(FUZZ_O)/sandbox/*.d $(FUZZ_O)/tests/fuzz/*.d)
# --- end fuzz ---

# --- sanitize (issue 5) ---
# "make sanitize": every unit test and regress scenario on a build with
# AddressSanitizer and UBSan in $(O)/asan, and the regress suite under
# valgrind memcheck on an uninstrumented build in $(O)/memcheck; zero
# errors and zero definite or indirect leaks (tests/sanitize/run.sh,
# whose --quick form is the one for "make check").  SANITIZE=asan or
# SANITIZE=valgrind compiles in MCPD_SANITIZE (1 or 2): the confinement
# made livable for the sanitizer's runtime.  Never for production.
# A tree built with SANITIZE keeps it in $(O)/.sanitize (read above, with
# the sources), so that a later make on that tree does not rebuild it
# without; "make install" refuses it.
# What goes where: the code of a sanitizer build is in files named
# *_san.c, each in the folder of the code it serves, which only a
# sanitizer build compiles (SAN_SKIP above) and archives with that
# folder's objects.  The production code calls their hooks, declared in
# a header beside them (sandbox/sanitize.h, sandbox/sandbox_san.h,
# src/monitor/spawn_san.h) whose production versions are empty inline
# functions: so no production file has a sanitizer block and no
# production image any sanitizer code.
#   sandbox/runtime_san.c     the sanitizer runtime's settings, mlock(),
#                             and valgrind's setrlimit() and exit status;
#                             linked into every program (the unit tests
#                             too: their mlock() must win over the
#                             runtime's), hence --undefined below
#   sandbox/sandbox_san.c     what the runtime or valgrind calls under
#                             seccomp; the errors the test hook makes
#   src/monitor/spawn_san.c   the children's stderr relay
#                             (MCPD_SANITIZE_LOG); valgrind on the
#                             children (MCPD_SANITIZE_EXEC)
ifeq ($(SANITIZE),asan)
CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -DMCPD_SANITIZE=1
LDFLAGS	+= -fsanitize=address,undefined -Wl,--undefined=sanitize_confine
else ifeq ($(SANITIZE),valgrind)
CFLAGS	+= -DMCPD_SANITIZE=2
LDFLAGS	+= -Wl,--undefined=sanitize_confine
else ifneq ($(filter-out 0,$(SANITIZE)),)
$(error SANITIZE must be asan or valgrind, not "$(SANITIZE)")
endif

ifneq ($(filter-out 0,$(SANITIZE)),)
install: sanitize-no-install
endif
sanitize-no-install:
	@echo "refusing to install a SANITIZE=$(SANITIZE) build" >&2; exit 1

sanitize: deps
	@bash tests/sanitize/run.sh

.PHONY: sanitize sanitize-no-install
# --- end sanitize ---

# --- bench (issue 5) ---
# "make bench" (above) runs tests/bench/compare.sh: mcpd against the SDK
# peer in tests/bench/peer/.  bench-ci is its quick form, as CI runs it:
# one round of 1 s runs, which checks that both servers answer and audit
# every call and asserts nothing about speed.  bench-mcpd measures mcpd
# alone in more detail: each AuditSync mode over stdio, ES256 tokens over
# HTTP and HTTPS.
bench-ci: deps
	@$(MAKE) --no-print-directory all $(O)/stdio_bench $(O)/roundtrip
	@O=$(O) bash tests/bench/compare.sh --ci

bench-mcpd: deps
	@$(MAKE) --no-print-directory all $(O)/stdio_bench $(O)/roundtrip
	@bash tests/bench/stdio.sh
	@bash tests/bench/http.sh

.PHONY: bench-ci bench-mcpd
# --- end bench ---

# --- soak (issue 5) ---
# Load and faults together for SOAK_SECONDS (tests/soak/soak.sh): mixed
# HTTPS traffic while workers are killed, SIGHUP rotates the JWKS keys and
# SIGUSR1 the audit log; then one ok/FAIL line per check.  The short form
# for "make check" is tests/soak/ci.sh (60 seconds).
SOAK_SECONDS	?= 600

soak: deps
	@$(MAKE) --no-print-directory all
	@SOAK_SECONDS=$(SOAK_SECONDS) O=$(O) bash tests/soak/soak.sh

.PHONY: soak
# --- end soak ---
