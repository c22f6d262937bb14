"""A Hypothesis state machine drives a general-admission sale on a ManualClock
side by side with a plain-Python reference model of DESIGN.md §2-3 and the
outcomes documented in include/holdfast/sale.h: two ticket types, maybe a
quota and two sales cycles (with rollover), per-buyer unit, hold and cycle
limits, a small buyer table, TTL expiry by advancing the clock (lazy, or by
sweep), confirm / release / extend by the owner or another buyer, forged ids,
idempotency keys, and events. After every step every answer, counter and
query must agree exactly.

Where the contract leaves a choice, the model accepts each allowed answer and
learns from the one it gets: a hold that ended may have its slot reused, so
its id may answer UnknownHold ("stale") instead of Expired or (for a
confirmation older than the buyer's last three) Ok; once stale, always stale.
"""

import collections
import datetime as dt

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import holdfast
from holdfast import Outcome

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 27, 11, 59, tzinfo=UTC)
S = 1_000_000_000  # nanoseconds per second
RECENT_CONFIRMED = 3  # per-buyer confirmations remembered (sale.h, ConfirmMode)
FORGED_IDS = (0, 1, 2**64 - 1)
TTL_DEFAULT, LIFETIME_MAX = 60, 150


class Hold:
    def __init__(self, hold_id, buyer, lines, cycle, now, ttl, key):
        self.id, self.buyer, self.lines, self.cycle, self.key = hold_id, buyer, lines, cycle, key
        self.units = sum(lines.values())
        self.created, self.deadline = now, now + ttl
        self.state = "held"  # held, confirmed, released, expired


