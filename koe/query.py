"""Brand keyword queries: parse once, match many texts.

Grammar (case-insensitive operators, juxtaposition means AND)::

    query   := or ( "OR" or )*
    or      := unary ( ["AND"] unary )*
    unary   := ("-" | "NOT") unary | atom
    atom    := "(" query ")" | "phrase in quotes" | #hashtag | lang:xx[,yy] | word

Words and phrases match whole words in Latin text and as substrings in text without
spaces (Japanese, Chinese), after NFKC normalisation and case folding, so ``ｱｰﾙ`` and
``アール`` or ``ACME`` and ``acme`` are the same.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from koe.errors import KoeError


class QueryError(KoeError):
    """A brand query that cannot be parsed; the message says where and how to fix it."""


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


_TOKEN = re.compile(
    r'\s*(?:(?P<lpar>\()|(?P<rpar>\))|"(?P<phrase>[^"]*)"|(?P<quote>")|(?P<word>[^\s()"]+))'
)
_WORDISH = re.compile(r"\w", re.ASCII)


@dataclass(frozen=True)
class Term:
    text: str
    hashtag: bool = False

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        body = re.escape(normalise(self.text))
        # Boundaries only where the term's edge is an ASCII word character: CJK text has no
        # spaces, so "アクメ" must match inside "アクメのコーヒー".
        left = r"(?<![\w#])" if self.hashtag or _WORDISH.match(self.text[0]) else ""
        right = r"(?!\w)" if _WORDISH.match(self.text[-1]) else ""
        return re.compile(left + body + right)

    def matches(self, text: str, language: str | None) -> bool:
        return self.pattern.search(text) is not None

    def __str__(self) -> str:
        return f'"{self.text}"' if " " in self.text else self.text


@dataclass(frozen=True)
class Lang:
    codes: frozenset[str]

    def matches(self, text: str, language: str | None) -> bool:
        return language is not None and language in self.codes


@dataclass(frozen=True)
class Not:
    node: Node

    def matches(self, text: str, language: str | None) -> bool:
        return not self.node.matches(text, language)


@dataclass(frozen=True)
class All:
    nodes: tuple[Node, ...]

    def matches(self, text: str, language: str | None) -> bool:
        return all(n.matches(text, language) for n in self.nodes)


@dataclass(frozen=True)
class Any:
    nodes: tuple[Node, ...]

    def matches(self, text: str, language: str | None) -> bool:
        return any(n.matches(text, language) for n in self.nodes)


Node = Term | Lang | Not | All | Any


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(source):
            m = _TOKEN.match(source, pos)
            if m is None or m.end() == pos:
                break
            kind = m.lastgroup or ""
            if kind == "quote":
                raise QueryError(f"unclosed quote at character {m.start(kind) + 1} of {source!r}")
            self.tokens.append((kind, m.group(kind), m.start(kind)))
            pos = m.end()
        self.i = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str, int]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def is_op(self, name: str) -> bool:
        tok = self.peek()
        return tok is not None and tok[0] == "word" and tok[1] == name

    def parse(self) -> Node:
        if not self.tokens:
            raise QueryError("the query is empty; write at least one word, phrase or #hashtag")
        node = self.parse_or()
        if self.peek() is not None:
            kind, value, at = self.peek()  # type: ignore[misc]
            raise QueryError(f"unexpected {value!r} at character {at + 1} of {self.source!r}")
        return node

    def parse_or(self) -> Node:
        nodes = [self.parse_and()]
        while self.is_op("OR"):
            self.take()
            nodes.append(self.parse_and())
        return nodes[0] if len(nodes) == 1 else Any(tuple(nodes))

    def parse_and(self) -> Node:
        nodes = [self.parse_unary()]
        while (tok := self.peek()) is not None and tok[0] != "rpar" and not self.is_op("OR"):
            if self.is_op("AND"):
                self.take()
            nodes.append(self.parse_unary())
        return nodes[0] if len(nodes) == 1 else All(tuple(nodes))

    def parse_unary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise QueryError(f"the query ends where a term was expected: {self.source!r}")
        kind, value, at = tok
        if kind == "word" and value == "NOT":
            self.take()
            return Not(self.parse_unary())
        if kind == "word" and value.startswith("-") and len(value) > 1:
            self.tokens[self.i] = ("word", value[1:], at + 1)
            return Not(self.parse_unary())
        if kind == "word" and value == "-":
            self.take()
            return Not(self.parse_unary())
        return self.parse_atom()

    def parse_atom(self) -> Node:
        kind, value, at = self.take()
        where = f"at character {at + 1} of {self.source!r}"
        if kind == "lpar":
            node = self.parse_or()
            if self.peek() is None or self.peek()[0] != "rpar":  # type: ignore[index]
                raise QueryError(f"'(' {where} is never closed; add ')'")
            self.take()
            return node
        if kind == "rpar":
            raise QueryError(f"')' {where} has no matching '('")
        if kind == "phrase":
            if not value.strip():
                raise QueryError(f"empty phrase {where}")
            return Term(" ".join(value.split()))
        if value in {"OR", "AND", "NOT"}:
            raise QueryError(f"{value} {where} needs a term on both sides")
        if value.lower().startswith("lang:"):
            codes = frozenset(c.strip().lower() for c in value[5:].split(",") if c.strip())
            if not codes:
                raise QueryError(f"lang: {where} needs language codes, e.g. lang:en,ja")
            return Lang(codes)
        if value.startswith("#"):
            if len(value) == 1:
                raise QueryError(f"'#' {where} needs a tag after it, e.g. #koe")
            return Term(value, hashtag=True)
        return Term(value)


def _positive_terms(node: Node) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    if isinstance(node, (All, Any)):
        return [t for n in node.nodes for t in _positive_terms(n)]
    return []


@dataclass(frozen=True)
class Query:
    """A parsed brand query. ``Query.parse`` raises :class:`QueryError` with a position."""

    source: str
    root: Node

    @classmethod
    def parse(cls, source: str) -> Query:
        root = _Parser(source).parse()
        query = cls(source, root)
        if not query.terms():
            raise QueryError(
                f"{source!r} only excludes or filters; add a word, phrase or #hashtag to look for"
            )
        return query

    def matches(self, text: str, language: str | None = None) -> bool:
        return self.root.matches(normalise(text), language)

    def terms(self) -> list[Term]:
        """Every positive word, phrase and hashtag: what a search API should be asked for."""
        return _positive_terms(self.root)

    def search_alternatives(self) -> list[str]:
        """One search string per top-level OR branch, for APIs that have no OR operator."""
        branches = self.root.nodes if isinstance(self.root, Any) else (self.root,)
        out = []
        for branch in branches:
            words = [str(t) for t in _positive_terms(branch)]
            if words:
                out.append(" ".join(words))
        return out
