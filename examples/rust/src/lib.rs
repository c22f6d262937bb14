//! holdfast from Rust: a safe wrapper over the C ABI (include/holdfast/holdfast_c.h), with
//! hand-written declarations (the [`ffi`] module) and nothing but the standard library.
//!
//! ```
//! use holdfast::{Config, ConfirmMode, HoldLine, Outcome, Sale};
//!
//! let mut config = Config::new();
//! let regular = config.add_type("regular", 300).unwrap();
//! config.per_buyer_units_max(4);
//! let sale = Sale::new(&config).unwrap(); // the sale keeps its own copy of the config
//! let hold = sale.hold(7, &[HoldLine::new(regular, 2)]).unwrap();
//! sale.confirm(hold, 7, ConfirmMode::RetryIsOk).unwrap();
//! assert_eq!(sale.hold(7, &[HoldLine::new(regular, 3)]), Err(Outcome::BuyerLimit));
//! assert_eq!(sale.available(regular), Ok(298));
//! ```
//!
//! The [`Sale`] frees its C handle when dropped, and is `Send + Sync`: share it between threads
//! with an `Arc`, as the C ABI's sale functions are thread-safe and lock-free. Expected business
//! results are `Err(`[`Outcome`]`)`; a config the library refuses is a [`ConfigError`] whose
//! message names the field. Bad input (an unknown type or quota index, a zero TTL, a name with
//! a NUL byte) is an error and changes nothing. Events and seats are not wrapped yet: [`ffi`]
//! declares the whole C ABI for callers who need them.
pub mod ffi;

use std::ffi::{CStr, CString};
use std::fmt;
use std::os::raw::{c_char, c_int};
use std::ptr::{self, NonNull};
use std::sync::Arc;
use std::time::Duration;

/// The library's version as MAJOR * 10000 + MINOR * 100 + PATCH (hf_version).
pub fn version() -> i32 {
    // SAFETY: no arguments; the C function only reads constants.
    unsafe { ffi::hf_version() }
}

/// The library's version as "MAJOR.MINOR.PATCH" (hf_version_string).
pub fn version_string() -> &'static str {
    // SAFETY: a static, NUL-terminated ASCII string that is never freed.
    unsafe { static_str(ffi::hf_version_string()) }
}

/// A static C string from the library (names, version) as a Rust string.
unsafe fn static_str(text: *const c_char) -> &'static str {
    CStr::from_ptr(text).to_str().unwrap_or("Unknown")
}

/// Declares `Outcome` with its known variants in hf_outcome's order (the first is 0) and
/// `KNOWN`, the same variants as an array: KNOWN[v] has the value v.
macro_rules! outcomes {
    ($($variant:ident),* $(,)?) => {
        /// The result of a sale operation, mirroring hf_outcome value for value (outcome.h in
        /// the C++ API documents each one). An `Err` never holds `Ok`. `Unrecognized` holds a
        /// value this crate does not know, which only a newer shared library could answer.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Outcome {
            $($variant,)*
            Unrecognized(i32),
        }

        const KNOWN: [Outcome; ffi::HF_OUTCOME_COUNT as usize] = [$(Outcome::$variant),*];
    };
}

outcomes!(
    Ok,
    SoldOut,
    SeatTaken,
    NoAdjacentSeats,
    BuyerLimit,
    TooManyHolds,
    NotOpen,
    Closed,
    Expired,
    UnknownHold,
    NotOwner,
    AlreadyConfirmed,
    HoldTableFull,
    BuyerTableFull,
    InvalidArgument,
    KeyInUse,
    TryAgain,
);

impl Outcome {
    /// The outcome with the C value `raw`.
    pub fn from_raw(raw: i32) -> Outcome {
        usize::try_from(raw)
            .ok()
            .and_then(|index| KNOWN.get(index).copied())
            .unwrap_or(Outcome::Unrecognized(raw))
    }

    /// The C value (hf_outcome).
    pub fn raw(self) -> i32 {
        match self {
            Outcome::Unrecognized(raw) => raw,
            known => KNOWN.iter().position(|k| *k == known).map_or(-1, |i| i as i32),
        }
    }

