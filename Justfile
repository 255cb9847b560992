# jail's tasks. `just run` gives a shell in a busybox rootfs; `just test`
# runs every test against the host build and the static release binary.

target := "x86_64-unknown-linux-musl"
release_bin := "target/" + target + "/release/jail"
rootfs := "build/rootfs"
size_budget := "65536"

# Build the host (glibc) binary.
build:
    cargo build

# Build the static musl release binary.
release:
    rustup target list --installed | grep -qx {{target}} || rustup target add {{target}}
    cargo build --release --target {{target}}

# Print the static binary's size and fail when it is over the budget.
size: release
    #!/bin/sh
    set -eu
    bytes=$(stat -c %s {{release_bin}})
    echo "{{release_bin}}: $bytes bytes ($(( (bytes + 1023) / 1024 )) KiB), budget {{size_budget}}"
    file {{release_bin}} | grep -q 'statically linked' || { echo "not statically linked" >&2; exit 1; }
    [ "$bytes" -le {{size_budget}} ] || { echo "over the size budget by $((bytes - {{size_budget}})) bytes" >&2; exit 1; }

# Build a busybox root filesystem in build/rootfs (idempotent).
rootfs:
    sh scripts/rootfs.sh {{rootfs}}

# A shell in the busybox rootfs, from the static binary.
run *ARGS: release rootfs
    {{release_bin}} {{ARGS}} {{rootfs}} /bin/sh

# Start-up time, size, memory and syscalls of jail against chroot, unshare,
# bwrap, crun and runc on the busybox rootfs, and 100 concurrent starts.
# Needs root. `just bench record` also rewrites BENCHMARKS.md.
bench *ARGS: release rootfs
    python3 scripts/bench.py {{ARGS}}

# Unit tests, then the integration tests on the host build and on the
# static release binary.
test: release rootfs
    cargo test
    JAIL_BIN={{release_bin}} cargo test --test '*'
    just size
