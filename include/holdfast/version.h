// holdfast/version.h: the library's version, for code that must check it.
//
//   static_assert(HOLDFAST_VERSION_MAJOR == 0);
#ifndef HOLDFAST_VERSION_H_
#define HOLDFAST_VERSION_H_

// The version of these headers; CMake's project version says the same.
#define HOLDFAST_VERSION_MAJOR 0
#define HOLDFAST_VERSION_MINOR 1
#define HOLDFAST_VERSION_PATCH 0

#endif  // HOLDFAST_VERSION_H_
