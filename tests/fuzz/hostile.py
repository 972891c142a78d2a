"""Hostile input for the write fuzzers (tests/test_fuzz_writes.py), and the table snapshots that
tell a refused request (nothing written) from an accepted one (exactly the intended change).

Posts are built as raw bodies so that they can carry what a browser never sends: repeated keys,
lone surrogates (UTF-8 "surrogatepass" bytes, which Django decodes to U+FFFD), NUL bytes,
malformed percent escapes, bodies over DATA_UPLOAD_MAX_MEMORY_SIZE or with more fields than
DATA_UPLOAD_MAX_NUMBER_FIELDS, and the wrong content type for a form.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from urllib.parse import quote_from_bytes

from django.apps import apps
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import connection, models
from django.http import QueryDict
from django.http.multipartparser import MultiPartParserError
from django.test import RequestFactory
from django.utils.datastructures import MultiValueDict
from hypothesis import strategies as st

# Strings known to break careless code: SQL, HTML, template and format injection, path tricks,
# NUL, bidi and case-folding oddities, numbers out of range.
NAUGHTY = [
    "",
    " ",
    "' OR '1'='1",
    "1; DROP TABLE assessments_itemrating; --",
    '"; DELETE FROM accounts_user; --',
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "{{ request.user.password }}",
    "${7*7}",
    "%s%s%s%n",
    "{0.__class__}",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\r\n",
    "\u202etxt.exe",
    "\ufeff",
    "ﬀİß",
    "../../etc/passwd",
    "%00",
    "%zz",
    "null",
    "true",
    "false",
    "na",
    "NA",
    "[]",
    "{}",
    "0",
    "-1",
    "6",
    "4.0",
    " 4",
    "٣",
    "1e309",
    "NaN",
    "-9223372036854775809",
    "9223372036854775808",
    "9" * 40,
]

SURROGATES = st.integers(0xD800, 0xDFFF).map(chr)
CHARACTERS = st.one_of(st.characters(), SURROGATES, st.sampled_from("\x00\r\n\t&=%+;"))


def texts(max_size: int = 30) -> st.SearchStrategy[str]:
    """A short string: a known-hostile one or arbitrary unicode (surrogates and NUL included)."""
    return st.one_of(st.sampled_from(NAUGHTY), st.text(CHARACTERS, max_size=max_size))


def huge_texts() -> st.SearchStrategy[str]:
    """A long string: over a form's own limits, near the request limit, or beyond it."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return st.sampled_from([2001, 20_000, limit // 2, limit + 1]).map(lambda n: "x" * n)


def values(max_size: int = 30) -> st.SearchStrategy[str]:
    """Mostly short hostile strings, now and then a huge one."""
    return st.one_of(*[texts(max_size)] * 7, huge_texts())


Pairs = list[tuple[str, str]]


@dataclass(frozen=True)
class Post:
    """One hostile request body, with the content type it claims."""

    body: bytes
    content_type: str

    @property
    def form(self) -> QueryDict:
        """What Django's request.POST holds for this body: the oracle's view of the post."""
        if self.content_type != FORM:
            return QueryDict()
        return QueryDict(self.body)


FORM = "application/x-www-form-urlencoded"


def has_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def encode_form(pairs: Pairs, garbage: bytes = b"") -> bytes:
    """A urlencoded body keeping every pair (repeats included), then raw bytes as they are."""
    body = b"&".join(
        quote_from_bytes(_bytes(key)).encode() + b"=" + quote_from_bytes(_bytes(value)).encode()
        for key, value in pairs
    )
    return body + garbage


