"""How ``new`` and ``import`` name folders: slugs from titles, stable and safe in any file system."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.naming import slugify


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Café outage", "cafe-outage"),
        ("CAFÉ OUTAGE", "cafe-outage"),
        ("Cafe\u0301 outage", "cafe-outage"),  # the accent as a combining mark
        ("Crème brûlée: Zürich, Kraków & São Paulo", "creme-brulee-zurich-krakow-sao-paulo"),
        ("İstanbul łódź Ørsted", "istanbul-lodz-orsted"),  # ł and ø are letters of their own: spelled out
        ("Straße STRASSE", "strasse-strasse"),
        ("Ærø Đakovo Þingvellir Łeba", "aero-dakovo-thingvellir-leba"),
        ("\uff26\uff55\uff4c\uff4c \uff21\uff11", "full-a1"),  # full-width "Full A1"
        ("\u210d\U0001d560\U0001d564\U0001d565 \u216b", "host-xii"),  # "Host XII": upper case once decomposed
        ("EU Login: failures!", "eu-login-failures"),
        ("Сбой входа", ""),  # no Latin letters or digits: the caller's fallback names it
        ("障害 2026", "2026"),
        ("ñ" * 70, "n" * 60),
        ("-é-", "e"),
    ],
)
def test_slugs(title: str, slug: str) -> None:
    assert slugify(title) == slug


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_a_slug_is_short_lower_case_ascii_and_the_same_every_time(title: str) -> None:
    slug = slugify(title)
    assert re.fullmatch(r"([a-z0-9]+(-[a-z0-9]+)*)?", slug) and len(slug) <= 60
    assert slugify(title) == slug and slugify(slug) == slug
