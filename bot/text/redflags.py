"""Offline red-flag check of a pasted SMS, chat message, phone number or link.

The signs' labels, reasons, advice and vocabulary are data (data/knowledge/message_signs.yml,
`bot.knowledge.models.GenericSign`, read from the knowledge store); the logic is here: link
parsing, the grammar around the words, and negation ("请勿提供验证码" is a warning, not a request).
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot import settings
from bot.knowledge.models import GenericSign
from bot.text.privacy import PLACEHOLDERS
from bot.text.textnorm import to_simplified


@dataclass(frozen=True)
class RedFlag:
    """One warning sign found: stable id, short Chinese label, one-line reason and the matched snippet."""

    id: str
    label: str
    explanation: str
    evidence: str
    start: int = 0  # where the evidence starts in `normalize(text)`


@functools.cache
def default_signs() -> tuple[GenericSign, ...]:
    """The signs in the repository's data, for callers without the knowledge store."""
    from bot.knowledge.loader import read_file  # the loader checks its signs against this module

    return tuple(read_file(settings.KNOWLEDGE_DIR / f"{GenericSign.file}.yml", GenericSign))


def normalize(text: str) -> str:
    """Simplified, half-width text with 帐 spelled 账; snippets and positions refer to it."""
    return to_simplified(text).replace("帐", "账")


# Top-level domains accepted for links written without http:// or www.
_BARE_TLDS = frozenset(
    (
        "com", "cn", "net", "org", "cc", "vip", "top", "xyz", "info", "io", "me", "co", "app", "shop", "site",
        "online", "club", "ltd", "link", "live", "icu", "tk", "ml", "ga", "cf", "gq", "work", "biz", "pw", "ws",
        "ly", "im", "gl", "gd", "to", "hk", "mo", "tw", "la", "so", "tv", "us", "uk", "asia", "fun", "store",
        "tech", "pro", "win", "bid", "loan",
    )
)  # fmt: skip
_SECOND_LEVEL = frozenset({"com", "net", "org", "gov", "edu"})

_URL = re.compile(
    r"(?<![A-Za-z0-9.@-])(?:(?P<scheme>https?)://)?"
    r"(?P<host>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,}(?![A-Za-z0-9-])"
    r"|(?:(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(?![0-9])"
    r"|\[[0-9A-Fa-f:.]+\])"
    r"(?P<port>:[0-9]{1,5})?(?P<path>[/?#][A-Za-z0-9._~%/?#=&+:@!$*-]*)?",
    re.I,
)
_SHORT_PATH = re.compile(r"/[A-Za-z0-9]{4,12}/?")
SENTENCE = r"[^。！？!?；;\n]"
_CLAUSE = r"[^。！？!?；;，,\n]"

# "能不能", "要不要", "会不会" ask a question; they negate nothing.
_NEGATION = re.compile(
    r"勿|(?<!要)不要|别(?!人)|(?<!会)不会|绝不|从不|从来不|没有|不存在|无需|不需要|不用|不收|免收|谨防|警惕|小心|防范|任何"
    r"|凡是|所谓|冒充|假冒|(?<!能)不能|不得|严禁|禁止"
)
_CLAUSE_BREAK = re.compile(r"[。！？!?；;，,\n]|并|然后")
# Words that turn the rest of their sentence into a general warning: 凡是…都是诈骗.
_GENERALIZATION = re.compile(r"凡是")
_SIGNATURE = re.compile(r"【[^】\n]{1,20}】")
_REDACTED_SECRET = "|".join(re.escape(PLACEHOLDERS[k]) for k in ("verification_code", "password"))
_ALWAYS_FOREIGN = re.compile(r"(?<![0-9A-Za-z+])\+?00[ -]?[0-9][0-9 -]{5,}[0-9]")
_FOREIGN = re.compile(r"(?<![0-9A-Za-z+])\+(?!86)[1-9][0-9 -]{6,}[0-9]")
# Foreign government domains such as gov.uk or usa.gov are genuine.
_FOREIGN_GOV = re.compile(r"(?:^|\.)gov(?:\.[a-z]{2})?$")

Hit = tuple[int, str]


@dataclass(frozen=True)
class Link:
    """A web address found in a message (with or without http://)."""

    start: int
    text: str
    host: str
    path: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def is_ip(self) -> bool:
        try:
            ipaddress.ip_address(self.host.strip("[]"))
        except ValueError:
            return False
        return True

    def on(self, domains: Sequence[str]) -> bool:
        """Whether the host is one of `domains` or a subdomain of one."""
        return any(self.host == d or self.host.endswith("." + d) for d in domains)