@st.composite
def posts(draw, pairs: st.SearchStrategy[Pairs], *, wild: bool = True) -> Post:
    """A body made of `pairs`, mostly as the form content type; when `wild`, sometimes as JSON,
    plain text, broken multipart or nonsense bytes, too large or with too many fields."""
    chosen = draw(pairs)
    shapes = ["form"] * 6 + ["json", "text", "multipart", "bytes", "too_large", "too_many"]
    shape = draw(st.sampled_from(shapes)) if wild else "form"
    if shape == "json":
        body = json.dumps(dict(chosen), ensure_ascii=True).encode()
        return Post(body, "application/json")
    if shape == "text":
        return Post(encode_form(chosen), "text/plain")
    if shape == "multipart":
        return Post(encode_form(chosen), "multipart/form-data; boundary=--nope")
    if shape == "bytes":
        return Post(draw(st.binary(max_size=200)), FORM)
    if shape == "too_large":
        padding = [("padding", "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))]
        return Post(encode_form(chosen + padding), FORM)
    if shape == "too_many":
        extra = [(f"f{n}", "1") for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)]
        return Post(encode_form(chosen + extra), FORM)
    garbage = draw(st.sampled_from([b"", b"", b"&&=&%", b"&%ff%fe=%", b"&a=%ED%A0%80"]))
    return Post(encode_form(chosen, garbage), FORM)


def extra_pairs() -> st.SearchStrategy[Pairs]:
    """Fields nobody asked for: arbitrary names and values."""
    return st.lists(st.tuples(texts(12), texts()), max_size=3)


def field(name: str, value: st.SearchStrategy[str]) -> st.SearchStrategy[Pairs]:
    """The field missing, once, or repeated with different values (the last one wins in Django)."""
    return st.lists(value, max_size=3).map(lambda vs: [(name, v) for v in vs])


@st.composite
def shuffled(draw, *parts: st.SearchStrategy[Pairs]) -> Pairs:
    pairs = [pair for part in parts for pair in draw(part)]
    return draw(st.permutations(pairs)) if len(pairs) < 12 else pairs


# Snapshots

# Tables a request may write without changing anything a person owns: sign-in bookkeeping.
BOOKKEEPING = {"sessions", "axes", "contenttypes"}


def watched_models() -> list[type[models.Model]]:
    """Every table of the product and of the auth libraries, history and many-to-many tables
    included."""
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label not in BOOKKEEPING
    ]


def rows(model: type[models.Model]) -> list[tuple]:
    return list(model._default_manager.order_by("pk").values_list())


def snapshot(models_: list[type[models.Model]] | None = None) -> dict[str, tuple[int, str]]:
    """Each table's row count and a hash of all its values (raw SQL: the ORM would make this
    the slowest part of every example)."""
    result = {}
    with connection.cursor() as cursor:
        for model in models_ or watched_models():
            meta = model._meta
            table, pk = connection.ops.quote_name(meta.db_table), meta.pk.column
            cursor.execute(f"SELECT * FROM {table} ORDER BY {connection.ops.quote_name(pk)}")
            found = cursor.fetchall()
            digest = hashlib.sha256(repr(found).encode("utf-8", "surrogatepass")).hexdigest()
            result[meta.label_lower] = (len(found), digest)
    return result


def changed_tables(before: dict, after: dict) -> set[str]:
    return {label for label in before if before[label] != after.get(label)}


# Multipart bodies (uploads), built by hand: the test client would take the path off a file's
# name and cannot send NUL or a line break in it.


@dataclass(frozen=True)
class Part:
    """One file part of a multipart body: the field, the name it claims, its claimed type and
    its bytes."""

    field: str
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Upload(Post):
    """A multipart/form-data body; `form` and `files` are what Django reads from it (nothing,
    when it refuses the body)."""

    @property
    def form(self) -> QueryDict:
        return self._parsed()[0]

    @property
    def files(self) -> MultiValueDict:
        return self._parsed()[1]

    def _parsed(self) -> tuple[QueryDict, MultiValueDict]:
        request = RequestFactory().generic("POST", "/", self.body, content_type=self.content_type)
        try:
            return request.POST, request.FILES
        except (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
            return QueryDict(), MultiValueDict()


def _quoted(text: str) -> bytes:
    return _bytes(text).replace(b"\\", b"\\\\").replace(b'"', b'\\"')


def encode_multipart(pairs: Pairs, parts: list[Part], boundary: str = "fuzz-boundary") -> Upload:
    """A multipart body with every pair and file part as given (names unescaped but for
    quotes and backslashes, so NUL and line breaks reach the parser)."""
    mark = f"--{boundary}".encode()
    chunks = []
    for name, value in pairs:
        chunks += [
            mark,
            b'Content-Disposition: form-data; name="' + _quoted(name) + b'"',
            b"",
            _bytes(value),
        ]
    for part in parts:
        chunks += [
            mark,
            b'Content-Disposition: form-data; name="'
            + _quoted(part.field)
            + b'"; filename="'
            + _quoted(part.filename)
            + b'"',
            b"Content-Type: " + _bytes(part.content_type),
            b"",
            part.content,
        ]
    body = b"\r\n".join([*chunks, mark + b"--", b""])
    return Upload(body, f"multipart/form-data; boundary={boundary}")