    /// The library's name for it, "Ok", "SoldOut", ... ("Unknown" if unrecognized).
    pub fn name(self) -> &'static str {
        // SAFETY: hf_outcome_name takes any int and returns a static string.
        unsafe { static_str(ffi::hf_outcome_name(self.raw())) }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::error::Error for Outcome {}

/// Ok(()) for HF_OUTCOME_OK, the outcome otherwise.
fn check(raw: ffi::hf_outcome) -> Result<(), Outcome> {
    match Outcome::from_raw(raw) {
        Outcome::Ok => Ok(()),
        other => Err(other),
    }
}

/// A duration as the C ABI's int64 nanoseconds; zero (which the C ABI reads as "the default")
/// and anything beyond int64 are invalid arguments.
fn duration_ns(duration: Duration) -> Result<i64, Outcome> {
    match i64::try_from(duration.as_nanos()) {
        Ok(ns) if ns > 0 => Ok(ns),
        _ => Err(Outcome::InvalidArgument),
    }
}

/// Why a config could not be built or a sale created (hf_error, without its Ok).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidArgument,
    ResourceExhausted,
    Internal,
}

/// A config or sale the library refused: the code and the library's message, which names the
/// first bad field (e.g. "types[0].capacity: -1 is outside [0, 1099511627776]").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub code: ErrorCode,
    pub message: String,
}

impl ConfigError {
    fn new(code: ErrorCode, message: &str) -> ConfigError {
        ConfigError { code, message: message.to_string() }
    }

