//! Two things only the build can know: the commit ssoenv is built from (for `--version`), and, on
//! x86-64 Linux, how to link the executable static and position-dependent.
//!
//! `ssoenv prompt` runs before every shell prompt, so process start is most of its cost. Measured on
//! the 2-core CI machine: a dynamically linked binary spends ~0.5 ms in the dynamic loader (mapping
//! and relocating libc, libm and libgcc_s, binding ~190 symbols) and a PIE binary of this size
//! applies ~35,000 relocations more. glibc's files and dns name services are built into its static
//! library, so host lookups work; a name service that needs a module loaded at run time (e.g.
//! `passwd: systemd`) falls back to the next source.
//!
//! This used to be `-C target-feature=+crt-static` in `.cargo/config.toml`, which reaches proc
//! macros (they cannot be static) unless a target is named, so the config named one — and every
//! other host then had to pass its own `--target`. Here nothing is named: only the executables of an
//! `x86_64-unknown-linux-gnu` build get extra link arguments; every other target (macOS, arm64,
//! musl) builds as Cargo always does, and so do tests, doctests and host tools.
//!
//! rustc, not knowing the link is static, asks for `-Wl,-Bdynamic -lgcc_s … -lm -lc`, and `-Bdynamic`
//! would pull the shared libraries back in (an executable with no interpreter, which crashes). So a
//! directory searched first holds `libc.a`, `libm.a` and `libgcc_s.a` as one-line linker scripts
//! naming glibc's static archives and libgcc's static unwinder (`libgcc_eh.a`, what rustc links
//! under crt-static): with no `.so` in that directory, the archives win. `-L` is not positional in
//! GNU ld, so it works from the end of the command line, where `rustc-link-arg-bins` puts it. When
//! a static glibc is not installed, the build stays dynamic and says so.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let version = env::var("CARGO_PKG_VERSION").expect("set by cargo");
    match commit(&manifest_dir) {
        Some(commit) => println!("cargo:rustc-env=SSOENV_VERSION={version} ({commit})"),
        None => println!("cargo:rustc-env=SSOENV_VERSION={version}"),
    }
    if env::var("TARGET").as_deref() == Ok("x86_64-unknown-linux-gnu") {
        link_static_non_pie();
    }
}

/// The short hash of `HEAD` when the crate is the top of a git checkout (not a crate unpacked
/// inside some other repository), and `git` can tell; `None` otherwise.
fn commit(manifest_dir: &Path) -> Option<String> {
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .args(args)
            .current_dir(manifest_dir)
            .output()
            .ok()?;
        let text = String::from_utf8(out.stdout).ok()?;
        (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
    };
    let top = PathBuf::from(git(&["rev-parse", "--show-toplevel"])?);
    if top.canonicalize().ok()? != manifest_dir.canonicalize().ok()? {
        return None;
    }
    // Rebuild when HEAD moves: the file HEAD names a branch in, the branch's ref, packed refs.
    // Only files that exist: Cargo counts a missing one as changed and would rebuild every time.
    let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(branch);
    }
    for name in watched {
        let path = git(&["rev-parse", "--path-format=absolute", "--git-path", &name]);
        if let Some(path) = path.filter(|path| Path::new(path).exists()) {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    git(&["rev-parse", "--short", "HEAD"])
}

fn link_static_non_pie() {
    let linker = env::var("RUSTC_LINKER").unwrap_or_else(|_| "cc".to_string());
    // The linker driver's answer: an absolute path when it has the file, the bare name when not.
    let find = |name: &str| -> Option<PathBuf> {
        let out = Command::new(&linker)
            .arg(format!("-print-file-name={name}"))
            .output()
            .ok()?;
        let path = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
        (out.status.success() && path.is_absolute() && path.is_file()).then_some(path)
    };
    let (Some(libc), Some(libm), Some(unwind)) =
        (find("libc.a"), find("libm.a"), find("libgcc_eh.a"))
    else {
        println!(
            "cargo:warning=no static glibc (libc.a, libm.a) or libgcc_eh.a found by {linker}; \
             linking ssoenv dynamically, which costs ~0.5 ms per start"
        );
        return;
    };
    let dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo")).join("static-libs");
    std::fs::create_dir_all(&dir).expect("create OUT_DIR/static-libs");
    for (name, archive) in [("libc.a", libc), ("libm.a", libm), ("libgcc_s.a", unwind)] {
        let script = format!("INPUT(\"{}\")\n", archive.display());
        std::fs::write(dir.join(name), script).expect("write a linker script to OUT_DIR");
    }
    println!("cargo:rustc-link-arg-bins=-L{}", dir.display());
    // `-no-pie` after rustc's own `-pie`: the driver takes the last one.
    println!("cargo:rustc-link-arg-bins=-static");
    println!("cargo:rustc-link-arg-bins=-no-pie");
}
