// holdfast/holdfast.h: the whole public API in one include.
//
//   #include "holdfast/holdfast.h"
//
// See sale.h for the tour: Sale::Create, Hold, Confirm, Release, Extend.
#ifndef HOLDFAST_HOLDFAST_H_
#define HOLDFAST_HOLDFAST_H_

#include "holdfast/clock.h"
#include "holdfast/config.h"
#include "holdfast/event.h"
#include "holdfast/outcome.h"
#include "holdfast/sale.h"
#include "holdfast/seat_map.h"
#include "holdfast/stats.h"
#include "holdfast/sweeper.h"
#include "holdfast/types.h"
#include "holdfast/version.h"

#endif  // HOLDFAST_HOLDFAST_H_