    /// Ok(()) for HF_ERROR_OK, else the error with `message`.
    fn check(raw: ffi::hf_error, message: &str) -> Result<(), ConfigError> {
        let code = match raw {
            ffi::HF_ERROR_OK => return Ok(()),
            ffi::HF_ERROR_INVALID_ARGUMENT => ErrorCode::InvalidArgument,
            ffi::HF_ERROR_RESOURCE_EXHAUSTED => ErrorCode::ResourceExhausted,
            _ => ErrorCode::Internal,
        };
        Err(ConfigError::new(code, message))
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// A NUL-terminated copy of `name`, or InvalidArgument if it holds a NUL byte.
fn c_name(name: &str) -> Result<CString, ConfigError> {
    CString::new(name).map_err(|_| {
        ConfigError::new(
            ErrorCode::InvalidArgument,
            &format!("name {:?} contains a NUL byte", name),
        )
    })
}

/// The C clock handle; freed when the last [`ManualClock`], config or sale using it is gone.
struct ClockHandle(NonNull<ffi::hf_manual_clock>);

// SAFETY: the C ABI documents every hf_manual_clock function as thread-safe.
unsafe impl Send for ClockHandle {}
unsafe impl Sync for ClockHandle {}

impl Drop for ClockHandle {
    fn drop(&mut self) {
        // SAFETY: created by hf_manual_clock_create; no sale still uses it, since every sale
        // and config that does holds a reference to this handle.
        unsafe { ffi::hf_manual_clock_destroy(self.0.as_ptr()) }
    }
}

/// A manual clock (hf_manual_clock): time moves only when told, for tests and simulations.
/// Clones share one clock; a sale using it keeps it alive. Thread-safe.
#[derive(Clone)]
pub struct ManualClock(Arc<ClockHandle>);

impl ManualClock {
    /// A clock at monotonic time 0 and wall time `wall_unix_ns`. Panics if out of memory.
    pub fn new(wall_unix_ns: i64) -> ManualClock {
        // SAFETY: no pointer arguments; the result is checked for NULL.
        let raw = unsafe { ffi::hf_manual_clock_create(wall_unix_ns) };
        ManualClock(Arc::new(ClockHandle(NonNull::new(raw).expect("holdfast: out of memory"))))
    }

    /// Moves both readings forward by `by` (saturating).
    pub fn advance(&self, by: Duration) {
        let ns = i64::try_from(by.as_nanos()).unwrap_or(i64::MAX);
        // SAFETY: a live handle; thread-safe in C.
        unsafe { ffi::hf_manual_clock_advance((self.0).0.as_ptr(), ns) }
    }

    /// The monotonic reading in nanoseconds.
    pub fn monotonic_ns(&self) -> i64 {
        // SAFETY: a live handle; thread-safe in C.
        unsafe { ffi::hf_manual_clock_monotonic_ns((self.0).0.as_ptr()) }
    }
}

/// The config builder (hf_config). Setters store what they are given; [`Sale::new`] checks
/// every bound and names the first bad field. Send, not Sync: build it from one thread.
pub struct Config {
    raw: NonNull<ffi::hf_config>,
    clock: Option<ManualClock>,
    types: u32,
    quotas: i32,
}

// SAFETY: a config may move between threads; it is !Sync, so one thread uses it at a time.
unsafe impl Send for Config {}

impl Default for Config {
    fn default() -> Config {
        Config::new()
    }
}

impl Config {
    /// A config with the library's defaults and no types yet. Panics if out of memory.
    pub fn new() -> Config {
        // SAFETY: no arguments; the result is checked for NULL.
        let raw = unsafe { ffi::hf_config_create() };
        let raw = NonNull::new(raw).expect("holdfast: out of memory");
        Config { raw, clock: None, types: 0, quotas: 0 }
    }

    /// Adds a ticket type and returns its index, for [`HoldLine::new`] and the queries.
    pub fn add_type(&mut self, name: &str, capacity: i64) -> Result<u32, ConfigError> {
        let name = c_name(name)?;
        let mut index = 0u32;
        // SAFETY: a live config, a NUL-terminated name and an out pointer, all for the call.
        let raw = unsafe {
            ffi::hf_config_add_type(self.raw.as_ptr(), name.as_ptr(), capacity, &mut index)
        };
        ConfigError::check(raw, "hf_config_add_type failed")?;
        self.types += 1;
        Ok(index)
    }

    /// Adds a quota of `capacity` units over `types` and returns its index.
    pub fn add_quota(
        &mut self,
        name: &str,
        capacity: i64,
        types: &[u32],
    ) -> Result<i32, ConfigError> {
        let name = c_name(name)?;
        let mut index: c_int = 0;
        // SAFETY: as add_type; `types` is a valid array of types.len() entries.
        let raw = unsafe {
            ffi::hf_config_add_quota(
                self.raw.as_ptr(),
                name.as_ptr(),
                capacity,
                types.as_ptr(),
                types.len(),
                &mut index,
            )
        };
        ConfigError::check(raw, "hf_config_add_quota failed")?;
        self.quotas += 1;
        Ok(index)
    }

    /// Runs a setter that can only fail for a NULL config, which this wrapper never passes.
    fn set(
        &mut self,
        setter: unsafe extern "C" fn(*mut ffi::hf_config, i32) -> ffi::hf_error,
        value: i32,
    ) -> &mut Config {
        // SAFETY: a live config.
        let raw = unsafe { setter(self.raw.as_ptr(), value) };
        debug_assert_eq!(raw, ffi::HF_ERROR_OK);
        self
    }

    /// The most units one buyer may hold and buy (0: no limit).
    pub fn per_buyer_units_max(&mut self, units: i64) -> &mut Config {
        // SAFETY: a live config.
        unsafe { ffi::hf_config_set_per_buyer_units_max(self.raw.as_ptr(), units) };
        self
    }

    /// The most live holds one buyer may have.
    pub fn per_buyer_holds_max(&mut self, holds: i32) -> &mut Config {
        self.set(ffi::hf_config_set_per_buyer_holds_max, holds)
    }

    /// The most units in one hold.
    pub fn units_per_hold_max(&mut self, units: i32) -> &mut Config {
        self.set(ffi::hf_config_set_units_per_hold_max, units)
    }

    /// The most live holds in the sale.
    pub fn holds_max(&mut self, holds: i32) -> &mut Config {
        self.set(ffi::hf_config_set_holds_max, holds)
    }

    /// The most buyers the sale tracks.
    pub fn buyers_max(&mut self, buyers: i32) -> &mut Config {
        self.set(ffi::hf_config_set_buyers_max, buyers)
    }

    /// The TTL of a hold made without one (saturates beyond int64 nanoseconds; a bad value is
    /// refused by [`Sale::new`]).
    pub fn hold_ttl_default(&mut self, ttl: Duration) -> &mut Config {
        let ns = i64::try_from(ttl.as_nanos()).unwrap_or(i64::MAX);
        // SAFETY: a live config.
        unsafe { ffi::hf_config_set_hold_ttl_default_ns(self.raw.as_ptr(), ns) };
        self
    }

    /// Makes the sale read `clock` instead of the system clocks; the sale keeps it alive.
    pub fn manual_clock(&mut self, clock: &ManualClock) -> &mut Config {
        // SAFETY: a live config and clock; `self.clock` keeps the clock alive while the config
        // may hand it to a sale, and each sale keeps its own reference.
        unsafe { ffi::hf_config_set_manual_clock(self.raw.as_ptr(), (clock.0).0.as_ptr()) };
        self.clock = Some(clock.clone());
        self
    }
}

impl Drop for Config {
    fn drop(&mut self) {
        // SAFETY: created by hf_config_create, destroyed once; sales keep their own copy.
        unsafe { ffi::hf_config_destroy(self.raw.as_ptr()) }
    }
}

/// The handle of a hold. Never 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HoldId(pub u64);

/// One line of a hold: `quantity` units of the ticket type `ticket_type` (an index from
/// [`Config::add_type`]). Same layout as hf_hold_line.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HoldLine {
    pub ticket_type: u32,
    pub quantity: i32,
}

impl HoldLine {
    pub fn new(ticket_type: u32, quantity: i32) -> HoldLine {
        HoldLine { ticket_type, quantity }
    }
}

/// How [`Sale::confirm`] answers a hold this buyer already confirmed (hf_confirm_mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfirmMode {
    /// Ok(()).
    RetryIsOk,
    /// Err(Outcome::AlreadyConfirmed).
    ReportAlreadyConfirmed,
}

