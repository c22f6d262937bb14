//! The per-call cost of holdfast from Rust: hold+release pairs from one thread, through the safe
//! wrapper (`Sale::hold`, `Sale::release`) and through the raw `extern "C"` calls
//! (`ffi::hf_sale_hold`, `ffi::hf_sale_release`), interleaved round by round so both see the same
//! machine load. A measurement, not a test: it prints nanoseconds per pair and never fails on
//! speed (a pair that does not answer Ok stops it, as a bug would).
//!
//!     cd examples/rust && HOLDFAST_PREFIX=... cargo run --release --example overhead --offline
//!
//! Both sales have the config of bench/c_api_benchmark.cc's BM_HoldRelease: one ticket type of
//! 2^40, a per-buyer limit of 2^39 - 1 units checked on every hold, 4 live holds per buyer, the
//! other bounds at their defaults; that benchmark gives the same pair through the C++ API and
//! the C ABI from C++, in one run. Arguments: [pairs per round] [rounds] (200000, 15).
use holdfast::{ffi, Config, HoldLine, Outcome, Sale};
use std::env;
use std::ptr;
use std::time::Instant;

const CAPACITY: i64 = 1 << 40;
const PER_BUYER_UNITS_MAX: i64 = (1 << 39) - 1;
const PER_BUYER_HOLDS_MAX: i32 = 4;
const BUYER: u64 = 1;

/// The sale behind the safe wrapper.
fn wrapped_sale() -> Sale {
    let mut config = Config::new();
    config.add_type("regular", CAPACITY).expect("add_type");
    config.per_buyer_units_max(PER_BUYER_UNITS_MAX).per_buyer_holds_max(PER_BUYER_HOLDS_MAX);
    Sale::new(&config).expect("Sale::new")
}

/// The same sale as a raw handle, built with the C calls alone; the caller destroys it.
fn raw_sale() -> *mut ffi::hf_sale {
    // SAFETY: each call gets a live config (checked for NULL) and pointers valid for the call;
    // the config is destroyed once the sale has copied it.
    unsafe {
        let config = ffi::hf_config_create();
        assert!(!config.is_null(), "hf_config_create: out of memory");
        let name = b"regular\0";
        let mut ok =
            ffi::hf_config_add_type(config, name.as_ptr().cast(), CAPACITY, ptr::null_mut())
                == ffi::HF_ERROR_OK;
        ok &=
            ffi::hf_config_set_per_buyer_units_max(config, PER_BUYER_UNITS_MAX) == ffi::HF_ERROR_OK;
        ok &=
            ffi::hf_config_set_per_buyer_holds_max(config, PER_BUYER_HOLDS_MAX) == ffi::HF_ERROR_OK;
        let mut sale = ptr::null_mut();
        ok &= ffi::hf_sale_create(config, &mut sale, ptr::null_mut(), 0) == ffi::HF_ERROR_OK;
        ffi::hf_config_destroy(config);
        assert!(ok && !sale.is_null(), "building the raw sale failed");
        sale
    }
}

/// Nanoseconds per hold+release pair through the wrapper, over `pairs` pairs.
fn time_wrapped(sale: &Sale, pairs: u32) -> f64 {
    let lines = [HoldLine::new(0, 1)];
    let start = Instant::now();
    for _ in 0..pairs {
        let hold = sale.hold(BUYER, &lines).expect("hold");
        sale.release(hold, BUYER).expect("release");
    }
    start.elapsed().as_nanos() as f64 / f64::from(pairs)
}

/// Nanoseconds per hold+release pair through the raw C calls, over `pairs` pairs.
fn time_raw(sale: *mut ffi::hf_sale, pairs: u32) -> f64 {
    let lines = [ffi::hf_hold_line { type_: 0, quantity: 1 }];
    let ok = Outcome::Ok.raw();
    let start = Instant::now();
    for _ in 0..pairs {
        let mut hold = 0;
        // SAFETY: a live sale, one line and an out pointer, all valid for the call.
        let held = unsafe { ffi::hf_sale_hold(sale, BUYER, lines.as_ptr(), 1, 0, 0, &mut hold) };
        // SAFETY: a live sale.
        let released = unsafe { ffi::hf_sale_release(sale, hold, BUYER) };
        assert!(held == ok && released == ok, "raw pair: {} then {}", held, released);
    }
    start.elapsed().as_nanos() as f64 / f64::from(pairs)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    values[values.len() / 2]
}

fn arg(index: usize, default: u32) -> u32 {
    env::args().nth(index).map_or(default, |a| a.parse().expect("a positive integer"))
}

// Nothing here needs std::hint::black_box (unstable in Debian's rustc 1.63): every call crosses
// into the C library, which the optimiser cannot see through or drop.
fn main() {
    let pairs = arg(1, 200_000).max(1);
    let rounds = arg(2, 15).max(1);
    let wrapped = wrapped_sale();
    let raw = raw_sale();
    // Warm both paths (slots, buyer table entries, caches) before timing.
    time_wrapped(&wrapped, pairs / 10 + 1);
    time_raw(raw, pairs / 10 + 1);
    let (mut w, mut r) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // Alternate which goes first, so neither always follows the other.
        if round % 2 == 0 {
            w.push(time_wrapped(&wrapped, pairs));
            r.push(time_raw(raw, pairs));
        } else {
            r.push(time_raw(raw, pairs));
            w.push(time_wrapped(&wrapped, pairs));
        }
    }
    // SAFETY: the raw sale is no longer used.
    unsafe { ffi::hf_sale_destroy(raw) };
    let (w_min, r_min) =
        (w.iter().cloned().fold(f64::MAX, f64::min), r.iter().cloned().fold(f64::MAX, f64::min));
    let (w_med, r_med) = (median(&mut w), median(&mut r));
    println!("hold+release pairs from 1 thread, {} rounds of {} pairs, interleaved", rounds, pairs);
    println!(
        "  safe wrapper (Sale::hold, release): median {:7.1} ns/pair, best {:7.1}",
        w_med, w_min
    );
    println!(
        "  raw ffi (hf_sale_hold, release):    median {:7.1} ns/pair, best {:7.1}",
        r_med, r_min
    );
    println!("  wrapper / raw (medians):            {:.3}", w_med / r_med);
}
