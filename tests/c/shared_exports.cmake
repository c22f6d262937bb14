# Checks what libholdfast.so exports (HOLDFAST_BUILD_SHARED), with nm and objdump:
#   - its SONAME is libholdfast.so.MAJOR;
#   - every hf_ function that include/holdfast/holdfast_c.h declares is exported;
#   - nothing else is, but the public C++ API: no holdfast::internal, Abseil, Boost or standard
#     library symbol, so callers can depend only on what the headers promise.
#
#   cmake -DLIBRARY=libholdfast.so -DHEADER=holdfast_c.h -DSONAME=libholdfast.so.0
#         -DNM=nm -DOBJDUMP=objdump -P shared_exports.cmake
cmake_minimum_required(VERSION 3.25)

foreach(_var LIBRARY HEADER SONAME NM OBJDUMP)
  if(NOT ${_var})
    message(FATAL_ERROR "shared_exports.cmake: -D${_var}=... is missing")
  endif()
endforeach()

execute_process(COMMAND ${OBJDUMP} -p ${LIBRARY} OUTPUT_VARIABLE _dynamic RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "${OBJDUMP} -p ${LIBRARY} failed (${_rc})")
endif()
if(NOT _dynamic MATCHES "SONAME +${SONAME}\n")
  message(FATAL_ERROR "${LIBRARY}: SONAME is not ${SONAME}")
endif()

# Defined dynamic symbols, demangled, one "ADDRESS TYPE NAME" a line.
execute_process(COMMAND ${NM} -D -C --defined-only ${LIBRARY}
                OUTPUT_VARIABLE _nm RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "${NM} -D -C --defined-only ${LIBRARY} failed (${_rc})")
endif()
string(REPLACE "\n" ";" _lines "${_nm}")
set(_exported "")
set(_stray "")
foreach(_line IN LISTS _lines)
  if(_line STREQUAL "")
    continue()
  endif()
  string(REGEX REPLACE "^[0-9a-fA-F]* *[A-Za-z] " "" _name "${_line}")
  if(_name MATCHES "^hf_[a-z0-9_]+$")
    list(APPEND _exported "${_name}")
  elseif(_name MATCHES "holdfast::internal" OR
         NOT _name MATCHES "^((typeinfo|typeinfo name|vtable) for )?holdfast::")
    list(APPEND _stray "${_name}")
  endif()
endforeach()
if(_stray)
  list(LENGTH _stray _count)
  list(SUBLIST _stray 0 20 _some)
  list(JOIN _some "\n  " _shown)
  message(FATAL_ERROR "${LIBRARY} exports ${_count} symbol(s) outside the public API, e.g.\n  "
    "${_shown}")
endif()

file(READ ${HEADER} _header)
string(REGEX MATCHALL "[ *](hf_[a-z0-9_]+)\\(" _declared "${_header}")
list(TRANSFORM _declared REPLACE "^[ *](hf_[a-z0-9_]+)\\($" "\\1")
list(REMOVE_DUPLICATES _declared)
list(LENGTH _declared _declared_count)
if(_declared_count LESS 40)
  message(FATAL_ERROR "${HEADER}: found only ${_declared_count} hf_ functions; is it parsed?")
endif()
set(_missing "")
foreach(_function IN LISTS _declared)
  if(NOT _function IN_LIST _exported)
    list(APPEND _missing ${_function})
  endif()
endforeach()
if(_missing)
  message(FATAL_ERROR "${LIBRARY} does not export: ${_missing}")
endif()
list(LENGTH _exported _exported_count)
message(STATUS "${LIBRARY}: SONAME ${SONAME}, ${_exported_count} hf_ functions, "
  "nothing outside the public API")
