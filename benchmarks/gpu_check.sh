#!/bin/bash
# One GPU session in one command (about 4 minutes on an H200): versions, the GPU probe (Parts A,
# B, C), every device test on the real GPU (pytest --real-cuda), and where the time goes.
# Run from the repository root: OUT=/some/dir bash benchmarks/gpu_check.sh  (logs land in $OUT;
# SKIP_PROBE=1 / SKIP_PROFILE=1 / TESTS=path / K=expr narrow it).  Needs CuPy, torch with CUDA,
# pytest-xdist and pytest-timeout (all on the workplace GPU image).
export PYTHONPATH=$PWD/src PYTHONUNBUFFERED=1
OUT=${OUT:-$(mktemp -d)}; echo "logs in $OUT"
T0=$(date +%s)
nvidia-smi -L
python3 -c "import sys, numpy, cupy, torch, numba, scipy; print(sys.version.split()[0], 'numpy', numpy.__version__, 'cupy', cupy.__version__, 'torch', torch.__version__, 'numba', numba.__version__, 'scipy', scipy.__version__)"
if [ "${SKIP_PROBE:-0}" != 1 ]; then
  timeout ${PROBE_S:-200} python3 benchmarks/gpu_probe.py -v > $OUT/probe.log 2>&1
  echo "probe rc=$? at $(( $(date +%s) - T0 ))s"; grep -E "^(FAIL|perf|Part)" $OUT/probe.log
fi
timeout ${TESTS_S:-220} python3 -m pytest ${TESTS:-tests} --real-cuda -k "${K:-cuda or gpu}" -q -p no:cacheprovider -n 12 --timeout 90 -rf --tb=short --continue-on-collection-errors > $OUT/tests.log 2>&1
echo "tests rc=$? at $(( $(date +%s) - T0 ))s"; grep -E "^(FAILED|ERROR)|passed|failed" $OUT/tests.log | tail -60
if [ "${SKIP_PROFILE:-0}" != 1 ]; then
  timeout ${PROFILE_S:-100} python3 benchmarks/gpu_profile.py 30 > $OUT/profile.log 2>&1
  echo "profile rc=$? at $(( $(date +%s) - T0 ))s"; grep -E "^(===|FAIL)" $OUT/profile.log
fi
echo "total $(( $(date +%s) - T0 ))s"
