//! Links the `ssoenv` binary as a position-dependent executable on Linux.
//!
//! A PIE binary of this size carries ~35,000 relative relocations that the dynamic loader applies,
//! touching ~120 pages, before `main` runs: measured here, 1.2 M instructions and ~0.8 ms per
//! start, which is the prompt's whole budget (it runs before every shell prompt). Linked without
//! PIE, 216 relocations remain. Shared libraries, stack, heap and mmap stay randomised; only the
//! executable's own image loses ASLR. `SSOENV_PIE=1` at build time keeps a PIE binary.

fn main() {
    println!("cargo:rerun-if-env-changed=SSOENV_PIE");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
    let pie_wanted = std::env::var_os("SSOENV_PIE").is_some_and(|v| v == "1");
    if linux && !pie_wanted {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
