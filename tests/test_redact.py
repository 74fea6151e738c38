"""The output guard: the API key never reaches standard output or error, however it is split into writes."""

from __future__ import annotations

import io
import itertools
import os
import subprocess
import sys
import textwrap
from contextlib import redirect_stdout
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.redact import Redactor

KEY = "inc_s3cr/et+key-0123456789abcdef"
QUOTED = quote(KEY, safe="")


def _guarded(*pieces: str, key: str = KEY, flush_each: bool = False) -> str:
    """What reaches the real stream when ``pieces`` are written one by one while the guard is on."""
    out = io.StringIO()
    with redirect_stdout(out), Redactor(key).guarding_output():
        for piece in pieces:
            sys.stdout.write(piece)
            if flush_each:
                sys.stdout.flush()
    return out.getvalue()


@pytest.mark.parametrize("form", [KEY, QUOTED])
@pytest.mark.parametrize("flush_each", [False, True])
def test_a_key_split_across_two_writes_at_any_position_is_redacted(form: str, flush_each: bool) -> None:
    for cut in range(1, len(form)):
        text = f"error: bad header 'Bearer {form}' (req-1)\n"
        at = text.index(form) + cut
        written = _guarded(text[:at], text[at:], flush_each=flush_each)
        assert written == "error: bad header 'Bearer [redacted]' (req-1)\n", cut


@settings(max_examples=300, deadline=None)
@given(
    key=st.text("ab%\n", min_size=1, max_size=5),
    text=st.text("ab%25\n", max_size=30),
    cuts=st.lists(st.integers(0, 30), max_size=6),
)
def test_any_split_writes_what_redacting_the_whole_text_gives(key: str, text: str, cuts: list[int]) -> None:
    # Keys of few letters overlap themselves and their URL-encoded form: the hardest cases for the tail.
    bounds = [0, *sorted(c for c in cuts if c <= len(text)), len(text)]
    pieces = [text[a:b] for a, b in itertools.pairwise(bounds)]
    assert _guarded(*pieces, key=key) == Redactor(key).text(text)


@pytest.mark.parametrize(
    ("key", "pieces", "written"),
    [
        ("abab", ["xababa", "c"], "x[redacted]ac"),  # a whole key overlaps the tail that starts like it
        ("abab", ["xababa"], "x[redacted]a"),
        ("ab%", ["xab%", "25y"], "x[redacted]y"),  # the key, then the rest of its URL-encoded form
        ("ab%", ["xab%", "y"], "x[redacted]y"),
    ],
)
def test_keys_overlapping_themselves_or_their_encoded_form(key: str, pieces: list[str], written: str) -> None:
    assert _guarded(*pieces, key=key) == written
    assert Redactor(key).text("".join(pieces)) == written


def test_a_key_written_a_character_at_a_time_is_redacted() -> None:
    text = f"{KEY}{KEY}x{QUOTED}\n"
    assert _guarded(*text) == "[redacted][redacted]x[redacted]\n"
    assert _guarded(*text, flush_each=True) == "[redacted][redacted]x[redacted]\n"


def test_a_key_split_over_three_writes_after_text_that_starts_like_it() -> None:
    # "inc_" twice before the key: a held tail that turns out not to be the key is written, not lost.
    assert _guarded("a inc_inc", "_s3cr/et+k", "ey-0123456789abcdef b\n") == "a inc_[redacted] b\n"


def test_nothing_is_held_back_at_the_end_of_a_line_or_of_text_unlike_the_key() -> None:
    out = io.StringIO()
    with redirect_stdout(out), Redactor(KEY).guarding_output():
        sys.stdout.write("Posting 01-investigating.yaml ... ")
        assert out.getvalue() == "Posting 01-investigating.yaml ... "
        sys.stdout.write("posted\nnext line ends like the key: inc_")
        assert out.getvalue() == "Posting 01-investigating.yaml ... posted\nnext line ends like the key: "
        sys.stdout.write("\n")
        assert out.getvalue().endswith("next line ends like the key: inc_\n")


@pytest.mark.parametrize("tail", ["i", "inc_s3cr", KEY[:-1], QUOTED[:-1]])
def test_a_held_tail_is_written_when_the_guard_ends(tail: str) -> None:
    assert _guarded("last words ", tail) == f"last words {tail}"
    assert _guarded("last words ", tail, flush_each=True) == f"last words {tail}"


def test_without_a_key_every_write_passes_straight_through() -> None:
    out = io.StringIO()
    with redirect_stdout(out), Redactor(None).guarding_output():
        sys.stdout.write("a")
        assert out.getvalue() == "a"


def test_nested_guards_lose_nothing() -> None:
    out = io.StringIO()
    with redirect_stdout(out), Redactor(KEY).guarding_output(), Redactor(KEY).guarding_output():
        sys.stdout.write("x inc_s3")
        sys.stdout.write("cr/et+key-0123456789abcdef y inc")
    assert out.getvalue() == "x [redacted] y inc"


# --- a real process: pipes, print, click.echo, the exit -----------------------------------------

_PROGRAM = """
import sys

import click

from sync.redact import Redactor

key = sys.argv[1]
with Redactor(key).guarding_output():
    print("start")
    print("Bearer " + key[:7], end="", flush=True)
    print(key[7:], "done")
    click.echo("echo " + key[:3], nl=False)
    click.echo(key[3:] + " echoed", err=True, nl=False)
    click.echo(key[3:], nl=False)
    sys.stderr.write(" and " + key[:12])
    sys.stderr.write(key[12:] + "\\n")
    print("the end: " + key[:5], end="")
    sys.exit(4)
"""


def test_a_real_process_writing_the_key_in_pieces_prints_no_key_and_loses_nothing() -> None:
    env = {**os.environ, "PYTHONUTF8": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_PROGRAM), KEY],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 4
    assert proc.stdout == "start\nBearer [redacted] done\necho [redacted]the end: inc_s"
    # stderr begins with the rest of the key the stdout write began: on its own it is no key.
    assert proc.stderr == f"{KEY[3:]} echoed and [redacted]\n"
