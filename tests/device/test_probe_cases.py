"""The GPU probe's 44 correctness cases on ``cpu`` and the fake CUDA device, against torch."""

import pytest
import torch
from probe_cases import CASES, MODULE_CASES, OPTIM_CASES, run_case, run_module_case, run_optim_case

import nablagrad as ng


@pytest.mark.parametrize("name,fn,shapes", CASES, ids=[c[0] for c in CASES])
def test_case(device, name, fn, shapes):
    run_case(fn, shapes, ng, device, torch, "cpu")


@pytest.mark.parametrize("name,make,x_shape", MODULE_CASES, ids=[c[0] for c in MODULE_CASES])
def test_module_case(device, name, make, x_shape):
    run_module_case(make, x_shape, ng, device, torch, "cpu")


@pytest.mark.parametrize("name,make", OPTIM_CASES, ids=[c[0] for c in OPTIM_CASES])
def test_optim_case(device, name, make):
    run_optim_case(make, ng, device, torch, "cpu")
