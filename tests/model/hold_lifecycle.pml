/* tests/model/hold_lifecycle.pml: the hold slot's state-word protocol (lib/sale.cc, Confirm,
 * Release, Extend, EndHeld, ReclaimGroup; lib/internal/hold_slot.h), checked exhaustively by spin.
 *
 * One hold (generation 1) lives in one slot. Racing over it: a Confirm, a Release, an Extend,
 * a sweeper, a clock that moves forward, and a new hold that takes the slot (generation 2) once
 * the first hold's winner has freed it. Every operation does what the library does: read its
 * clock once at its start, then loop { load the word; decide from (state, generation, deadline);
 * one compare-and-swap on the whole word }. The word is (state, generation, deadline), changed
 * only whole, as the library's 64-bit word is.
 *
 * Checked, in every interleaving:
 *   I3  the hold ends exactly once when anyone ends it: one compare-and-swap out of HELD wins;
 *       its units are sold or returned, once, never both;
 *   I3  every loser's answer names the winner (Ok only for the winner; Expired only if it
 *       expired; AlreadyConfirmed only if it was confirmed);
 *   I4  a confirmation wins only with a clock reading before the deadline it replaced, and
 *       expiry wins only with one at or after it;
 *   I8  no operation on generation 1 ever changes the word of generation 2 (no ABA);
 *   and no deadlock (spin's invalid end states).
 *
 *   spin -a hold_lifecycle.pml && gcc -O2 -DSAFETY -o pan pan.c && ./pan -m200000
 */

#define FREE      0
#define CLAIMING  1
#define HELD      2
#define CONFIRMED 3
#define RELEASED  4
#define EXPIRED   5

#define NONE    0
#define OK      1
#define R_EXP   2
#define UNKNOWN 3
#define ALREADY 4

#define LIFETIME 2   /* deadlines never pass creation + LIFETIME */

byte st = HELD;  byte gen = 1;  byte dl = 1;  /* the state word */
byte now = 0;                                 /* the monotonic clock */
bool freed = false;                           /* the winner gave the slot back */
byte ended[4];                                /* per generation: compare-and-swaps out of HELD */
byte sold[4];
byte returned[4];
byte winner[4];                               /* per generation: the state it ended in */
byte r_confirm = NONE; byte r_release = NONE; byte r_extend = NONE;

/* One compare-and-swap of the whole word. BROKEN_CAS (spin -DBROKEN_CAS) splits it into a
 * check and a separate write, the bug the checker must catch (lifecycle_model_test). */
#ifndef BROKEN_CAS
inline cas(want_st, want_gen, want_dl, new_st, new_dl, cas_ok) {
  atomic {
    if
    :: (st == want_st && gen == want_gen && dl == want_dl) ->
       st = new_st; dl = new_dl; cas_ok = true
    :: else -> cas_ok = false
    fi
  }
}
#else
inline cas(want_st, want_gen, want_dl, new_st, new_dl, cas_ok) {
  if
  :: (st == want_st && gen == want_gen && dl == want_dl) -> cas_ok = true
  :: else -> cas_ok = false
  fi;
  if
  :: cas_ok -> atomic { st = new_st; dl = new_dl }
  :: else -> skip
  fi
}
#endif

/* EndHeld: the winner of the compare-and-swap out of HELD ends the hold and frees the slot. */
inline end_held(seen_st, seen_gen, seen_dl, to, won) {
  cas(seen_st, seen_gen, seen_dl, to, 0, won);
  if
  :: won ->
     atomic {
       ended[seen_gen]++; winner[seen_gen] = to;
       assert(ended[seen_gen] == 1);
       if
       :: to == CONFIRMED -> sold[seen_gen]++
       :: else -> returned[seen_gen]++
       fi;
       freed = (seen_gen == 1)
     }
  :: else -> skip
  fi
}

/* Confirm, Release and Extend of generation 1: `kind` 0, 1, 2. The answer goes to `result`. */
inline operate(kind, result) {
  byte n = now; byte s; byte g; byte d; byte later; bool ok;
  do
  :: atomic { s = st; g = gen; d = dl };
     if
     :: (g != 1 || s == FREE) ->
        /* Unknown, unless this buyer's recent confirmations name it. */
        result = (winner[1] == CONFIRMED -> ALREADY : UNKNOWN); break
     :: (g == 1 && s == HELD && n >= d) ->
        end_held(s, g, d, EXPIRED, ok);
        if :: ok -> assert(n >= d); result = R_EXP; break :: else -> skip fi
     :: (g == 1 && s == HELD && n < d && kind == 0) ->
        end_held(s, g, d, CONFIRMED, ok);
        if :: ok -> assert(n < d); result = OK; break :: else -> skip fi
     :: (g == 1 && s == HELD && n < d && kind == 1) ->
        end_held(s, g, d, RELEASED, ok);
        if :: ok -> result = OK; break :: else -> skip fi
     :: (g == 1 && s == HELD && n < d && kind == 2) ->
        later = (n + 1 < LIFETIME -> n + 1 : LIFETIME);
        cas(s, g, d, HELD, later, ok);
        if :: ok -> result = OK; break :: else -> skip fi
     :: (g == 1 && s == CONFIRMED) -> result = ALREADY; break
     :: (g == 1 && s == EXPIRED) -> result = R_EXP; break
     :: (g == 1 && (s == RELEASED || s == CLAIMING)) -> result = UNKNOWN; break
     fi
  od
}

proctype Confirm() { operate(0, r_confirm) }
proctype Release()  { operate(1, r_release) }
proctype Extend()   { operate(2, r_extend) }

/* The sweeper: one pass over the slot at its clock reading, whatever generation is there. */
proctype Sweeper() {
  byte n = now; byte s; byte g; byte d; bool ok;
  atomic { s = st; g = gen; d = dl };
  if
  :: (s == HELD && n >= d) -> end_held(s, g, d, EXPIRED, ok)
  :: else -> skip
  fi
}

proctype Clock() {
  do
  :: now < LIFETIME -> now++
  :: break
  od
}

/* A new hold takes the freed slot: Claiming of generation 2, then Held. */
proctype Reuser() {
  if
  :: freed ->
     atomic { assert(st != HELD); st = CLAIMING; gen = 2; dl = 0 };
     atomic { st = HELD; dl = (now + 1 < LIFETIME + 1 -> now + 1 : LIFETIME + 1) }
  :: true -> skip
  fi
}

init {
  atomic {
    run Confirm(); run Release(); run Extend();
    run Sweeper(); run Clock(); run Reuser()
  };
  (_nr_pr == 1);
  /* Units of generation 1 were sold or returned at most once, never both. */
  assert(sold[1] + returned[1] <= 1);
  assert(ended[1] <= 1);
  /* Every answer agrees with how the hold ended. */
  assert(r_confirm != OK || winner[1] == CONFIRMED);
  assert(r_release != OK || winner[1] == RELEASED);
  assert(r_confirm != R_EXP || winner[1] == EXPIRED);
  assert(r_release != R_EXP || winner[1] == EXPIRED);
  assert(r_extend != R_EXP || winner[1] == EXPIRED);
  assert(r_confirm != ALREADY || winner[1] == CONFIRMED);
  assert(r_release != ALREADY || winner[1] == CONFIRMED);
  /* Confirm and Release always end a hold they find live: someone ended it. */
  assert(ended[1] == 1);
  /* Generation 2 was never ended by an operation on generation 1 (it has no Confirm). */
  assert(winner[2] != CONFIRMED && winner[2] != RELEASED)
}
