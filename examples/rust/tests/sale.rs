//! Goal: show that the safe wrapper does what lib.rs promises, through the real C ABI.
//! Method: each test builds a sale through the wrapper and checks its answers against the C
//! header's contract (outcomes, counters, bad input refused with nothing changed); the last one
//! sells a sale out from several std::threads and checks I1 (sold + held + available ==
//! capacity, never oversold) while it runs and after.
use holdfast::{Config, ConfirmMode, ErrorCode, HoldId, HoldLine, ManualClock, Outcome, Sale};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

const START_WALL_NS: i64 = 1_800_000_000 * 1_000_000_000;

/// A sale of one type "regular" with `capacity` units on `clock`; returns the sale and type.
fn ga_sale(capacity: i64, clock: &ManualClock) -> (Sale, u32) {
    let mut config = Config::new();
    let regular = config.add_type("regular", capacity).unwrap();
    config.manual_clock(clock);
    (Sale::new(&config).unwrap(), regular)
}

#[test]
fn version_and_outcome_names_match_the_library() {
    assert_eq!(holdfast::version(), 100); // 0.1.0
    assert_eq!(holdfast::version_string(), "0.1.0");
    // The enum mirrors hf_outcome value for value: the library names each value as we do.
    let names = [
        "Ok",
        "SoldOut",
        "SeatTaken",
        "NoAdjacentSeats",
        "BuyerLimit",
        "TooManyHolds",
        "NotOpen",
        "Closed",
        "Expired",
        "UnknownHold",
        "NotOwner",
        "AlreadyConfirmed",
        "HoldTableFull",
        "BuyerTableFull",
        "InvalidArgument",
        "KeyInUse",
        "TryAgain",
    ];
    assert_eq!(names.len() as i32, holdfast::ffi::HF_OUTCOME_COUNT);
    for (raw, name) in names.iter().enumerate() {
        let outcome = Outcome::from_raw(raw as i32);
        assert_eq!(outcome.raw(), raw as i32);
        assert_eq!(outcome.name(), *name);
        assert_eq!(format!("{:?}", outcome), *name);
        assert_eq!(outcome.to_string(), *name);
    }
    assert_eq!(Outcome::from_raw(17), Outcome::Unrecognized(17));
    assert_eq!(Outcome::from_raw(-1).name(), "Unknown");
    assert_eq!(Outcome::Unrecognized(99).raw(), 99);
}

#[test]
fn struct_layouts_match_the_header() {
    use holdfast::ffi::*;
    use std::mem::size_of;
    assert_eq!(size_of::<hf_hold_line>(), 8);
    assert_eq!(size_of::<HoldLine>(), size_of::<hf_hold_line>());
    assert_eq!(size_of::<hf_buyer_counts>(), 24);
    assert_eq!(size_of::<hf_type_stats>(), 48);
    assert_eq!(size_of::<hf_sale_stats>(), (11 + HF_OUTCOME_SLOTS) * 8);
    assert_eq!(size_of::<hf_event>(), 32);
    assert_eq!(size_of::<hf_seat_state>(), 24);
}

#[test]
fn hold_confirm_release_extend_and_queries() {
    let clock = ManualClock::new(START_WALL_NS);
    let (sale, regular) = ga_sale(10, &clock);
    let two = [HoldLine::new(regular, 2)];
    let a = sale.hold(1, &two).unwrap();
    let b = sale.hold(1, &two).unwrap();
    let c = sale.hold_with(2, &two, Some(Duration::from_secs(5)), Some(77)).unwrap();
    assert!(a != b && b != c && a.0 != 0);
    assert_eq!(sale.available(regular), Ok(4));

    assert_eq!(sale.confirm(a, 2, ConfirmMode::RetryIsOk), Err(Outcome::NotOwner));
    assert_eq!(sale.confirm(a, 1, ConfirmMode::RetryIsOk), Ok(()));
    assert_eq!(sale.confirm(a, 1, ConfirmMode::RetryIsOk), Ok(()));
    assert_eq!(
        sale.confirm(a, 1, ConfirmMode::ReportAlreadyConfirmed),
        Err(Outcome::AlreadyConfirmed)
    );
    assert_eq!(sale.release(a, 1), Err(Outcome::AlreadyConfirmed));
    assert_eq!(sale.release(b, 1), Ok(()));
    assert_eq!(sale.release(b, 1), Err(Outcome::UnknownHold));
    assert_eq!(sale.confirm(HoldId(0), 1, ConfirmMode::RetryIsOk), Err(Outcome::UnknownHold));
    assert_eq!(sale.hold(3, &[HoldLine::new(regular, 7)]), Err(Outcome::SoldOut));
    assert_eq!(sale.available(regular), Ok(6));

    // Extend moves c's deadline: past the old one it still lives, then it expires.
    clock.advance(Duration::from_secs(4));
    assert_eq!(sale.extend(c, 2, Duration::from_secs(10)), Ok(()));
    clock.advance(Duration::from_secs(5));
    assert_eq!(sale.sweep(), 0);
    clock.advance(Duration::from_secs(6));
    assert_eq!(sale.sweep(), 1);
    assert_eq!(sale.confirm(c, 2, ConfirmMode::RetryIsOk), Err(Outcome::Expired));
    assert_eq!(clock.monotonic_ns(), 15_000_000_000);

    let counts = sale.buyer(1);
    assert_eq!((counts.held_units, counts.bought_units, counts.live_holds), (0, 2, 0));
    let unseen = sale.buyer(12345);
    assert_eq!((unseen.held_units, unseen.bought_units, unseen.live_holds), (0, 0, 0));
    let stats = sale.type_stats(regular).unwrap();
    assert_eq!((stats.capacity, stats.available, stats.held_units), (10, 8, 0));
    assert_eq!((stats.sold_units, stats.released_units, stats.expired_units), (2, 2, 2));
    let all = sale.stats();
    assert_eq!((all.holds_created, all.holds_confirmed, all.holds_expired), (3, 1, 1));
    assert_eq!(all.outcomes[Outcome::SoldOut.raw() as usize], 1);
}

