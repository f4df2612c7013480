"""Starting ranks: find the ``mpiexec`` that came with the MPI wheel and run N copies.

``nablagrad train --nproc 4 ...`` calls ``spawn(4, ["train", ...])``, which runs
``mpiexec -n 4 python -m nablagrad train ...``; each copy sees the MPI environment and joins
the process group.  On a cluster, start the ranks yourself: ``mpiexec -n 8 -hosts a,b
nablagrad train ...`` (MPICH) or ``mpiexec -n 8 --host a:4,b:4 ...`` (Open MPI).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence

from ._common import MPI_INSTALL_HINT

_SIZE_VARS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE")  # MPICH / Intel MPI, Open MPI


def launched_world_size() -> int:
    """The number of ranks ``mpiexec`` started this process with (1 outside mpiexec); read
    from the launcher's environment, so MPI is not initialised to find out."""
    for var in _SIZE_VARS:
        value = os.environ.get(var)
        if value and value.isdigit():
            return int(value)
    return 1


def find_mpiexec() -> str:
    """The ``mpiexec`` next to this Python (where the mpich wheel puts it), else on PATH."""
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.path.isfile(here) and os.access(here, os.X_OK):
        return here
    found = shutil.which("mpiexec")
    if found is None:
        raise FileNotFoundError(
            f"no mpiexec found next to {sys.executable} or on PATH: {MPI_INSTALL_HINT}"
        )
    return found


def spawn(nproc: int, argv: Sequence[str], module: str = "nablagrad") -> int:
    """Run ``python -m module argv...`` as ``nproc`` MPI ranks on this machine; the exit code."""
    if not isinstance(nproc, int) or nproc < 1:
        raise ValueError(f"--nproc must be a positive integer, got {nproc!r}")
    if importlib.util.find_spec("mpi4py") is None:  # checked without starting MPI here
        raise ImportError(f"--nproc needs mpi4py and an MPI library: {MPI_INSTALL_HINT}")
    cmd = [find_mpiexec(), "-n", str(nproc), sys.executable, "-m", module, *argv]
    return subprocess.call(cmd)
