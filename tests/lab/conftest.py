import struct
from pathlib import Path

import pytest


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG header; fails unless the file is a real PNG."""
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture
def check_png():
    def check(path: Path, min_w: int = 400, min_h: int = 250) -> None:
        from PIL import Image

        w, h = png_size(path)
        assert min_w <= w <= 4000 and min_h <= h <= 4000, (w, h)
        with Image.open(path) as im:
            im.verify()

    return check


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    """Tiny matrices: one BLAS thread is faster and immune to a busy machine's contention."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
