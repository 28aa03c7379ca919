"""lucid.data: datasets, samplers and the DataLoader, with torch.utils.data's names, arguments and behaviour.

>>> import lucid.data
>>> ds = lucid.data.TensorDataset(lucid.randn(6, 2), lucid.arange(6))
>>> loader = lucid.data.DataLoader(ds, batch_size=4, shuffle=True)
>>> [tuple(x.shape) for x, y in loader]
[(4, 2), (2, 2)]
"""

from lucid.data.collate import default_collate, default_convert
from lucid.data.dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from lucid.data.generator import Generator
from lucid.data.loader import DataLoader
from lucid.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from lucid.data.worker import WorkerInfo, get_worker_info

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "Generator",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "WorkerInfo",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
]
