"""Reading one batch (or one sample) from a dataset: the same code runs in the main process and in workers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lucid.data.collate import collate_samples, default_collate


class Fetcher:
    """Reads the samples for one index (or list of indices) and collates them."""

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable[[Any], Any], drop_last: bool) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last

    def collate(self, data: Any, indices: list[Any] | None) -> Any:
        if self.auto_collation and self.collate_fn is default_collate:
            return collate_samples(data, indices)  # errors then name the dataset indices
        return self.collate_fn(data)


class MapFetcher(Fetcher):
    def fetch(self, index: Any) -> Any:
        if not self.auto_collation:
            return self.collate(self.dataset[index], None)
        getitems = getattr(self.dataset, "__getitems__", None)
        data = getitems(index) if callable(getitems) else [self.dataset[i] for i in index]
        return self.collate(data, index)


class IterableFetcher(Fetcher):
    """Takes the next samples from the dataset's stream; raises StopIteration once it is used up (or when only a
    short last batch is left and `drop_last` is set)."""

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable[[Any], Any], drop_last: bool) -> None:
        super().__init__(dataset, auto_collation, collate_fn, drop_last)
        self.stream = iter(dataset)
        self.ended = False

    def fetch(self, index: Any) -> Any:
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            try:
                sample = next(self.stream)
            except StopIteration:
                self.ended = True
                raise
            return self.collate(sample, None)
        data = []
        for _ in index:
            try:
                data.append(next(self.stream))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(index)):
            self.ended = True
            raise StopIteration
        return self.collate(data, None)


def make_fetcher(
    iterable: bool, dataset: Any, auto_collation: bool, collate_fn: Callable[[Any], Any], drop_last: bool
) -> Fetcher:
    kind = IterableFetcher if iterable else MapFetcher
    return kind(dataset, auto_collation, collate_fn, drop_last)
