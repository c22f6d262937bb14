//! Hand-written declarations of the C ABI, include/holdfast/holdfast_c.h, one for one: the same
//! names, the same types, the same struct layouts (`#[repr(C)]`). The header's comments are the
//! contract; this file repeats only what Rust needs. Everything here is unsafe to call: the safe
//! wrapper is in lib.rs. Keep this file in step with the header (the ABI only ever grows, so a
//! declaration here never goes stale, but new functions need adding).
#![allow(non_camel_case_types, dead_code)]

use std::os::raw::{c_char, c_int, c_uint};

/// hf_outcome: the values equal holdfast::Outcome's and never change.
pub type hf_outcome = c_int;
/// Number of hf_outcome values (HF_OUTCOME_COUNT).
pub const HF_OUTCOME_COUNT: c_int = 17;
/// Room for outcome counts in hf_sale_stats (HF_OUTCOME_SLOTS).
pub const HF_OUTCOME_SLOTS: usize = 32;

/// hf_error: the result of building a config or a sale.
pub type hf_error = c_int;
pub const HF_ERROR_OK: hf_error = 0;
pub const HF_ERROR_INVALID_ARGUMENT: hf_error = 1;
pub const HF_ERROR_RESOURCE_EXHAUSTED: hf_error = 2;
pub const HF_ERROR_INTERNAL: hf_error = 3;

pub type hf_buyer_id = u64;
pub type hf_hold_id = u64;
pub type hf_seat_id = u32;
pub const HF_RESERVED_BUYER: hf_buyer_id = u64::MAX;
pub const HF_NO_SEAT: hf_seat_id = u32::MAX;

pub const HF_CONFIRM_RETRY_IS_OK: c_int = 0;
pub const HF_CONFIRM_REPORT_ALREADY_CONFIRMED: c_int = 1;

pub const HF_BEST_AVOID_ORPHANS: c_uint = 1;
pub const HF_BEST_ALLOW_SPLIT: c_uint = 2;
pub const HF_BEST_ACCESSIBLE_ONLY: c_uint = 4;
pub const HF_BEST_ALLOW_RESTRICTED: c_uint = 8;

/// One line of a hold (hf_hold_line).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct hf_hold_line {
    pub type_: u32,
    pub quantity: i32,
}

/// One buyer's counters (hf_buyer_counts).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct hf_buyer_counts {
    pub held_units: i64,
    pub bought_units: i64,
    pub live_holds: i32,
}

/// Counters of one ticket type (hf_type_stats).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct hf_type_stats {
    pub capacity: i64,
    pub available: i64,
    pub held_units: i64,
    pub sold_units: i64,
    pub released_units: i64,
    pub expired_units: i64,
}

/// Counters of the whole sale (hf_sale_stats).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct hf_sale_stats {
    pub held_units: i64,
    pub sold_units: i64,
    pub released_units: i64,
    pub expired_units: i64,
    pub live_holds: i64,
    pub holds_created: i64,
    pub holds_confirmed: i64,
    pub holds_released: i64,
    pub holds_expired: i64,
    pub events_dropped: i64,
    pub slots_retired: i64,
    pub outcomes: [i64; HF_OUTCOME_SLOTS],
}

/// One event (hf_event).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct hf_event {
    pub kind: i32,
    pub units: i32,
    pub hold: hf_hold_id,
    pub buyer: hf_buyer_id,
    pub monotonic_ns: i64,
}

/// A seat's state (hf_seat_state).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct hf_seat_state {
    pub status: i32,
    pub hold: hf_hold_id,
    pub buyer: hf_buyer_id,
}

/// Opaque handles: never constructed in Rust, only pointed to.
#[repr(C)]
pub struct hf_manual_clock {
    _private: [u8; 0],
}
#[repr(C)]
pub struct hf_config {
    _private: [u8; 0],
}
#[repr(C)]
pub struct hf_sale {
    _private: [u8; 0],
}

