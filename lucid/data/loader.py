"""`DataLoader`: batches from a dataset, in the main process or in worker processes, with torch.utils.data's
arguments, defaults and checks."""

from __future__ import annotations

import math
import multiprocessing
import multiprocessing.context
import numbers
from collections.abc import Callable, Iterable
from typing import Any

from lucid.data.collate import default_collate, default_convert
from lucid.data.dataset import IterableDataset
from lucid.data.fetch import make_fetcher
from lucid.data.generator import GeneratorLike, check_generator, draw_seed
from lucid.data.sampler import BatchSampler, InfiniteConstantSampler, RandomSampler, SequentialSampler

# Attributes that decide which samples and batches come out; changing them on a live loader is refused, as torch.
_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


def _check_count(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"DataLoader: {name} should be an integer, got {name}={value!r}")
    if value < minimum:
        raise ValueError(f"DataLoader: {name} should be at least {minimum}, got {name}={value!r}")
    return int(value)


def _check_flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"DataLoader: {name} should be True or False, got {name}={value!r}")
    return value


def _check_context(context: Any, num_workers: int) -> multiprocessing.context.BaseContext | None:
    if context is None:
        return None
    if num_workers == 0:
        raise ValueError(
            "DataLoader: multiprocessing_context can only be used with worker processes (num_workers > 0), "
            f"got num_workers=0 and multiprocessing_context={context!r}"
        )
    if isinstance(context, str):
        methods = multiprocessing.get_all_start_methods()
        if context not in methods:
            raise ValueError(
                f"DataLoader: multiprocessing_context should be one of {methods}, got multiprocessing_context="
                f"{context!r}"
            )
        return multiprocessing.get_context(context)
    if not isinstance(context, multiprocessing.context.BaseContext):
        raise TypeError(
            "DataLoader: multiprocessing_context should be a start method name or a multiprocessing context, got "
            f"{type(context).__name__}"
        )
    return context


