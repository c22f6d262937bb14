"""Builds holdfast._core with CMake, for `pip install --no-build-isolation ./python`.

The compiled module needs the whole repository (include/, lib/ and the
top-level CMakeLists.txt), so this runs the repository's own CMake build with
only the Python module switched on, for the interpreter running pip
(-DPython_EXECUTABLE), and puts _core next to the package's .py files. pip
builds a local directory in place, which is what lets it find the repository
one level up. Nothing is downloaded: CMake, pybind11 and Abseil come from apt.
"""

import os
import pathlib
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = pathlib.Path(__file__).resolve().parent
REPOSITORY = HERE.parent


class CMakeExtension(Extension):
    """An extension whose sources CMake knows, not setuptools."""

    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        if not (REPOSITORY / "CMakeLists.txt").exists():
            raise RuntimeError(
                f"{REPOSITORY} is not the holdfast repository: build from a checkout "
                "(pip install --no-build-isolation ./python)"
            )
        package_dir = pathlib.Path(self.get_ext_fullpath(ext.name)).resolve().parent
        build_dir = pathlib.Path(self.build_temp).resolve() / "cmake"
        build_dir.mkdir(parents=True, exist_ok=True)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
        configure = [
            "cmake", "-S", str(REPOSITORY), "-B", str(build_dir),
            "-DCMAKE_BUILD_TYPE=Release",
            "-DHOLDFAST_BUILD_PYTHON=ON",
            "-DHOLDFAST_BUILD_TESTS=OFF",
            "-DHOLDFAST_BUILD_BENCHMARKS=OFF",
            "-DHOLDFAST_BUILD_EXAMPLES=OFF",
            "-DHOLDFAST_INSTALL=OFF",
            f"-DPython_EXECUTABLE={sys.executable}",
            f"-DHOLDFAST_PYTHON_PACKAGE_DIR={package_dir}",
        ]
        subprocess.run(configure, check=True)
        subprocess.run(
            ["cmake", "--build", str(build_dir), "--target", "holdfast_python", "-j", jobs],
            check=True,
        )


setup(
    ext_modules=[CMakeExtension("holdfast._core")],
    cmdclass={"build_ext": CMakeBuild},
)
