"""The password policy: long enough, and not guessable (zxcvbn's estimate of the guesses an attacker needs)."""

from __future__ import annotations

from zxcvbn import zxcvbn

from xborder.core.errors import field_error

MIN_LENGTH = 10
# zxcvbn scores 0-4; 3 ("safely unguessable", about 10^8 guesses or more) is the usual floor for an online service.
MIN_SCORE = 3
# zxcvbn's running time grows with the length; the tail of a very long password does not change the verdict.
_SCORED_PREFIX = 100


def password_errors(password: str, path: str, *, hints: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """Field errors at `path` for a password that is too short or guessable; `hints` (the e-mail, the name, the
    organisation) count as known words, so a password made of them is refused too."""
    if len(password) < MIN_LENGTH:
        return [field_error(path, "too_short", f"Use at least {MIN_LENGTH} characters",
                            f"密码至少需要 {MIN_LENGTH} 个字符")]
    words = [*hints, *(w for hint in hints for w in hint.replace("@", " ").replace(".", " ").split() if w)]
    result = zxcvbn(password[:_SCORED_PREFIX], user_inputs=words)
    if result["score"] < MIN_SCORE:
        return [field_error(path, "weak", "This password is easy to guess: avoid words, names, dates, keyboard "
                            "patterns and repeats, or make it longer",
                            "该密码容易被猜中：请避免常见单词、姓名、日期、键盘序列和重复字符，或加长密码")]
    return []
