"""``nablagrad.utils.data``: data sets, samplers, ``DataLoader`` and batch transforms.

Example:
    >>> import nablagrad as torch
    >>> from nablagrad.utils.data import DataLoader, TensorDataset
    >>> loader = DataLoader(TensorDataset(torch.randn(10, 3), torch.arange(10)), batch_size=4,
    ...                     shuffle=True, generator=torch.Generator().manual_seed(0))
    >>> [len(y) for _, y in loader]
    [4, 4, 2]
"""

from . import transforms
from .dataloader import DataLoader, default_collate
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .distributed import DistributedSampler
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler

__all__ = [
    "BatchSampler",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "DistributedSampler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "default_collate",
    "random_split",
    "transforms",
]