#[test]
fn limits_and_quotas() {
    let clock = ManualClock::new(START_WALL_NS);
    let mut config = Config::new();
    let floor = config.add_type("floor", 100).unwrap();
    let balcony = config.add_type("balcony", 100).unwrap();
    let quota = config.add_quota("house", 5, &[floor, balcony]).unwrap();
    config.per_buyer_units_max(4).per_buyer_holds_max(2).units_per_hold_max(3);
    config.manual_clock(&clock).hold_ttl_default(Duration::from_secs(60));
    config.holds_max(64).buyers_max(16);
    let sale = Sale::new(&config).unwrap();
    drop(config); // the sale keeps its own copy and the clock
    assert_eq!(sale.hold(1, &[HoldLine::new(floor, 4)]), Err(Outcome::InvalidArgument));
    let first = sale.hold(1, &[HoldLine::new(floor, 3)]).unwrap();
    assert_eq!(sale.hold(1, &[HoldLine::new(balcony, 2)]), Err(Outcome::BuyerLimit));
    sale.hold(1, &[HoldLine::new(balcony, 1)]).unwrap();
    assert_eq!(sale.hold(1, &[HoldLine::new(balcony, 0)]), Err(Outcome::InvalidArgument));
    assert_eq!(sale.quota_available(quota), Ok(1));
    assert_eq!(sale.hold(2, &[HoldLine::new(floor, 2)]), Err(Outcome::SoldOut));
    assert_eq!(sale.available(balcony), Ok(1));
    sale.release(first, 1).unwrap();
    assert_eq!(sale.quota_available(quota), Ok(4));
    // The default TTL from the config applies: 61 s later the other hold has expired.
    clock.advance(Duration::from_secs(61));
    assert_eq!(sale.sweep(), 1);
    assert_eq!(sale.quota_available(quota), Ok(5));
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let clock = ManualClock::new(START_WALL_NS);
    let (sale, regular) = ga_sale(10, &clock);
    let one = [HoldLine::new(regular, 1)];
    assert_eq!(sale.hold(1, &[]), Err(Outcome::InvalidArgument));
    assert_eq!(sale.hold(1, &[HoldLine::new(regular + 1, 1)]), Err(Outcome::InvalidArgument));
    assert_eq!(sale.hold(1, &[HoldLine::new(regular, -2)]), Err(Outcome::InvalidArgument));
    assert_eq!(sale.hold(u64::MAX, &one), Err(Outcome::InvalidArgument)); // reserved buyer
    assert_eq!(sale.hold_with(1, &one, Some(Duration::ZERO), None), Err(Outcome::InvalidArgument));
    assert_eq!(
        sale.hold_with(1, &one, Some(Duration::from_secs(u64::MAX)), None),
        Err(Outcome::InvalidArgument)
    );
    assert_eq!(sale.available(regular + 1), Err(Outcome::InvalidArgument));
    assert_eq!(sale.type_stats(7).map(|s| s.capacity), Err(Outcome::InvalidArgument));
    assert_eq!(sale.quota_available(0), Err(Outcome::InvalidArgument));
    assert_eq!(sale.quota_available(-1), Err(Outcome::InvalidArgument));
    let hold = sale.hold(1, &one).unwrap();
    assert_eq!(sale.extend(hold, 1, Duration::ZERO), Err(Outcome::InvalidArgument));
    assert_eq!(sale.release(hold, 2), Err(Outcome::NotOwner));
    // Nothing changed but the one good hold.
    assert_eq!(sale.available(regular), Ok(9));
    assert_eq!(sale.stats().holds_created, 1);
    assert_eq!(sale.release(hold, 1), Ok(()));
    assert_eq!(sale.available(regular), Ok(10));
}