/// One buyer's counters (hf_buyer_counts).
pub type BuyerCounts = ffi::hf_buyer_counts;
/// One ticket type's counters (hf_type_stats): at a quiescent point
/// available + held_units + sold_units == capacity.
pub type TypeStats = ffi::hf_type_stats;
/// The whole sale's counters (hf_sale_stats); `outcomes[o]` counts answers with outcome o.
pub type SaleStats = ffi::hf_sale_stats;

/// A sale (hf_sale). Dropping it destroys the C sale. Send + Sync: every method takes `&self`
/// and is thread-safe and lock-free in C (share it with an `Arc`).
pub struct Sale {
    raw: NonNull<ffi::hf_sale>,
    _clock: Option<ManualClock>, // dropped after the sale (Drop::drop runs before fields)
    types: u32,
    quotas: i32,
}

// SAFETY: the C ABI documents every hf_sale function used here as thread-safe, and the handle
// is destroyed only in Drop, when no other reference exists.
unsafe impl Send for Sale {}
unsafe impl Sync for Sale {}

impl Sale {
    /// Builds a sale from `config` (copied). Errors carry the library's message.
    pub fn new(config: &Config) -> Result<Sale, ConfigError> {
        let mut raw: *mut ffi::hf_sale = ptr::null_mut();
        let mut message = [0 as c_char; 512];
        // SAFETY: a live config, an out pointer and a buffer of message.len() bytes.
        let code = unsafe {
            ffi::hf_sale_create(config.raw.as_ptr(), &mut raw, message.as_mut_ptr(), message.len())
        };
        // SAFETY: hf_sale_create NUL-terminates the message (message_size > 0).
        let text = unsafe { CStr::from_ptr(message.as_ptr()) }.to_string_lossy();
        ConfigError::check(code, &text)?;
        let raw = NonNull::new(raw)
            .ok_or_else(|| ConfigError::new(ErrorCode::Internal, "hf_sale_create gave NULL"))?;
        Ok(Sale { raw, _clock: config.clock.clone(), types: config.types, quotas: config.quotas })
    }

    fn ptr(&self) -> *mut ffi::hf_sale {
        self.raw.as_ptr()
    }

    /// Holds `lines` for `buyer`, all or nothing, for the config's default TTL.
    pub fn hold(&self, buyer: u64, lines: &[HoldLine]) -> Result<HoldId, Outcome> {
        self.hold_with(buyer, lines, None, None)
    }

    /// As [`Sale::hold`], for `ttl` (None: the default; zero is InvalidArgument) and with an
    /// idempotency key (None or Some(0): none).
    pub fn hold_with(
        &self,
        buyer: u64,
        lines: &[HoldLine],
        ttl: Option<Duration>,
        idempotency_key: Option<u64>,
    ) -> Result<HoldId, Outcome> {
        let ttl_ns = match ttl {
            None => 0,
            Some(ttl) => duration_ns(ttl)?,
        };
        let mut hold = 0u64;
        // SAFETY: a live sale; HoldLine has hf_hold_line's layout; `lines` is valid for
        // lines.len() entries (the C side accepts a dangling pointer only with count 0, and an
        // empty slice's pointer is non-NULL, which it never reads).
        let raw = unsafe {
            ffi::hf_sale_hold(
                self.ptr(),
                buyer,
                lines.as_ptr() as *const ffi::hf_hold_line,
                lines.len(),
                ttl_ns,
                idempotency_key.unwrap_or(0),
                &mut hold,
            )
        };
        check(raw).map(|()| HoldId(hold))
    }

