"""Reserved seating from Python: parsing, hold_seats, best available,
confirm/release, labels, snapshots and a small thread race."""

import threading

import pytest

import holdfast

HALL = """
section Stalls type=0
row A seats=10 rank=1
row B seats=10 rank=2
"""


@pytest.fixture
def hall(clock):
    return holdfast.Sale(types={"stalls": 20}, seat_map=HALL, clock=clock, units_per_hold_max=10)


def test_parse_seat_map_and_errors():
    seat_map = holdfast.parse_seat_map("section X type=0\nrow A seats=3 accessible=1")
    assert seat_map.seat_count == 3
    assert seat_map.sections[0].rows[0].accessible == (1,)
    with pytest.raises(holdfast.ConfigError, match="line 1"):
        holdfast.parse_seat_map("row A seats=3")
    with pytest.raises(ValueError, match="seats=0"):
        holdfast.parse_seat_map("section X type=0\nrow B seats=0")


def test_seat_map_object_and_type_name(clock):
    seat_map = holdfast.SeatMap(
        (holdfast.SeatSection("Box", "box", (holdfast.SeatRow("A", 4),)),)
    )
    sale = holdfast.Sale(types={"box": 4}, seat_map=seat_map, clock=clock)
    assert sale.seat_count() == 4
    assert sale.config.seat_map.sections[0].type == 0
    with pytest.raises(holdfast.ConfigError):  # capacity must equal the seats
        holdfast.Sale(types={"box": 5}, seat_map=seat_map, clock=clock)


def test_hold_seats_all_or_nothing(hall):
    first = hall.hold_seats(1, [2, 3])
    assert first.seats == (2, 3)
    before = hall.snapshot_seats()
    with pytest.raises(holdfast.SeatTaken) as info:
        hall.hold_seats(2, [0, 1, 3, 4])
    assert info.value.taken_seat == 3
    assert info.value.buyer == 2
    assert hall.snapshot_seats() == before
    for seat in (0, 1, 4):
        assert hall.seat(seat).status == holdfast.SeatStatus.FREE
    attempt = hall.try_hold_seats(2, [3])
    assert attempt == (holdfast.Outcome.SEAT_TAKEN, None)
    assert attempt.taken_seat == 3 and not attempt
    with pytest.raises(holdfast.InvalidArgument):
        hall.hold_seats(2, [5, 5])


def test_best_available_adjacent_in_best_row(hall):
    hold = hall.hold_best_available(1, 3)
    labels = [hall.seat_label(s) for s in hold.seats]
    assert all(label.startswith("Stalls A-") for label in labels)
    assert list(hold.seats) == list(range(hold.seats[0], hold.seats[0] + 3))
    assert hall.seats_of(hold) == hold.seats


def test_best_available_split_and_no_adjacent(hall):
    # Leave at most 3 adjacent free seats in each row.
    hall.hold_seats(9, [3, 7, 13, 17])
    with pytest.raises(holdfast.NoAdjacentSeats):
        hall.hold_best_available(1, 5)
    outcome, hold = hall.try_hold_best_available(1, 5)
    assert outcome == holdfast.Outcome.NO_ADJACENT_SEATS and hold is None
    hold = hall.hold_best_available(1, 5, allow_split=True)
    assert len(hold.seats) == 5 and len(set(hold.seats)) == 5


def test_confirm_sells_and_release_frees(hall):
    hold = hall.hold_seats(5, ["Stalls B-4", "Stalls B-5"])
    assert hold.seats == (13, 14)
    state = hall.seat(13)
    assert state.status == holdfast.SeatStatus.HELD
    assert state.hold_id == hold.id and state.buyer == 5
    hold.confirm()
    assert hall.seat(13) == holdfast.SeatState(holdfast.SeatStatus.SOLD, None, 5)
    other = hall.hold_seats(6, [0, 1])
    other.release()
    assert hall.seat(0).status == holdfast.SeatStatus.FREE
    assert hall.hold_seats(7, [0, 1]).seats == (0, 1)


def test_find_seat_label_round_trip(hall):
    for seat in range(hall.seat_count()):
        assert hall.find_seat(hall.seat_label(seat)) == seat
    assert hall.find_seat("Stalls Z-1") is None
    assert hall.seat_label(hall.seat_count()) is None
    assert hall.seat_state_bytes() > 0


def test_snapshot_matches_seat(hall):
    hall.hold_seats(1, [1, 2]).confirm()
    hall.hold_seats(2, [12, 19])
    held, sold = hall.snapshot_seats()
    for seat in range(hall.seat_count()):
        status = hall.seat(seat).status
        assert ((held >> seat) & 1) == (status == holdfast.SeatStatus.HELD)
        assert ((sold >> seat) & 1) == (status == holdfast.SeatStatus.SOLD)


def test_no_seat_map(make_sale):
    sale = make_sale()
    assert sale.seat_count() == 0 and sale.snapshot_seats() == (0, 0)
    with pytest.raises(holdfast.InvalidArgument):
        sale.hold_seats(1, [0])


def test_four_threads_never_sell_a_seat_twice():
    sale = holdfast.Sale(
        types={"hall": 20},
        seat_map="section Hall type=0\nrow A seats=10\nrow B seats=10",
        units_per_hold_max=4,
    )
    sold = [[] for _ in range(4)]
    start = threading.Barrier(4)

    def buyer(index):
        start.wait()
        for attempt in range(200):
            if attempt % 2:
                outcome, hold = sale.try_hold_best_available(
                    index * 1000 + attempt, 2, allow_split=True
                )
            else:
                seats = [(attempt * 3 + index) % 20, (attempt * 3 + index + 1) % 20]
                outcome, hold = sale.try_hold_seats(index * 1000 + attempt, seats)
            if hold is not None and hold.try_confirm() == holdfast.Outcome.OK:
                sold[index].extend(hold.seats)

    threads = [threading.Thread(target=buyer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [seat for seats in sold for seat in seats]
    assert len(everything) == len(set(everything))
    held, sold_bits = sale.snapshot_seats()
    assert held == 0
    assert sold_bits == sum(1 << seat for seat in everything)