class Model:
    """The reference: the sale's counters and the rules that move them."""

    def __init__(self, config):
        self.config = config
        self.now = 0  # monotonic ns; wall = T0 + now (they move together)
        self.types = [t.capacity for t in config.types]
        self.quota = config.quotas[0].capacity if config.quotas else None
        self.cycles = [c.allotment for c in config.cycles]
        self.sealed = 0  # cycles before this index are sealed
        self.seen_open = 0  # one more than the highest cycle a hold found open
        self.holds = {}
        self.stale = set()  # ended holds whose slot is known to be reused
        self.tracked = set()
        self.claim_holds = collections.Counter()
        self.claim_units = collections.Counter()
        self.bought = collections.Counter()
        self.cycle_word = {}  # buyer -> (cycle, units)
        self.recent = collections.defaultdict(lambda: collections.deque(maxlen=RECENT_CONFIRMED))
        self.keys = {}  # (buyer, key) -> hold id or None
        self.outcomes = collections.Counter()
        self.created = self.confirmed = self.released = self.expired = 0
        self.type_units = [collections.Counter() for _ in config.types]
        self.events = []

    # -- time and cycles --

    def wall(self):
        return T0 + dt.timedelta(microseconds=self.now // 1000)

    def locate(self):
        """(index, open, ended) of the cycle at the wall clock, raised to the
        floors holds left (the sale's position never moves back); writes nothing."""
        cycles, wall = self.config.cycles, self.wall()
        index = sum(1 for c in cycles if c.opens_at <= wall) - 1
        is_open = index >= 0 and (cycles[index].closes_at is None or wall < cycles[index].closes_at)
        ended = 0 if index < 0 else (index if is_open else index + 1)
        if index < self.seen_open - 1:
            index, is_open = self.seen_open - 1, True
        ended = max(ended, self.sealed)
        if index < ended:
            is_open = False
        index = max(index, ended - 1)
        return index, is_open, ended

    def enter(self):
        """locate() for a hold: records the floors and seals ended cycles."""
        index, is_open, ended = self.locate()
        cycles = self.config.cycles
        if is_open:
            self.seen_open = max(self.seen_open, index + 1)
        while self.sealed < ended:
            left, current = self.cycles[self.sealed], self.sealed
            self.cycles[current] = 0
            self.sealed += 1
            if left > 0 and cycles[current].rollover:
                self.give_to_cycle(current + 1, left)
        return index, is_open, ended

    def give_to_cycle(self, cycle, units):
        while 0 <= cycle < len(self.cycles):
            if cycle >= self.sealed:
                self.cycles[cycle] += units
                return
            if not self.config.cycles[cycle].rollover:
                return
            cycle += 1

    def current_cycle(self):
        if not self.config.cycles:
            return -1
        index, is_open, _ = self.locate()
        return index if is_open else -1

    # -- ending holds --

    def publish(self, kind, hold):
        self.events.append((kind, hold.id, hold.buyer, hold.units, self.now))

    def end(self, hold, to):
        hold.state = to
        buyer = hold.buyer
        self.claim_holds[buyer] -= 1
        if to == "confirmed":
            self.bought[buyer] += hold.units
            self.recent[buyer].append(hold.id)
            self.confirmed += 1
        else:
            self.claim_units[buyer] -= hold.units
            for t, q in hold.lines.items():
                self.types[t] += q
                if self.quota is not None:
                    self.quota += q
            if hold.cycle >= 0:
                self.give_to_cycle(hold.cycle, hold.units)
                word = self.cycle_word.get(buyer)
                if self.config.cycles[hold.cycle].per_buyer_max > 0 and word and word[0] == hold.cycle:
                    self.cycle_word[buyer] = (word[0], word[1] - hold.units)
            if to == "released":
                self.released += 1
            else:
                self.expired += 1
        for t, q in hold.lines.items():
            self.type_units[t][to] += q
        self.publish(holdfast.EventKind[to.upper()], hold)

    def dead(self):
        return [h for h in self.holds.values() if h.state == "held" and self.now >= h.deadline]

    def reclaim(self):
        dead = self.dead()
        for hold in dead:
            self.end(hold, "expired")
        return len(dead)

    def answer(self, outcome):
        self.outcomes[outcome] += 1
        return outcome

    # -- hold --

    def plan(self, lines, ttl, key):
        merged, units = {}, 0
        for t, q in lines:
            if q <= 0 or not 0 <= t < len(self.types):
                return None
            units += q
            if units > self.config.units_per_hold_max:
                return None
            merged[t] = merged.get(t, 0) + q
        ttl = TTL_DEFAULT * S if ttl is None else ttl * S
        if ttl <= 0 or ttl > LIFETIME_MAX * S:
            return None
        return merged, units, ttl

    def stands(self, buyer, hold_id, actual_id):
        """Does the keyed hold `hold_id` stand? Expires it when it is dead."""
        hold = self.holds.get(hold_id)
        if hold is None:
            return False
        if hold.state == "held":
            if self.now < hold.deadline:
                return True
            self.end(hold, "expired")
            return False
        if hold.state != "confirmed":
            return False
        if hold_id in self.recent[buyer]:
            return True
        if hold_id in self.stale:
            return False
        if actual_id == hold_id:  # its slot was not reused: it stands
            return True
        self.stale.add(hold_id)
        return False

    def claim_failure(self, buyer, merged, units, cycle):
        config = self.config
        # The order of lib/sale.cc ClaimStock: the buyer's cycle limit, its
        # sale-wide limits, the cycle, the types, the quota.
        if cycle >= 0:
            cycle_max = config.cycles[cycle].per_buyer_max
            word = self.cycle_word.get(buyer, (-1, 0))
            base = word[1] if word[0] == cycle else 0
            if cycle_max and base + units > cycle_max:
                return Outcome.BUYER_LIMIT
        if config.per_buyer_holds_max and self.claim_holds[buyer] >= config.per_buyer_holds_max:
            return Outcome.TOO_MANY_HOLDS
        if config.per_buyer_units_max and self.claim_units[buyer] + units > config.per_buyer_units_max:
            return Outcome.BUYER_LIMIT
        if cycle >= 0:
            if self.cycles[cycle] < units:
                return Outcome.SOLD_OUT
        if any(self.types[t] < q for t, q in merged.items()):
            return Outcome.SOLD_OUT
        if self.quota is not None and self.quota < units:
            return Outcome.SOLD_OUT
        return None

    def dead_may_matter(self, failure, buyer, merged, units, cycle):
        """Whether a dead hold could have caused `failure`, as the library
        decides before it scans for dead holds (I5 asks no more): the buyer's
        own holds for its limits; for a short ticket type, holds of that type;
        for a short cycle or quota, any hold."""
        if failure is not Outcome.SOLD_OUT:
            return self.claim_holds[buyer] > 0
        if cycle >= 0 and self.cycles[cycle] < units:
            return True
        for t, q in merged.items():
            if self.types[t] < q:
                return any(h.state == "held" and t in h.lines for h in self.holds.values())
        return True

    def hold(self, buyer, lines, ttl, key, actual_outcome, actual_id):
        """The expected (outcome, id) of a hold; on Ok the id is the actual one."""
        planned = self.plan(lines, ttl, key)
        if planned is None:
            return self.answer(Outcome.INVALID_ARGUMENT), None
        merged, units, ttl_ns = planned
        if key and self.keys.get((buyer, key)) is not None:
            twin = self.keys[(buyer, key)]
            if self.stands(buyer, twin, actual_id):
                return self.answer(Outcome.OK), twin
        cycle = -1
        if self.config.cycles:
            index, is_open, _ = self.enter()
            if index < 0 or (not is_open and index + 1 < len(self.config.cycles)):
                return self.answer(Outcome.NOT_OPEN), None
            if not is_open:
                return self.answer(Outcome.CLOSED), None
            cycle = index
        if buyer not in self.tracked:
            if len(self.tracked) >= self.config.buyers_max:
                return self.answer(Outcome.BUYER_TABLE_FULL), None
            self.tracked.add(buyer)
        live = sum(1 for h in self.holds.values() if h.state == "held")
        if live >= self.config.holds_max and self.reclaim() == 0:
            return self.answer(Outcome.HOLD_TABLE_FULL), None
        while True:
            failure = self.claim_failure(buyer, merged, units, cycle)
            if failure is None:
                break
            if failure in (Outcome.SOLD_OUT, Outcome.BUYER_LIMIT, Outcome.TOO_MANY_HOLDS):
                if self.dead_may_matter(failure, buyer, merged, units, cycle) and self.reclaim() > 0:
                    continue
            return self.answer(failure), None
        # The key is taken only by a hold that got its stock (a failed hold
        # leaves no trace).
        if key and (buyer, key) not in self.keys:
            if len(self.keys) >= self.config.idempotency_keys_max:
                return self.answer(Outcome.HOLD_TABLE_FULL), None
        if actual_outcome is not Outcome.OK:
            return self.answer(Outcome.OK), None  # the caller reports the mismatch
        self.claim_holds[buyer] += 1
        self.claim_units[buyer] += units
        if cycle >= 0:
            self.cycles[cycle] -= units
            if self.config.cycles[cycle].per_buyer_max:
                word = self.cycle_word.get(buyer, (-1, 0))
                base = word[1] if word[0] == cycle else 0
                self.cycle_word[buyer] = (cycle, base + units)
        for t, q in merged.items():
            self.types[t] -= q
            self.type_units[t]["held"] += q
        if self.quota is not None:
            self.quota -= units
        hold = Hold(actual_id, buyer, merged, cycle, self.now, ttl_ns, key)
        assert actual_id not in self.holds or self.holds[actual_id].state != "held"
        self.holds[actual_id] = hold
        self.stale.discard(actual_id)
        self.created += 1
        self.publish(holdfast.EventKind.HELD, hold)
        if key:
            self.keys[(buyer, key)] = actual_id
        return self.answer(Outcome.OK), actual_id

    # -- confirm, release, extend --

    def resolve(self, hold_id, buyer, ended_answer, actual):
        """The answer for an id that names no live hold of this buyer, or None
        when the hold is live and the caller owns it. `ended_answer` is the
        answer for the hold's final state when its slot was not reused."""
        hold = self.holds.get(hold_id)
        if hold is None:
            return Outcome.UNKNOWN_HOLD
        reused_answer = Outcome.UNKNOWN_HOLD
        if hold.state == "confirmed" and hold_id in self.recent[buyer]:
            reused_answer = ended_answer("confirmed")
        if hold.state == "held":
            return Outcome.NOT_OWNER if hold.buyer != buyer else None
        fresh_answer = Outcome.NOT_OWNER if hold.buyer != buyer else ended_answer(hold.state)
        if hold_id in self.stale:
            return reused_answer
        if actual == fresh_answer:
            return fresh_answer
        self.stale.add(hold_id)  # the slot was reused: learn it
        return reused_answer

    def confirm(self, hold_id, buyer, report, actual):
        already = Outcome.ALREADY_CONFIRMED if report else Outcome.OK
        finals = {"confirmed": already, "expired": Outcome.EXPIRED, "released": Outcome.UNKNOWN_HOLD}
        answer = self.resolve(hold_id, buyer, finals.get, actual)
        if answer is None:
            hold = self.holds[hold_id]
            if self.now >= hold.deadline:
                self.end(hold, "expired")
                answer = Outcome.EXPIRED
            else:
                self.end(hold, "confirmed")
                answer = Outcome.OK
        return self.answer(answer)

    def release(self, hold_id, buyer, actual):
        finals = {"confirmed": Outcome.ALREADY_CONFIRMED, "expired": Outcome.EXPIRED,
                  "released": Outcome.UNKNOWN_HOLD}
        answer = self.resolve(hold_id, buyer, finals.get, actual)
        if answer is None:
            hold = self.holds[hold_id]
            answer = Outcome.EXPIRED if self.now >= hold.deadline else Outcome.OK
            self.end(hold, "expired" if answer is Outcome.EXPIRED else "released")
        return self.answer(answer)

    def extend(self, hold_id, buyer, ttl, actual):
        if ttl <= 0 or ttl > LIFETIME_MAX:
            return self.answer(Outcome.INVALID_ARGUMENT)
        finals = {"confirmed": Outcome.ALREADY_CONFIRMED, "expired": Outcome.EXPIRED,
                  "released": Outcome.UNKNOWN_HOLD}
        answer = self.resolve(hold_id, buyer, finals.get, actual)
        if answer is None:
            hold = self.holds[hold_id]
            if self.now >= hold.deadline:
                self.end(hold, "expired")
                answer = Outcome.EXPIRED
            else:
                hold.deadline = min(self.now + ttl * S, hold.created + LIFETIME_MAX * S)
                answer = Outcome.OK
        return self.answer(answer)

    # -- queries --

    def available(self, t):
        value = self.types[t]
        if self.quota is not None:
            value = min(value, self.quota)
        if self.config.cycles:
            index, is_open, ended = self.locate()
            value = min(value, self.cycle_room(index, ended)) if is_open else 0
        return value

    def cycle_room(self, c, ended):
        """Cycle c's units, with the leftovers of ended, unsealed cycles that
        roll into it (what the next hold will find)."""
        if c < ended:
            return 0
        room, prev = self.cycles[c], c - 1
        while 0 <= prev < ended and self.config.cycles[prev].rollover:
            room += self.cycles[prev]  # 0 once sealed
            prev -= 1
        return room

    def cycle_available(self, c):
        _, _, ended = self.locate()
        return self.cycle_room(c, ended)


@st.composite
def configs(draw):
    cycles = ()
    if draw(st.booleans()):
        cycles = (
            holdfast.Cycle("noon", T0 + dt.timedelta(seconds=60), T0 + dt.timedelta(seconds=600),
                           allotment=draw(st.integers(0, 8)),
                           per_buyer_max=draw(st.sampled_from([0, 2, 3])),
                           rollover=draw(st.booleans())),
            holdfast.Cycle("evening", T0 + dt.timedelta(seconds=900), None,
                           allotment=draw(st.integers(0, 5)),
                           per_buyer_max=draw(st.sampled_from([0, 2]))),
        )
    quotas = ()
    if draw(st.booleans()):
        quotas = (holdfast.Quota("hall", draw(st.integers(0, 8)), (0, 1)),)
    return holdfast.SaleConfig(
        types=(holdfast.TicketType("regular", draw(st.integers(0, 8))),
               holdfast.TicketType("student", draw(st.integers(0, 5)))),
        quotas=quotas,
        cycles=cycles,
        per_buyer_units_max=draw(st.sampled_from([0, 3, 5])),
        per_buyer_holds_max=draw(st.sampled_from([0, 1, 2])),
        units_per_hold_max=4,
        hold_ttl_default=TTL_DEFAULT,
        hold_lifetime_max=LIFETIME_MAX,
        holds_max=64,
        buyers_max=3,
        idempotency_keys_max=draw(st.sampled_from([2, 64])),
        events_max=1024,
    )


BUYERS = st.integers(1, 4)
# Mostly valid lines, so holds reach the limits; now and then a bad type or quantity.
LINE = st.tuples(st.sampled_from([0, 0, 1, 1, 2]), st.sampled_from([1, 1, 1, 2, 3, 0, -1]))


class SaleMachine(RuleBasedStateMachine):
    @initialize(config=configs())
    def build(self, config):
        self.clock = holdfast.ManualClock(T0)
        self.sale = holdfast.Sale(config, clock=self.clock)
        self.model = Model(self.sale.config)
        self.ids = []

    def pick(self, index):
        choices = self.ids + list(FORGED_IDS)
        return choices[index % len(choices)]

    @rule(buyer=BUYERS, lines=st.lists(LINE, min_size=1, max_size=2),
          ttl=st.sampled_from([None, None, 0, 30, 100, 151]),
          key=st.sampled_from([None, None, 1, 2]))
    def hold(self, buyer, lines, ttl, key):
        outcome, hold = self.sale.try_hold(buyer, lines, ttl=ttl, idempotency_key=key)
        actual_id = hold.id if hold is not None else None
        expected, expected_id = self.model.hold(buyer, lines, ttl, key or 0, outcome, actual_id)
        assert outcome is expected, (outcome, expected)
        if expected is Outcome.OK:
            assert actual_id == expected_id
            if actual_id not in self.ids:
                self.ids.append(actual_id)

    def owner_or_other(self, hold_id, owner, other):
        hold = self.model.holds.get(hold_id)
        if hold is not None and owner:
            return hold.buyer
        return other

    @rule(index=st.integers(0, 99), owner=st.booleans(), other=BUYERS, report=st.booleans())
    def confirm(self, index, owner, other, report):
        hold_id = self.pick(index)
        buyer = self.owner_or_other(hold_id, owner, other)
        mode = holdfast.ConfirmMode(int(report))
        actual = self.sale.try_confirm(hold_id, buyer, mode=mode)
        assert actual is self.model.confirm(hold_id, buyer, report, actual)

    @rule(index=st.integers(0, 99), owner=st.booleans(), other=BUYERS)
    def release(self, index, owner, other):
        hold_id = self.pick(index)
        buyer = self.owner_or_other(hold_id, owner, other)
        actual = self.sale.try_release(hold_id, buyer)
        assert actual is self.model.release(hold_id, buyer, actual)

    @rule(index=st.integers(0, 99), owner=st.booleans(), other=BUYERS,
          ttl=st.sampled_from([0, 10, 60, 100, 150, 151]))
    def extend(self, index, owner, other, ttl):
        hold_id = self.pick(index)
        buyer = self.owner_or_other(hold_id, owner, other)
        actual = self.sale.try_extend(hold_id, buyer, ttl=ttl)
        assert actual is self.model.extend(hold_id, buyer, ttl, actual)

    @rule(seconds=st.sampled_from([1, 29, 30, 60, 100]))
    def advance(self, seconds):
        self.clock.advance(seconds)
        self.model.now += seconds * S

    @rule()
    def sweep(self):
        assert self.sale.sweep() == self.model.reclaim()

    @rule()
    def drain(self):
        events = [(e.kind, e.hold_id, e.buyer, e.units, e.monotonic_ns)
                  for e in self.sale.drain_events()]
        # Holds expired by one sweep come out in slot order, which the model
        # does not know: compare as multisets.
        assert sorted(events) == sorted(self.model.events)
        self.model.events.clear()

    @invariant()
    def counters_agree(self):
        sale, model = self.sale, self.model
        assert sale.current_cycle() == model.current_cycle()
        for c in range(len(model.cycles)):
            assert sale.cycle_available(c) == model.cycle_available(c), c
        for t in range(len(model.types)):
            assert sale.type_available(t) == model.types[t], t
            assert sale.available(t) == model.available(t), t
            units = model.type_units[t]
            held = units["held"] - units["confirmed"] - units["released"] - units["expired"]
            assert sale.type_stats_of(t) == holdfast.TypeStats(
                capacity=model.config.types[t].capacity, available=model.types[t],
                held_units=held, sold_units=units["confirmed"],
                released_units=units["released"], expired_units=units["expired"])
            assert model.types[t] >= 0  # I1
        if model.quota is not None:
            assert sale.quota_available(0) == model.quota >= 0
        for buyer in range(1, 5):
            expected = holdfast.BuyerCounts()
            if buyer in model.tracked:
                expected = holdfast.BuyerCounts(
                    held_units=model.claim_units[buyer] - model.bought[buyer],
                    bought_units=model.bought[buyer], live_holds=model.claim_holds[buyer])
            assert sale.buyer(buyer) == expected, buyer
        stats = sale.stats()
        assert stats.holds_created == model.created
        assert stats.holds_confirmed == model.confirmed
        assert stats.holds_released == model.released
        assert stats.holds_expired == model.expired
        assert stats.live_holds == model.created - model.confirmed - model.released - model.expired
        assert dict(stats.outcomes) == {o: model.outcomes[o] for o in Outcome}
        assert stats.events_dropped == 0


SaleMachine.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestSale = SaleMachine.TestCase