#[test]
fn bad_configs_name_the_field() {
    let mut config = Config::new();
    let error = config.add_type("bad\0name", 10).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidArgument);
    assert!(error.message.contains("NUL"), "{}", error);
    // A config without types, then a negative capacity: refused with the library's message.
    let error = Sale::new(&config).err().expect("a sale without types");
    assert_eq!(error.code, ErrorCode::InvalidArgument);
    assert!(!error.message.is_empty());
    config.add_type("regular", -1).unwrap();
    let error = Sale::new(&config).err().expect("a negative capacity");
    assert_eq!(error.code, ErrorCode::InvalidArgument);
    assert!(error.message.contains("types[0].capacity"), "{}", error);
    let mut config = Config::new();
    config.add_type("regular", 10).unwrap();
    config.per_buyer_holds_max(-3);
    let error = Sale::new(&config).err().expect("a negative per_buyer_holds_max");
    assert!(error.message.contains("per_buyer_holds_max"), "{}", error);
}

/// Every thread holds 1-3 units at a time for its own buyers, confirms one hold in four and
/// releases the rest, until the type is sold out; an observer checks the counters meanwhile.
#[test]
fn concurrent_sell_out_keeps_i1() {
    const CAPACITY: i64 = 20_000;
    const THREADS: u64 = 4;
    let clock = ManualClock::new(START_WALL_NS);
    let mut config = Config::new();
    let regular = config.add_type("regular", CAPACITY).unwrap();
    config.manual_clock(&clock).holds_max(4096).buyers_max(1024);
    let sale = Arc::new(Sale::new(&config).unwrap());
    let done = Arc::new(AtomicBool::new(false));

    let observer = {
        let (sale, done) = (Arc::clone(&sale), Arc::clone(&done));
        thread::spawn(move || {
            let mut reads = 0u64;
            // Relaxed: the flag only ends the loop; join() orders everything else.
            while !done.load(Ordering::Relaxed) {
                let s = sale.type_stats(regular).unwrap();
                assert!(s.sold_units >= 0 && s.sold_units <= CAPACITY, "{:?}", s);
                assert!(s.held_units >= 0 && s.held_units <= CAPACITY - s.sold_units, "{:?}", s);
                assert!(s.available >= 0 && s.available <= CAPACITY, "{:?}", s);
                reads += 1;
            }
            reads
        })
    };
    let workers: Vec<_> = (0..THREADS)
        .map(|index| {
            let sale = Arc::clone(&sale);
            thread::spawn(move || {
                let mut sold = 0i64;
                let mut random = 0x9e37_79b9_7f4a_7c15u64.wrapping_mul(index + 1);
                for i in 0u64.. {
                    random ^= random << 13;
                    random ^= random >> 7;
                    random ^= random << 17;
                    let buyer = 1 + index * 64 + i % 64;
                    let quantity = 1 + (random % 3) as i32;
                    let hold = match sale.hold(buyer, &[HoldLine::new(regular, quantity)]) {
                        Ok(hold) => hold,
                        Err(Outcome::TryAgain) => continue,
                        Err(Outcome::SoldOut) if sale.available(regular) == Ok(0) => break,
                        Err(Outcome::SoldOut) => continue, // fewer units than asked are left
                        Err(other) => panic!("hold answered {}", other),
                    };
                    if random % 4 == 0 {
                        sale.release(hold, buyer).unwrap();
                    } else {
                        sale.confirm(hold, buyer, ConfirmMode::RetryIsOk).unwrap();
                        sold += i64::from(quantity);
                    }
                }
                sold
            })
        })
        .collect();
    let sold: i64 = workers.into_iter().map(|w| w.join().unwrap()).sum();
    done.store(true, Ordering::Relaxed);
    assert!(observer.join().unwrap() > 0);

    let s = sale.type_stats(regular).unwrap();
    assert_eq!(s.sold_units + s.held_units + s.available, CAPACITY); // I1
    assert_eq!((s.sold_units, s.held_units, s.available), (CAPACITY, 0, 0));
    assert_eq!(sold, CAPACITY); // every unit sold was a confirm some thread saw
    assert_eq!(sale.stats().live_holds, 0);
}
