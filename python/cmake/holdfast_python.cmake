# Finds the Python interpreter and pybind11 that holdfast's Python module
# (python/) builds for, and sets HOLDFAST_PYTHON_FOUND. The top-level
# CMakeLists.txt includes it to choose HOLDFAST_BUILD_PYTHON's default, and
# python/CMakeLists.txt includes it again (a no-op the second time).
#
# Which Python: Debian 12's /usr/bin/python3 (3.11) by default, because that
# is the interpreter whose pytest and hypothesis scripts/setup.sh installs
# with apt; a pyenv or other python3 earlier on PATH would lack them. Choose
# another with -DPython_EXECUTABLE=/path/to/python3 (an active virtualenv,
# $VIRTUAL_ENV, is used as it is) or -DPYBIND11_PYTHON_VERSION=3.X (an exact
# version found on the usual search path).
include_guard(GLOBAL)

set(_holdfast_python_version)
if(DEFINED PYBIND11_PYTHON_VERSION AND NOT PYBIND11_PYTHON_VERSION STREQUAL "")
  set(_holdfast_python_version ${PYBIND11_PYTHON_VERSION} EXACT)
elseif(NOT DEFINED Python_EXECUTABLE AND NOT DEFINED ENV{VIRTUAL_ENV}
       AND EXISTS /usr/bin/python3)
  set(Python_EXECUTABLE /usr/bin/python3 CACHE FILEPATH
    "The Python interpreter holdfast's Python module is built for")
endif()

# Development.Module is the headers alone: an extension module must not link
# libpython. Found before pybind11, so pybind11 uses FindPython (its "new"
# mode) and agrees with us on the interpreter.
find_package(Python 3.8 ${_holdfast_python_version} QUIET
  COMPONENTS Interpreter Development.Module)
if(Python_FOUND)
  find_package(pybind11 2.6 CONFIG QUIET)
endif()

if(Python_FOUND AND pybind11_FOUND)
  set(HOLDFAST_PYTHON_FOUND TRUE)
  message(STATUS "holdfast: Python module for ${Python_EXECUTABLE} "
    "(${Python_VERSION}), pybind11 ${pybind11_VERSION}")
else()
  set(HOLDFAST_PYTHON_FOUND FALSE)
  if(NOT Python_FOUND)
    message(STATUS "holdfast: no Python with headers found (apt-get install python3-dev)")
  else()
    message(STATUS "holdfast: pybind11 not found (apt-get install pybind11-dev)")
  endif()
endif()