class DataLoader:
    """Batches of a dataset, read in the main process (`num_workers=0`) or in worker processes.

    Arguments, defaults and their checks are torch.utils.data.DataLoader's. `shuffle=True` draws each epoch's order
    from `generator` (a `lucid.data.Generator` or a NumPy Generator), else from lucid's random source, so
    `lucid.random.seed(n)` repeats the epochs. The default `collate_fn` is `default_collate`. `pin_memory` is
    accepted and does nothing (there is no device memory to pin).

    With `num_workers > 0`, each worker is a process (the platform's default start method, fork on Linux, unless
    `multiprocessing_context` names another) seeded with `base_seed + worker_id`, where `base_seed` is drawn per
    iterator from `generator` or lucid's random source. Batches come back in the sampler's order whichever worker
    finishes first, so the results equal `num_workers=0`'s for the same seed. A worker's exception is raised in the
    main process with the worker id and its original traceback; a worker that dies raises a RuntimeError instead
    of hanging; `timeout` bounds the wait for one batch. Workers end when the iteration ends, when the loop is left
    early (`break`, an exception), when the iterator is dropped, and at interpreter exit; `persistent_workers=True`
    keeps them across epochs until the loader is dropped.

    >>> ds = lucid.data.TensorDataset(np.arange(10.0).reshape(5, 2), np.arange(5))
    >>> loader = lucid.data.DataLoader(ds, batch_size=2)
    >>> len(loader)
    3
    >>> [tuple(y.tolist()) for x, y in loader]
    [(0, 1), (2, 3), (4,)]
    """

    __initialized = False

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Iterable[Any] | None = None,
        batch_sampler: Iterable[list[Any]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[Any], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: GeneratorLike = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
    ) -> None:
        num_workers = _check_count(num_workers, "num_workers", 0)
        if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or timeout < 0:
            raise ValueError(f"DataLoader: timeout should be a non-negative number of seconds, got timeout={timeout!r}")
        if timeout > 0 and num_workers == 0:
            raise ValueError(
                f"DataLoader: timeout={timeout} bounds the wait for worker processes; it needs num_workers > 0"
            )
        if prefetch_factor is not None:
            if num_workers == 0:
                raise ValueError(
                    f"DataLoader: prefetch_factor={prefetch_factor!r} needs worker processes (num_workers > 0); "
                    "leave it None with num_workers=0"
                )
            prefetch_factor = _check_count(prefetch_factor, "prefetch_factor", 1)
        elif num_workers > 0:
            prefetch_factor = 2
        if _check_flag(persistent_workers, "persistent_workers") and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers=True needs worker processes (num_workers > 0)")
        _check_flag(drop_last, "drop_last")
        _check_flag(pin_memory, "pin_memory")
        if shuffle is not None:
            _check_flag(shuffle, "shuffle")
        check_generator(generator, "DataLoader")
        for name, fn in (("collate_fn", collate_fn), ("worker_init_fn", worker_init_fn)):
            if fn is not None and not callable(fn):
                raise TypeError(f"DataLoader: {name} should be callable or None, got {type(fn).__name__}")
        if batch_size is not None:
            batch_size = _check_batch_size(batch_size)

        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            # An IterableDataset decides its own order: no shuffling or sampling on top of it, as in torch.
            for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(
                        f"DataLoader with IterableDataset: expected unspecified {name}, got {name}={value!r}"
                    )
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError(
                "DataLoader: sampler option is mutually exclusive with shuffle=True (the sampler sets the order)"
            )
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, sampler and "
                    f"drop_last (got batch_size={batch_size!r}, shuffle={shuffle}, sampler={sampler!r}, "
                    f"drop_last={drop_last})"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None turns batching off, so drop_last=True has nothing to drop")

        if sampler is None:
            if iterable:
                sampler = InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = _check_context(multiprocessing_context, num_workers)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.collate_fn = collate_fn or (default_collate if batch_sampler is not None else default_convert)
        self.persistent_workers = persistent_workers
        self._iterable = iterable
        self._iterator: Any = None
        self.__initialized = True

    def __setattr__(self, name: str, value: Any) -> None:
        if self.__initialized and name in _FROZEN:
            raise ValueError(f"DataLoader: {name} cannot be changed after the DataLoader is made; make a new one")
        super().__setattr__(name, value)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self) -> Iterable[Any]:
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self) -> Any:
        if self.num_workers == 0:
            return SingleProcessIterator(self)
        from lucid.data.pool import MultiProcessIterator  # multiprocessing machinery only when workers are used

        if not self.persistent_workers:
            return MultiProcessIterator(self)
        if self._iterator is None or self._iterator.closed:
            self._iterator = MultiProcessIterator(self)
        else:
            self._iterator.reset(self)
        return self._iterator

    def __len__(self) -> int:
        if self._iterable:
            length = len(self.dataset)  # an IterableDataset without __len__ raises TypeError, as in torch
            if self.batch_size is None:
                return length
            return length // self.batch_size if self.drop_last else math.ceil(length / self.batch_size)
        return len(self._index_sampler)  # type: ignore[arg-type]


def _check_batch_size(batch_size: Any) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
        raise TypeError(f"DataLoader: batch_size should be a positive integer or None, got batch_size={batch_size!r}")
    if batch_size <= 0:
        raise ValueError(f"DataLoader: batch_size should be a positive integer or None, got batch_size={batch_size!r}")
    return int(batch_size)


class BaseIterator:
    """What both iterators share: the sampler's iterator and the base seed, drawn once per iterator (in the same
    order with or without workers, so both see the same shuffled order)."""

    def __init__(self, loader: DataLoader) -> None:
        self._dataset = loader.dataset
        self._iterable = loader._iterable
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._collate_fn = loader.collate_fn
        self._index_sampler = loader._index_sampler
        self._sampler_iter = iter(self._index_sampler)
        self._base_seed = draw_seed(loader.generator)
        self._num_yielded = 0

    def __iter__(self) -> BaseIterator:
        return self

    def __len__(self) -> int:
        return len(self._index_sampler)  # type: ignore[arg-type]


class SingleProcessIterator(BaseIterator):
    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._fetcher = make_fetcher(
            self._iterable, self._dataset, self._auto_collation, self._collate_fn, self._drop_last
        )

    def __next__(self) -> Any:
        index = next(self._sampler_iter)
        batch = self._fetcher.fetch(index)  # an IterableDataset's end raises StopIteration here
        self._num_yielded += 1
        return batch
