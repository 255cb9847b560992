//! Link settings for a binary with its own `_start` and no C runtime.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    // The host (glibc) build keeps the C runtime's start files, which call
    // jail's `main`; only the static build starts at jail's own `_start`.
    if target.ends_with("-musl") {
        println!("cargo:rustc-link-arg-bins=-nostartfiles");
        // A static-pie binary relocates itself in the C runtime's start
        // code, which jail does not have; a fixed-address static binary
        // needs no relocation at all.
        println!("cargo:rustc-link-arg-bins=-no-pie");
        // Code and read-only data share one segment: separate segments
        // each pad to a 4 KiB page, a large share of a binary this small.
        println!("cargo:rustc-link-arg-bins=-Wl,-z,noseparate-code");
        // No build-id note: nothing reads it, and the build is reproducible.
        println!("cargo:rustc-link-arg-bins=-Wl,--build-id=none");
        // Drops the unwind tables and the compiler comment; see the script.
        let script = format!("{}/linker/jail.ld", env!("CARGO_MANIFEST_DIR"));
        println!("cargo:rustc-link-arg-bins=-Wl,-T,{script}");
        println!("cargo:rerun-if-changed=linker/jail.ld");
    }
}
