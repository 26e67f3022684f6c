"""Paging as its own object: ask it for the next token; ``None`` means done.

A token seen before means the API is looping (or ignoring our page parameter); that is
an error rather than an endless fetch.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Mapping
from typing import Any, Generic, TypeVar

from collectors.base import CollectorError

T = TypeVar("T", bound=Hashable)


class Paginator(ABC, Generic[T]):
    def __init__(self, start: T, *, label: str) -> None:
        self.current: T = start
        self.label = label
        self.pages = 0
        self._seen: set[T] = {start}

    @abstractmethod
    def token_from(self, response: Any) -> T | None:
        """The next page's token as the response states it, or None when there is none."""

    def next_page(self, response: Any) -> T | None:
        self.pages += 1
        token = self.token_from(response)
        if token is None or token == "":
            return None
        if token in self._seen:
            raise CollectorError(
                f"{self.label}: the API returned page token {token!r} again after "
                f"{self.pages} pages; stopping instead of looping. The API may ignore the "
                "paging parameter; check base_url points at the documented endpoint"
            )
        self._seen.add(token)
        self.current = token
        return token


class PageNumberPaginator(Paginator[int]):
    """Numbered pages (Algolia style): ``page`` counts from 0 up to ``nbPages - 1``."""

    def __init__(self, *, label: str, start: int = 0, items_key: str = "hits",
                 page_key: str = "page", pages_key: str = "nbPages") -> None:
        super().__init__(start, label=label)
        self.items_key = items_key
        self.page_key = page_key
        self.pages_key = pages_key

    def token_from(self, response: Mapping[str, Any]) -> int | None:
        if not response.get(self.items_key):
            return None
        page = response.get(self.page_key)
        if not isinstance(page, int) or isinstance(page, bool):
            page = self.current
        pages = response.get(self.pages_key)
        if isinstance(pages, int) and not isinstance(pages, bool) and page >= pages - 1:
            return None
        return page + 1