def links(s: str) -> list[Link]:
    """The links in normalized text `s`, in order; bare hosts need a known top-level domain."""
    found = []
    for m in _URL.finditer(s):
        host = m.group("host").lower()
        ip = not host[-1].isalpha()
        if not m.group("scheme"):
            if host.startswith("["):
                continue
            if ip and not (m.group("port") or m.group("path")):
                continue
            if not ip and not host.startswith("www.") and host.rsplit(".", 1)[-1] not in _BARE_TLDS:
                continue
        found.append(Link(m.start(), m.group().rstrip("."), host, m.group("path") or ""))
    return found


def negated(s: str, start: int, end: int) -> bool:
    """True when s[start:end] sits in a warning such as “请勿提供验证码”, “没有安全账户” or “凡是…都是诈骗”."""
    before = _CLAUSE_BREAK.split(s[max(0, start - 8) : start])[-1]
    sentence = re.split(r"[。！？!?；;\n]", s[:start])[-1]
    return bool(_NEGATION.search(before + s[start:end]) or _GENERALIZATION.search(sentence))


def _alt(words: Sequence[str]) -> str:
    return "(?:" + "|".join(words) + ")"


def _first(pattern: re.Pattern[str], s: str) -> Hit | None:
    for m in pattern.finditer(s):
        if not negated(s, m.start(), m.end()):
            return m.start(), m.group()
    return None


def _search(pattern: re.Pattern[str], s: str) -> Hit | None:
    m = pattern.search(s)
    return (m.start(), m.group()) if m else None


def _earliest(*hits: Hit | None) -> Hit | None:
    return min((h for h in hits if h), default=None)


def _first_link(found: list[Link], test: Callable[[Link], bool]) -> Hit | None:
    return next(((link.start, link.text) for link in found if test(link)), None)


