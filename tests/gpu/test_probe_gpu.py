"""The GPU probe's 44 correctness cases on the GPU: nablagrad (CuPy) against torch on CUDA
when torch sees a GPU, else against nablagrad's own CPU result."""

import pytest
from probe_cases import CASES, MODULE_CASES, OPTIM_CASES, run_case, run_module_case, run_optim_case

import nablagrad as ng


def _ref(torch_cuda):
    if torch_cuda:
        import torch

        return torch, "cuda"
    return ng, "cpu"


@pytest.mark.parametrize("name,fn,shapes", CASES, ids=[c[0] for c in CASES])
def test_case(torch_cuda, name, fn, shapes):
    run_case(fn, shapes, ng, "cuda", *_ref(torch_cuda))


@pytest.mark.parametrize("name,make,x_shape", MODULE_CASES, ids=[c[0] for c in MODULE_CASES])
def test_module_case(torch_cuda, name, make, x_shape):
    run_module_case(make, x_shape, ng, "cuda", *_ref(torch_cuda))


@pytest.mark.parametrize("name,make", OPTIM_CASES, ids=[c[0] for c in OPTIM_CASES])
def test_optim_case(torch_cuda, name, make):
    run_optim_case(make, ng, "cuda", *_ref(torch_cuda))