    /// Turns `buyer`'s live hold into a sale.
    pub fn confirm(&self, hold: HoldId, buyer: u64, mode: ConfirmMode) -> Result<(), Outcome> {
        let mode = match mode {
            ConfirmMode::RetryIsOk => ffi::HF_CONFIRM_RETRY_IS_OK,
            ConfirmMode::ReportAlreadyConfirmed => ffi::HF_CONFIRM_REPORT_ALREADY_CONFIRMED,
        };
        // SAFETY: a live sale; thread-safe in C.
        check(unsafe { ffi::hf_sale_confirm(self.ptr(), hold.0, buyer, mode) })
    }

    /// Ends `buyer`'s live hold early and returns its units.
    pub fn release(&self, hold: HoldId, buyer: u64) -> Result<(), Outcome> {
        // SAFETY: a live sale; thread-safe in C.
        check(unsafe { ffi::hf_sale_release(self.ptr(), hold.0, buyer) })
    }

    /// Moves the deadline of `buyer`'s live hold to now + `ttl` (zero is InvalidArgument).
    pub fn extend(&self, hold: HoldId, buyer: u64, ttl: Duration) -> Result<(), Outcome> {
        let ttl_ns = duration_ns(ttl)?;
        // SAFETY: a live sale; thread-safe in C.
        check(unsafe { ffi::hf_sale_extend(self.ptr(), hold.0, buyer, ttl_ns) })
    }

    /// Expires every hold past its deadline; returns how many this call expired.
    pub fn sweep(&self) -> i64 {
        // SAFETY: a live sale; thread-safe in C.
        unsafe { ffi::hf_sale_sweep(self.ptr()) }
    }

    fn known_type(&self, ticket_type: u32) -> Result<(), Outcome> {
        if ticket_type < self.types {
            Ok(())
        } else {
            Err(Outcome::InvalidArgument)
        }
    }

    /// Units of `ticket_type` a hold could take now (type, quota and cycle limits together);
    /// InvalidArgument for an unknown type.
    pub fn available(&self, ticket_type: u32) -> Result<i64, Outcome> {
        self.known_type(ticket_type)?;
        // SAFETY: a live sale; thread-safe in C.
        Ok(unsafe { ffi::hf_sale_available(self.ptr(), ticket_type) })
    }

    /// Units left in `quota`; InvalidArgument for an unknown quota.
    pub fn quota_available(&self, quota: i32) -> Result<i64, Outcome> {
        if quota < 0 || quota >= self.quotas {
            return Err(Outcome::InvalidArgument);
        }
        // SAFETY: a live sale; thread-safe in C.
        Ok(unsafe { ffi::hf_sale_quota_available(self.ptr(), quota) })
    }

    /// `buyer`'s counters (all zero for a buyer never seen).
    pub fn buyer(&self, buyer: u64) -> BuyerCounts {
        let mut counts = BuyerCounts::default();
        // SAFETY: a live sale and an out pointer; cannot fail with both non-NULL.
        unsafe { ffi::hf_sale_buyer(self.ptr(), buyer, &mut counts) };
        counts
    }

    /// The counters of `ticket_type`; InvalidArgument for an unknown type.
    pub fn type_stats(&self, ticket_type: u32) -> Result<TypeStats, Outcome> {
        self.known_type(ticket_type)?;
        let mut stats = TypeStats::default();
        // SAFETY: a live sale and an out pointer; cannot fail with both non-NULL.
        unsafe { ffi::hf_sale_type_stats(self.ptr(), ticket_type, &mut stats) };
        Ok(stats)
    }

    /// The whole sale's counters.
    pub fn stats(&self) -> SaleStats {
        // SAFETY: hf_sale_stats is plain integers, for which all zeros is valid.
        let mut stats: SaleStats = unsafe { std::mem::zeroed() };
        // SAFETY: a live sale and an out pointer; cannot fail with both non-NULL.
        unsafe { ffi::hf_sale_stats_get(self.ptr(), &mut stats) };
        stats
    }
}

impl Drop for Sale {
    fn drop(&mut self) {
        // SAFETY: created by hf_sale_create and destroyed once; `&mut self` means no other
        // thread uses it.
        unsafe { ffi::hf_sale_destroy(self.ptr()) }
    }
}
