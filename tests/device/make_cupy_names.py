"""Writes src/nablagrad/testing/cupy_names.py, the names CuPy has, from an installed CuPy.

Importing CuPy needs no GPU: ``pip install --target /tmp/cupy cupy-cuda13x cuda-pathfinder``,
then ``PYTHONPATH=/tmp/cupy python tests/device/make_cupy_names.py`` (the fake CUDA device then
refuses what that CuPy lacks).
"""

import sys
import textwrap

import cupy
import cupy.lib.stride_tricks
import cupyx.scipy.special


def names(obj):
    return sorted(n for n in dir(obj) if not n.startswith("__"))


def block(name, values, doc):
    body = textwrap.fill(
        ", ".join(repr(v) for v in values), 95, initial_indent="    ", subsequent_indent="    "
    )
    return f"# {doc}\n{name} = frozenset(\n  {{\n{body}\n  }}\n)\n".replace("\n  {", " {").replace(
        "  }\n)", "}\n)"
    )


ufuncs = sorted(n for n in dir(cupy) if type(getattr(cupy, n)).__name__ == "ufunc")
scatter = sorted(n for n in ufuncs if getattr(getattr(cupy, n), "_scatter_op", None))
flags = ["c_contiguous", "f_contiguous", "owndata"]  # cupy's Flags type has no dir()
DOC = f"""\"\"\"What CuPy {cupy.__version__} has: the names the fake CUDA device allows.

Read from an installed CuPy (importing it needs no GPU) by
``python tests/device/make_cupy_names.py``, which rewrites this file: do not edit it by hand.
A name NumPy has and CuPy lacks (``errstate``, ``insert``, ``ndarray.flags.writeable``,
``multiply.at`` ...) fails on the fake device (``fake_cupy``) as on a GPU.
\"\"\"
"""
parts = [
    DOC,
    "# fmt: off\n",
    f'VERSION = "{cupy.__version__}"\n',
    block("MODULE", names(cupy), "cupy.<name>"),
    block("NDARRAY", names(cupy.ndarray), "cupy.ndarray.<name>"),
    block("FLAGS", flags, "cupy.ndarray.flags.<name>"),
    block(
        "UFUNC_AT",
        scatter,
        "ufuncs whose .at(...) CuPy implements (the others raise NotImplementedError)",
    ),
    block("LINALG", names(cupy.linalg), "cupy.linalg.<name>"),
    block("FFT", names(cupy.fft), "cupy.fft.<name>"),
    block("RANDOM", names(cupy.random), "cupy.random.<name>"),
    block("LIB", names(cupy.lib), "cupy.lib.<name>"),
    block("STRIDE_TRICKS", names(cupy.lib.stride_tricks), "cupy.lib.stride_tricks.<name>"),
    block("SPECIAL", names(cupyx.scipy.special), "cupyx.scipy.special.<name>"),
]
OUT = (
    sys.argv[1]
    if len(sys.argv) > 1
    else __file__.replace("tests/device/make_cupy_names.py", "src/nablagrad/testing/cupy_names.py")
)
open(OUT, "w").write("\n".join(parts))