extern "C" {
    pub fn hf_version() -> c_int;
    pub fn hf_version_string() -> *const c_char;
    pub fn hf_outcome_name(outcome: c_int) -> *const c_char;
    pub fn hf_error_name(error: c_int) -> *const c_char;
    pub fn hf_event_kind_name(kind: c_int) -> *const c_char;

    pub fn hf_manual_clock_create(wall_unix_ns: i64) -> *mut hf_manual_clock;
    pub fn hf_manual_clock_destroy(clock: *mut hf_manual_clock);
    pub fn hf_manual_clock_advance(clock: *mut hf_manual_clock, ns: i64);
    pub fn hf_manual_clock_set_wall(clock: *mut hf_manual_clock, wall_unix_ns: i64);
    pub fn hf_manual_clock_monotonic_ns(clock: *const hf_manual_clock) -> i64;

    pub fn hf_config_create() -> *mut hf_config;
    pub fn hf_config_destroy(config: *mut hf_config);
    pub fn hf_config_add_type(
        config: *mut hf_config,
        name: *const c_char,
        capacity: i64,
        type_out: *mut u32,
    ) -> hf_error;
    pub fn hf_config_add_quota(
        config: *mut hf_config,
        name: *const c_char,
        capacity: i64,
        types: *const u32,
        type_count: usize,
        quota_out: *mut c_int,
    ) -> hf_error;
    pub fn hf_config_add_cycle(
        config: *mut hf_config,
        name: *const c_char,
        opens_at_unix_ns: i64,
        closes_at_unix_ns: i64,
        allotment: i64,
        per_buyer_max: i64,
        rollover: c_int,
        cycle_out: *mut c_int,
    ) -> hf_error;
    pub fn hf_config_set_seat_map(
        config: *mut hf_config,
        text: *const c_char,
        message: *mut c_char,
        message_size: usize,
    ) -> hf_error;
    pub fn hf_config_set_per_buyer_units_max(config: *mut hf_config, units: i64) -> hf_error;
    pub fn hf_config_set_per_buyer_holds_max(config: *mut hf_config, holds: i32) -> hf_error;
    pub fn hf_config_set_units_per_hold_max(config: *mut hf_config, units: i32) -> hf_error;
    pub fn hf_config_set_hold_ttl_default_ns(config: *mut hf_config, ns: i64) -> hf_error;
    pub fn hf_config_set_hold_lifetime_max_ns(config: *mut hf_config, ns: i64) -> hf_error;
    pub fn hf_config_set_holds_max(config: *mut hf_config, holds: i32) -> hf_error;
    pub fn hf_config_set_buyers_max(config: *mut hf_config, buyers: i32) -> hf_error;
    pub fn hf_config_set_idempotency_keys_max(config: *mut hf_config, keys: i32) -> hf_error;
    pub fn hf_config_set_events_max(config: *mut hf_config, events: i32) -> hf_error;
    pub fn hf_config_set_manual_clock(
        config: *mut hf_config,
        clock: *mut hf_manual_clock,
    ) -> hf_error;

    pub fn hf_sale_create(
        config: *const hf_config,
        sale_out: *mut *mut hf_sale,
        message: *mut c_char,
        message_size: usize,
    ) -> hf_error;
    pub fn hf_sale_destroy(sale: *mut hf_sale);
    pub fn hf_sale_hold(
        sale: *mut hf_sale,
        buyer: hf_buyer_id,
        lines: *const hf_hold_line,
        line_count: usize,
        ttl_ns: i64,
        idempotency_key: u64,
        hold_out: *mut hf_hold_id,
    ) -> hf_outcome;
    pub fn hf_sale_hold_seats(
        sale: *mut hf_sale,
        buyer: hf_buyer_id,
        seats: *const hf_seat_id,
        seat_count: usize,
        lines: *const hf_hold_line,
        line_count: usize,
        ttl_ns: i64,
        idempotency_key: u64,
        hold_out: *mut hf_hold_id,
        taken_seat_out: *mut hf_seat_id,
    ) -> hf_outcome;
    pub fn hf_sale_hold_best_available(
        sale: *mut hf_sale,
        buyer: hf_buyer_id,
        count: c_int,
        sections: *const c_int,
        section_count: usize,
        flags: c_uint,
        ttl_ns: i64,
        idempotency_key: u64,
        seats_out: *mut hf_seat_id,
        seats_out_size: usize,
        hold_out: *mut hf_hold_id,
    ) -> hf_outcome;
    pub fn hf_sale_confirm(
        sale: *mut hf_sale,
        hold: hf_hold_id,
        buyer: hf_buyer_id,
        mode: c_int,
    ) -> hf_outcome;
    pub fn hf_sale_release(sale: *mut hf_sale, hold: hf_hold_id, buyer: hf_buyer_id) -> hf_outcome;
    pub fn hf_sale_extend(
        sale: *mut hf_sale,
        hold: hf_hold_id,
        buyer: hf_buyer_id,
        ttl_ns: i64,
    ) -> hf_outcome;
    pub fn hf_sale_sweep(sale: *mut hf_sale) -> i64;
    pub fn hf_sale_sweep_at(sale: *mut hf_sale, monotonic_now_ns: i64) -> i64;

    pub fn hf_sale_available(sale: *const hf_sale, type_: u32) -> i64;
    pub fn hf_sale_type_available(sale: *const hf_sale, type_: u32) -> i64;
    pub fn hf_sale_quota_available(sale: *const hf_sale, quota: c_int) -> i64;
    pub fn hf_sale_cycle_available(sale: *const hf_sale, cycle: c_int) -> i64;
    pub fn hf_sale_current_cycle(sale: *const hf_sale) -> c_int;
    pub fn hf_sale_memory_bytes(sale: *const hf_sale) -> usize;
    pub fn hf_sale_buyer(
        sale: *const hf_sale,
        buyer: hf_buyer_id,
        out: *mut hf_buyer_counts,
    ) -> hf_error;
    pub fn hf_sale_type_stats(
        sale: *const hf_sale,
        type_: u32,
        out: *mut hf_type_stats,
    ) -> hf_error;
    pub fn hf_sale_stats_get(sale: *const hf_sale, out: *mut hf_sale_stats) -> hf_error;
    pub fn hf_sale_drain_events(sale: *mut hf_sale, out: *mut hf_event, capacity: usize) -> usize;

    pub fn hf_sale_seat_count(sale: *const hf_sale) -> u32;
    pub fn hf_sale_seat(
        sale: *const hf_sale,
        seat: hf_seat_id,
        out: *mut hf_seat_state,
    ) -> hf_error;
    pub fn hf_sale_find_seat(sale: *const hf_sale, label: *const c_char) -> hf_seat_id;
    pub fn hf_sale_seat_label(
        sale: *const hf_sale,
        seat: hf_seat_id,
        buffer: *mut c_char,
        size: usize,
    ) -> usize;
    pub fn hf_sale_seats_of(
        sale: *const hf_sale,
        hold: hf_hold_id,
        buyer: hf_buyer_id,
        out: *mut hf_seat_id,
        out_size: usize,
        count_out: *mut usize,
    ) -> hf_outcome;
    pub fn hf_sale_seat_words(sale: *const hf_sale) -> usize;
    pub fn hf_sale_snapshot_seats(
        sale: *const hf_sale,
        held: *mut u64,
        sold: *mut u64,
        words: usize,
    ) -> hf_error;
}