class _Rules:
    """The detectors, with regular expressions built from the signs' words."""

    def __init__(self, signs: Sequence[GenericSign]) -> None:
        w = {sign.id: sign.words for sign in signs if sign.terms}
        safe = w["safe_account"]
        self._safe_account = re.compile(_alt(safe("phrases")))
        code = w["code_or_password_request"]
        secrets = _alt(code("secrets"))
        self._code_request = re.compile(
            rf"{_alt(code('ask_before'))}{SENTENCE}{{0,8}}?{secrets}"
            rf"|{secrets}{_CLAUSE}{{0,6}}?{_alt(code('ask_after'))}",
            re.I,
        )
        self._redacted_secret = re.compile(rf"{_CLAUSE}*?(?P<secret>{_REDACTED_SECRET}){_CLAUSE}*")
        self._redacted_ask = re.compile(_alt(code("ask_redacted")))
        screen = w["screen_sharing"]
        self._screen = re.compile(rf"{_alt(screen('phrases'))}|(?<![A-Za-z]){_alt(screen('apps'))}(?![A-Za-z])", re.I)
        fee = w["upfront_fee"]
        fees, pay = _alt(fee("fees")), _alt(fee("pay"))
        self._upfront_fee = re.compile(
            rf"{pay}{_CLAUSE}{{0,8}}?{fees}|{fees}{_CLAUSE}{{0,8}}?{pay}|{_alt(fee('always'))}"
        )
        self._payout = re.compile(_alt(fee("payouts")))
        apk = w["apk_link"]
        self._download = re.compile(rf"{_alt(apk('install'))}\s*{SENTENCE}{{0,12}}?\s*{_alt(apk('targets'))}", re.I)
        self._shorteners = w["short_link"]("shorteners")
        look = w["lookalike_domain"]
        self._brand_domains = look("official_domains")
        self._brands = look("brands")
        self._short_brands = frozenset(look("short_brands"))
        unofficial = w["unofficial_link"]
        self._official = self._brand_domains + unofficial("official_domains")
        self._link_claim = re.compile(_alt(unofficial("claims")), re.I)
        self._local_claim = re.compile(_alt(w["international_prefix"]("claims")))
        police = w["police_and_money"]
        self._authority = re.compile(_alt(police("authority")))
        self._money = re.compile(_alt(police("money")))
        urgent = w["urgency_secrecy"]
        self._urgency = re.compile(
            rf"(?:不要|别|不能)(?:告诉|告知|透露给?)(?:你的)?{_alt(urgent('confidants'))}"
            rf"|{_alt(urgent('secrecy'))}|(?:不要|不能|别)挂(?:断|电话)"
            rf"|(?:立即|马上|立刻){_alt(urgent('hurry'))}|{_alt(urgent('deadlines'))}"
            rf"|否则{SENTENCE}{{0,8}}?{_alt(urgent('threats'))}"
        )

    def safe_account(self, s: str, found: list[Link]) -> Hit | None:
        return _first(self._safe_account, s)

    def code_or_password_request(self, s: str, found: list[Link]) -> Hit | None:
        # A redacted code counts when its clause asks for it ("让我报[验证码]"), not in "验证码：[验证码]".
        redacted = next((m for m in self._redacted_secret.finditer(s) if self._redacted_ask.search(m.group())), None)
        asked = redacted and (redacted.start("secret"), redacted.group("secret"))
        return _earliest(_first(self._code_request, s), asked)

    def screen_sharing(self, s: str, found: list[Link]) -> Hit | None:
        return _first(self._screen, s)

    def upfront_fee(self, s: str, found: list[Link]) -> Hit | None:
        return _first(self._upfront_fee, s) if self._payout.search(s) else None

    def apk_link(self, s: str, found: list[Link]) -> Hit | None:
        apk = _first_link(found, lambda link: re.split(r"[?#]", link.path)[0].lower().endswith(".apk"))
        if not any(not link.on(self._brand_domains) for link in found):
            return apk
        # Blank out the links so "下载 <link> 客户端" reads as one phrase.
        masked = s
        for link in found:
            masked = masked[: link.start] + " " * len(link.text) + masked[link.end :]
        download = _first(self._download, masked)
        return _earliest(apk, download and (download[0], s[download[0] : download[0] + len(download[1])]))

    def _shortened(self, link: Link) -> bool:
        if link.on(self._shorteners):
            return True
        if link.is_ip or link.on(self._brand_domains) or not _SHORT_PATH.fullmatch(link.path):
            return False
        labels = link.host.removeprefix("www.").split(".")
        if len(labels) == 3 and labels[1] in _SECOND_LEVEL:
            labels = labels[::2]
        code = link.path.strip("/")
        random_path = any(c.isdigit() for c in code) or not (code.islower() or code.isupper())
        return len(labels) == 2 and len(labels[0]) <= 3 and random_path

    def _lookalike(self, link: Link) -> bool:
        if link.is_ip or link.on(self._brand_domains):
            return False
        branded = any(b in link.host for b in self._brands) or bool(
            self._short_brands & set(re.findall(r"[a-z]+|[0-9]+", link.host))
        )
        return branded and not _FOREIGN_GOV.search(link.host)

    def short_link(self, s: str, found: list[Link]) -> Hit | None:
        return _first_link(found, self._shortened)

    def ip_link(self, s: str, found: list[Link]) -> Hit | None:
        return _first_link(found, lambda link: link.is_ip)

    def lookalike_domain(self, s: str, found: list[Link]) -> Hit | None:
        return _first_link(found, self._lookalike)

    def unofficial_link(self, s: str, found: list[Link]) -> Hit | None:
        """A link no other link sign explains, in a message that claims an institution or asks for business."""
        if not found or not (_SIGNATURE.search(s) or self._link_claim.search(s)):
            return None
        explained = any(link.is_ip or self._shortened(link) or self._lookalike(link) for link in found)
        if explained or self.apk_link(s, found):
            return None
        return _first_link(found, lambda link: not (link.on(self._official) or _FOREIGN_GOV.search(link.host)))

    def international_prefix(self, s: str, found: list[Link]) -> Hit | None:
        foreign = _search(_FOREIGN, s) if self._local_claim.search(s) else None
        return _earliest(foreign, _search(_ALWAYS_FOREIGN, s))

    def police_and_money(self, s: str, found: list[Link]) -> Hit | None:
        authority, money = _first(self._authority, s), _first(self._money, s)
        if not (authority and money):
            return None
        (a_start, a_text), (b_start, b_text) = sorted((authority, money))
        b_end = b_start + len(b_text)
        evidence = s[a_start:b_end] if b_end - a_start <= 20 else f"{a_text}…{b_text}"
        return a_start, evidence

    def urgency_secrecy(self, s: str, found: list[Link]) -> Hit | None:
        return _search(self._urgency, s)


@functools.lru_cache(maxsize=8)
def _rules(signs: tuple[GenericSign, ...]) -> _Rules:
    return _Rules(signs)


def detector_ids() -> frozenset[str]:
    """The sign ids the code can detect; every sign in the data must be one of them."""
    return frozenset(name for name in vars(_Rules) if not name.startswith("_"))


def check(text: str, signs: Sequence[GenericSign] | None = None) -> list[RedFlag]:
    """Red flags in ``text`` (traditional or full-width input is normalized first), in order of appearance.

    `signs` (default: the repository's data) gives the labels, reasons and words; ties in
    position keep their order.
    """
    signs = tuple(signs if signs is not None else default_signs())
    rules = _rules(signs)
    s = normalize(text)
    found = links(s)
    hits = []
    for rank, sign in enumerate(signs):
        hit = getattr(rules, sign.id)(s, found)
        if hit:
            hits.append((hit[0], rank, sign, hit[1]))
    return [RedFlag(sign.id, sign.label, sign.why, evidence, start) for start, _, sign, evidence in sorted(hits)]
