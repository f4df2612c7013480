"""The docstring examples of nablagrad.text run and print what they claim."""

import doctest
import importlib

import pytest

MODULES = ["", ".corpus", ".keyedvectors", ".pmi", ".reference", ".sgns", ".vocab", ".word2vec"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module("nablagrad.text" + name)
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0
