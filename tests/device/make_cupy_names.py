"""Writes src/nablagrad/testing/cupy_names.py, the names CuPy has, from an installed CuPy.

Importing CuPy needs no GPU: ``pip install --target /tmp/cupy cupy-cuda13x cuda-pathfinder``,
then ``PYTHONPATH=/tmp/cupy python tests/device/make_cupy_names.py`` (the fake CUDA device then
refuses what that CuPy lacks).
"""

import inspect
import re
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


def params(obj):
    """The names a call may pass by keyword (None: any, the function takes ``**kwargs``), from
    the signature or, for CuPy's compiled functions, the first line of the docstring."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        sig = None
    if sig is not None:
        kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        if any(p.kind == inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values()):
            return None
        return tuple(p.name for p in sig.parameters.values() if p.kind in kinds)
    line = (obj.__doc__ or "").strip().split("\n")[0]
    m = re.match(r"[\w.]+\((.*)\)", line)
    if not m:
        return None
    parts = [p.strip() for p in m.group(1).replace("\\*", "*").split(",")]
    if "/" in parts:
        parts = parts[parts.index("/") + 1 :]
    if any(p.startswith("**") for p in parts):
        return None
    return tuple(
        p.split("=")[0].strip() for p in parts if p and p not in ("*", "self") and p[0] != "*"
    )


def signatures(namespace, prefix=""):
    out = {}
    for n in names(namespace):
        obj = getattr(namespace, n)
        if n.startswith("_") or not callable(obj) or isinstance(obj, type):
            continue
        out[prefix + n] = params(obj)
    return out


def dict_block(name, values, doc):
    lines = [f"# {doc}", f"{name} = {{"]
    lines += [f"    {k!r}: {v!r}," for k, v in sorted(values.items())]
    return "\n".join(lines) + "\n}\n"


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
    "# fmt: off\n# ruff: noqa: E501\n",
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
    dict_block(
        "KEYWORDS",
        {
            **signatures(cupy),
            **signatures(cupy.linalg, "linalg."),
            **signatures(cupy.fft, "fft."),
            **signatures(cupyx.scipy.special, "special."),
            **signatures(cupy.lib.stride_tricks, "lib.stride_tricks."),
        },
        "the keywords each function takes (None: any); calls with others raise TypeError",
    ),
    dict_block(
        "METHOD_KEYWORDS",
        {
            n: params(getattr(cupy.ndarray, n))
            for n in names(cupy.ndarray)
            if not n.startswith("_") and callable(getattr(cupy.ndarray, n))
        },
        "the keywords each cupy.ndarray method takes (None: any)",
    ),
]
OUT = (
    sys.argv[1]
    if len(sys.argv) > 1
    else __file__.replace("tests/device/make_cupy_names.py", "src/nablagrad/testing/cupy_names.py")
)
open(OUT, "w").write("\n".join(parts))
