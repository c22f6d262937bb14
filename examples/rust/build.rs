//! Links the static libholdfast.a and what it needs (Abseil, the C++ standard library), with the
//! flags of the installed holdfast.pc, asked of `pkg-config --libs holdfast` as a process (the
//! crate uses the standard library only). Where to look, first match wins:
//!
//!   HOLDFAST_BUILD_DIR=DIR   a CMake build directory of holdfast: DIR/libholdfast.a, and the
//!                            Abseil flags of DIR/holdfast.pc (generated there by the configure)
//!   HOLDFAST_PREFIX=DIR      an install prefix: DIR/lib*/pkgconfig/holdfast.pc
//!   PKG_CONFIG_PATH          as pkg-config reads it (or holdfast installed system-wide)
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    for var in ["HOLDFAST_BUILD_DIR", "HOLDFAST_PREFIX", "PKG_CONFIG_PATH"] {
        println!("cargo:rerun-if-env-changed={}", var);
    }
    println!("cargo:rerun-if-changed=build.rs");

    let mut pc_dirs: Vec<PathBuf> = Vec::new();
    if let Some(dir) = env::var_os("HOLDFAST_BUILD_DIR") {
        let dir = PathBuf::from(dir);
        let archive = dir.join("libholdfast.a");
        if !archive.is_file() {
            fail(&format!("HOLDFAST_BUILD_DIR: no {}", archive.display()));
        }
        // Searched before the .pc's own -L, which names the install prefix, not the build.
        println!("cargo:rustc-link-search=native={}", dir.display());
        println!("cargo:rerun-if-changed={}", archive.display());
        pc_dirs.push(dir);
    } else if let Some(prefix) = env::var_os("HOLDFAST_PREFIX") {
        let prefix = PathBuf::from(prefix);
        pc_dirs.extend(pc_dirs_under(&prefix));
        if pc_dirs.is_empty() {
            fail(&format!(
                "HOLDFAST_PREFIX: no lib*/pkgconfig/holdfast.pc under {}",
                prefix.display()
            ));
        }
    }
    for dir in &pc_dirs {
        println!("cargo:rerun-if-changed={}", dir.join("holdfast.pc").display());
    }

    let libs = pkg_config_libs(&pc_dirs);
    for flag in libs.split_whitespace() {
        if let Some(dir) = flag.strip_prefix("-L") {
            println!("cargo:rustc-link-search=native={}", dir);
        } else if flag == "-lholdfast" {
            // Static even where a libholdfast.so sits beside it: the tests use this build.
            println!("cargo:rustc-link-lib=static=holdfast");
        } else if let Some(name) = flag.strip_prefix("-l") {
            println!("cargo:rustc-link-lib=dylib={}", name);
        } else if flag == "-pthread" {
            println!("cargo:rustc-link-lib=dylib=pthread");
        }
        // Anything else (-Wl,--push-state,--as-needed around -latomic) only narrows linking,
        // and rustc links with --as-needed already.
    }
    // libholdfast.a is C++: its standard library comes last.
    println!("cargo:rustc-link-lib=dylib=stdc++");
}

/// The pkgconfig directories under an install prefix (lib/, lib64/, lib/<multiarch>/).
fn pc_dirs_under(prefix: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for lib in ["lib", "lib64"] {
        let base = prefix.join(lib);
        let mut candidates = vec![base.join("pkgconfig")];
        if let Ok(entries) = base.read_dir() {
            for entry in entries.flatten() {
                candidates.push(entry.path().join("pkgconfig"));
            }
        }
        for dir in candidates {
            if dir.join("holdfast.pc").is_file() {
                found.push(dir);
            }
        }
    }
    found
}

/// `pkg-config --libs holdfast` with `dirs` in front of PKG_CONFIG_PATH.
fn pkg_config_libs(dirs: &[PathBuf]) -> String {
    let mut path: Vec<PathBuf> = dirs.to_vec();
    if let Some(existing) = env::var_os("PKG_CONFIG_PATH") {
        path.extend(env::split_paths(&existing));
    }
    let mut command = Command::new("pkg-config");
    command.args(["--libs", "holdfast"]);
    if !path.is_empty() {
        command.env("PKG_CONFIG_PATH", env::join_paths(path).expect("PKG_CONFIG_PATH"));
    }
    let output = match command.output() {
        Ok(output) => output,
        Err(error) => fail(&format!("cannot run pkg-config: {}", error)),
    };
    if !output.status.success() {
        fail(&format!(
            "`pkg-config --libs holdfast` failed: {}\nSet HOLDFAST_PREFIX to an install prefix \
             or HOLDFAST_BUILD_DIR to a build directory (see README.md).",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn fail(message: &str) -> ! {
    eprintln!("holdfast build.rs: {}", message);
    std::process::exit(1);
}
