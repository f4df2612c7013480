"""The data cache and verified downloads.

Files live in a cache directory: the ``root`` argument, else the ``NABLAGRAD_CACHE_DIR``
environment variable, else ``~/.cache/nablagrad``.  A missing file is downloaded into a temp
file in the same directory, its SHA-256 checked, and only then renamed into place
(``os.replace``), so an interrupted or corrupted download never looks like a good file.

Example:
    >>> from nablagrad.datasets.download import cache_dir
    >>> cache_dir("/tmp/data").name
    'data'
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tarfile
import tempfile
import urllib.error
import urllib.request
import zlib
from collections.abc import Sequence
from pathlib import Path

__all__ = ["cache_dir", "sha256_of", "fetch", "DataUnavailableError", "DatasetError"]

ENV_VAR = "NABLAGRAD_CACHE_DIR"


class DataUnavailableError(FileNotFoundError):
    """A data file is missing and could not be downloaded (offline, or download disabled)."""


class DatasetError(ValueError):
    """A data file that exists but is corrupt, truncated or not of the expected format."""


# what reading a corrupt gzip, tar or pickle file can raise from the standard library
CORRUPT_FILE_ERRORS: tuple = (
    OSError,
    EOFError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    MemoryError,
    RecursionError,
    UnicodeDecodeError,
    zlib.error,
    tarfile.TarError,
    pickle.UnpicklingError,
)


def cache_dir(root: str | os.PathLike | None = None) -> Path:
    """The data cache: ``root``, else ``$NABLAGRAD_CACHE_DIR``, else ``~/.cache/nablagrad``."""
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "nablagrad"


def sha256_of(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch(
    filename: str,
    folder: Path,
    urls: Sequence[str],
    sha256: str,
    download: bool = True,
    timeout: float = 30.0,
) -> Path:
    """Return ``folder / filename``, downloading it from the first working URL when missing.

    Raises ``DataUnavailableError`` naming where to put the file when it is missing and cannot
    be downloaded, and ``ValueError`` when a download does not match ``sha256``.
    """
    path = folder / filename
    if path.is_file():
        return path
    where = (
        f"put {filename} (sha256 {sha256}) into {folder} by hand, or set {ENV_VAR} / the root "
        "argument to a directory that has it"
    )
    if not download:
        raise DataUnavailableError(f"{path} is missing and download=False: {where}")
    folder.mkdir(parents=True, exist_ok=True)
    errors = []
    for url in urls:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{filename}.", suffix=".part")
        try:
            h = hashlib.sha256()
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
                for chunk in iter(lambda: resp.read(1 << 20), b""):
                    h.update(chunk)
                    out.write(chunk)
            if h.hexdigest() != sha256:
                raise ValueError(
                    f"downloaded {url} but its sha256 is {h.hexdigest()}, expected {sha256}; "
                    "the mirror may be corrupt"
                )
            os.replace(tmp, path)
            return path
        except (urllib.error.URLError, OSError, ValueError) as e:
            errors.append(f"{url}: {e}")
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    raise DataUnavailableError(
        f"{path} is missing and could not be downloaded ({'; '.join(errors)}): {where}"
    )
