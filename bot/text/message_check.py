"""What a pasted SMS or chat message is: the scam family it matches, the signs found in it, what to do.

Deterministic and explainable. Families and their signs are data (data/knowledge/scam_types.yml,
data/knowledge/message_signs.yml). A family matches when the signs found in the message weigh
`MATCH_WEIGHT` or more (a family's own sign weighs its `weight`, a generic sign it lists weighs 1)
and one of them is its own topic sign (not `supporting`). Families rank by weight, then by the
weight of their own signs, then by file order. Every sign reported carries the snippet it was
found in, so the reply can only call a message a scam by pointing at the words that make it one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.knowledge.models import GenericSign, MessageSign, ScamType
from bot.text import redflags
from bot.text.redflags import RedFlag

#: A family is reported when its signs found weigh this much.
MATCH_WEIGHT = 2
#: A second family is named when it weighs at least the best minus this, and its own signs as much.
CLOSE = 1
MAX_SHOWN_SIGNS = 4
MAX_ADVICE = 4
MAX_SNIPPET = 36
#: "…" in a pattern: the same sentence, at most 12 characters, not across an SMS signature's 【】.
WITHIN = r"[^。！？!?；;\n【】]{0,12}?"
#: Every link in the message reads as this word, so patterns can say 点击链接.
LINK_WORD = "链接"

GENERAL_RULE = (
    "涉及转账、验证码或链接，先停一停：自己查官方电话或打开官方App核实，别用消息里给的号码和链接。",
    "验证码、密码谁要都不给，不往陌生账户转钱。",
    "拿不准就打96110反诈专线问问；钱已经转出，马上打110。",
)
CLOSING = "拿不准就打96110反诈专线问问。"

# An anti-fraud notice (12381's warning SMS, a police 反诈提醒) describes scams without being one.
_WARNING = re.compile(r"反诈|防骗|谨防|警惕|诈骗分子|(?:都|均|一律)(?:是|为|属于?)诈骗|12381|预警|劝阻")
# Signs that ask the reader to do something risky; a "notice" carrying one is not taken as a warning.
_ACTION_SIGNS = frozenset({
    "safe_account", "code_or_password_request", "screen_sharing", "upfront_fee", "apk_link", "short_link",
    "ip_link", "lookalike_domain", "unofficial_link", "police_and_money",
})  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """A sign found in the message, with the snippet (from the normalized text) that shows it."""

    id: str
    label: str
    why: str
    snippet: str
    start: int
    generic: bool  # a sign of data/knowledge/message_signs.yml rather than a family's own


@dataclass(frozen=True)
class FamilyMatch:
    family: ScamType
    weight: int
    own_weight: int
    findings: tuple[Finding, ...]  # its own signs and the generic signs it lists, by position


@dataclass(frozen=True)
class Analysis:
    """The verdict on one message; `format_analysis` turns it into the reply."""

    matches: tuple[FamilyMatch, ...]  # the best family, and a close runner-up if any
    findings: tuple[Finding, ...]  # the best family's signs and every generic sign, by position
    advice: tuple[str, ...]
    warning: bool  # the message reads as an anti-fraud notice

    @property
    def family(self) -> ScamType | None:
        return self.matches[0].family if self.matches else None

    @property
    def runner_up(self) -> ScamType | None:
        return self.matches[1].family if len(self.matches) > 1 else None

    @property
    def sign_ids(self) -> frozenset[str]:
        return frozenset(f.id for f in self.findings)


@functools.lru_cache(maxsize=2048)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern.replace("…", WITHIN), re.I)


@dataclass(frozen=True)
class _Text:
    """Normalized text, and a copy with each link replaced by `LINK_WORD`, with positions mapped back."""

    s: str
    masked: str
    starts: tuple[int, ...]  # per masked character: where it starts in `s`
    ends: tuple[int, ...]  # per masked character: where it ends in `s`

    @classmethod
    def of(cls, s: str) -> _Text:
        parts, starts, ends, at = [], [], [], 0
        for link in redflags.links(s):
            parts.append(s[at : link.start])
            starts += range(at, link.start)
            ends += range(at + 1, link.start + 1)
            parts.append(LINK_WORD)
            starts += [link.start] * len(LINK_WORD)
            ends += [link.end] * len(LINK_WORD)
            at = link.end
        parts.append(s[at:])
        starts += range(at, len(s))
        ends += range(at + 1, len(s) + 1)
        return cls(s, "".join(parts), tuple(starts), tuple(ends))

    def find(self, sign: MessageSign) -> Finding | None:
        """The earliest match of any of the sign's patterns that is not inside a warning."""
        best = None
        for pattern in sign.patterns:
            for m in _compiled(pattern).finditer(self.masked):
                if m.end() > m.start() and not redflags.negated(self.masked, m.start(), m.end()):
                    if best is None or m.start() < best.start():
                        best = m
                    break
        if best is None:
            return None
        start, end = self.starts[best.start()], self.ends[best.end() - 1]
        return Finding(sign.id, sign.label, sign.why, self.s[start:end].strip(), start, generic=False)


def _generic(flag: RedFlag) -> Finding:
    return Finding(flag.id, flag.label, flag.explanation, flag.evidence, flag.start, generic=True)


def _match(family: ScamType, text: _Text, generic: Sequence[Finding]) -> FamilyMatch | None:
    own = [(sign, found) for sign in family.message_signs if (found := text.find(sign))]
    if all(sign.supporting for sign, _ in own):
        return None
    related = [f for f in generic if f.id in family.generic_signs]
    own_weight = sum(sign.weight for sign, _ in own)
    weight = own_weight + len(related)
    if weight < MATCH_WEIGHT:
        return None
    findings = sorted([f for _, f in own] + related, key=lambda f: f.start)
    return FamilyMatch(family, weight, own_weight, tuple(findings))


def _dedupe(lines: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(line for line in lines if line))


def analyze(text: str, families: Sequence[ScamType], signs: Sequence[GenericSign]) -> Analysis:
    """Which family `text` matches (if any), the signs found in it, and what to do.

    `families` and `signs` come from the knowledge store (`repository.scam_types()`,
    `repository.message_signs()`) or the YAML files (`bot.knowledge.loader.read_file`).
    """
    flags = redflags.check(text, signs)
    generic = [_generic(f) for f in flags]
    normalized = _Text.of(redflags.normalize(text))
    warning = bool(_WARNING.search(normalized.s)) and not any(f.id in _ACTION_SIGNS for f in flags)
    scored = []
    if not warning:
        for position, family in enumerate(families):
            match = _match(family, normalized, generic)
            if match:
                scored.append((-match.weight, -match.own_weight, position, match))
    ranked = [m for *_, m in sorted(scored, key=lambda t: t[:3])]
    matches = ranked[:1] + [
        m for m in ranked[1:2] if m.weight >= ranked[0].weight - CLOSE and m.own_weight >= ranked[0].own_weight
    ]

    advice_of = {s.id: s.advice for s in signs}
    if matches:
        best = matches[0]
        findings = {(f.id, f.start): f for f in best.findings + tuple(generic)}
        extra = [advice_of.get(f.id, "") for f in generic if f.id not in best.family.generic_signs]
        advice = _dedupe([*best.family.advice[:2], *extra, *best.family.advice[2:]])
    else:
        findings = {(f.id, f.start): f for f in generic}
        advice = _dedupe([*(advice_of.get(f.id, "") for f in generic), *GENERAL_RULE])
    ordered = tuple(sorted(findings.values(), key=lambda f: (f.start, f.generic, f.id)))
    return Analysis(tuple(matches), ordered, tuple(advice[:MAX_ADVICE]), warning)


def _shown(analysis: Analysis) -> list[Finding]:
    """At most MAX_SHOWN_SIGNS signs, in order of appearance.

    The family's own signs come first, then the generic ones it lists, then the others; a sign
    quoting the same snippet as one already chosen waits until the distinct ones are in.
    """
    family = analysis.family

    def priority(f: Finding) -> int:
        if family is None or (f.generic and f.id not in family.generic_signs):
            return 2
        return 1 if f.generic else 0

    ranked = sorted(analysis.findings, key=lambda f: (priority(f), f.start))
    chosen: list[Finding] = []
    for f in ranked:
        if f.snippet not in {c.snippet for c in chosen}:
            chosen.append(f)
    chosen += [f for f in ranked if f not in chosen]
    return sorted(chosen[:MAX_SHOWN_SIGNS], key=lambda f: f.start)


_ASCII_COMMA = re.compile(r"(?<=[\u4e00-\u9fff]),\s?|,\s?(?=[\u4e00-\u9fff])")


def _snippet(text: str) -> str:
    """The snippet as shown: Chinese commas back (normalizing made them ASCII), long ones cut."""
    text = _ASCII_COMMA.sub("，", text)
    return text if len(text) <= MAX_SNIPPET else text[: MAX_SNIPPET - 1] + "…"


def _bullets(lines: Sequence[str]) -> list[str]:
    return [f"• {line}" for line in lines]


def format_analysis(analysis: Analysis) -> str:
    """The Chinese reply: the family, the signs found (each with its snippet), then what to do."""
    signs = [f"• {f.label}「{_snippet(f.snippet)}」：{f.why}" for f in _shown(analysis)]
    closing = [] if any("96110" in line for line in analysis.advice) else [CLOSING]
    if analysis.family:
        head = f"这条消息像【{analysis.family.name}】"
        head += f"，也有点像【{analysis.runner_up.name}】。" if analysis.runner_up else "。"
        return "\n".join([head, "我在消息里看到：", *signs, "该怎么做：", *_bullets(analysis.advice), *closing])
    if signs:
        head = f"我没认出这是哪一种骗局，但消息里有{len(analysis.findings)}处可疑："
        return "\n".join([head, *signs, "该怎么做：", *_bullets(analysis.advice), *closing])
    if analysis.warning:
        head = (
            "这条像是一条反诈提醒，我没在里面找到骗局的特征。"
            "如果是12381发来的预警短信，说明你可能刚接触过骗子，先停下来："
        )
    else:
        head = "我没在这条消息里找到已知骗局的特征，但这不代表它没有问题。记住这几条："
    return "\n".join([head, *_bullets(analysis.advice)])


def format_signs(analysis: Analysis) -> str:
    """Only the signs found, for a person's own story whose kind of scam was named another way."""
    signs = [f"• {f.label}「{_snippet(f.snippet)}」：{f.why}" for f in _shown(analysis)]
    return "\n".join(["你说的情况里还有这些要当心：", *signs])


# A pasted message rather than the user's own words. Any one strong marker is enough.
_STRONG = re.compile(
    r"【[^】\n]{1,20}】"  # SMS signature
    r"|回复?\s*(?:TD|T|N|R|0000)\s*退订|退订(?:请)?回(?:复)?\s*(?:TD|T|N|R)|拒收请回复"
    r"|尊敬的(?:用户|客户|会员|车主|家长|旅客|乘客|先生|女士|[\u4e00-\u9fff]{1,4}(?:用户|客户|会员))"
    r"|亲爱的(?:用户|客户|会员|家长|同学|朋友)们?"
    r"|^\s*(?:爸爸?|妈妈?|老爸|老妈|爷爷|奶奶|姥姥|姥爷|外婆|外公|老公|老婆|宝贝|亲爱的|哥|姐|舅舅|姑姑|叔叔|阿姨"
    r"|领导|[\u4e00-\u9fff](?:总|局|哥|姐)|亲|各位家长|家长们?)\s*(?:好|你好|您好|你们好)?\s*[，,！!。：:]"
    r"|^\s*(?:我是(?:你|您)的?(?:领导|老板|[\u4e00-\u9fff]总|班主任|老师|表哥|表姐|表弟|表妹|同学|舅舅|叔叔)"
    r"|猜猜我是谁|(?:您好|你好)[，,！!]\s*(?:我是|这里是|这边是|您的|你的|恭喜))",
    re.I,
)
# Weak markers: a message addressed to "you" with contact details or instructions. Two are needed.
_WEAK = (
    re.compile(r"您|你的|你名下"),
    re.compile(r"(?<![0-9])(?:1[3-9][0-9]{9}|400[0-9 -]{7,9}|95[0-9]{3})(?![0-9])|\[手机号\]"),
    re.compile(
        r"请(?:您)?\s*(?:点击|回复|联系|致电|拨打|添加|下载|登录|登陆|办理|领取|确认|查收|及时|尽快|于|配合|立即|马上)"
    ),
    re.compile(r"^\s*(?:我是|这里是|这边是|我们是|恭喜|欢迎|在吗)"),
    re.compile(
        r"(?:加|添加)我?\s*(?:微信|vx|v信|薇信|qq|企业微信)|点击|详询|咨询热线|限时|名额有限|先到先得|速来"
        r"|招聘|诚聘|急招|高价收|代办|免费(?:领|送)|私聊|扣1",
        re.I,
    ),
    re.compile(r"需(?:要)?(?:您|你)?先?(?:缴纳|支付|交纳|转入|垫付)|(?:请|你)先?(?:往|向)?指定账户"),
)
# The user telling their own story ("有人打电话说…") rather than quoting a message.
_NARRATION = re.compile(
    r"我收到|收到(?:一条|个|了)|有人|有个|对方|他说|她说|他们说|说我|给我打|打电话给我|打来|骗子|被骗"
    r"|是不是|怎么办|靠谱吗|真的吗|是真的|可信吗|[?？]"
)


def looks_forwarded(text: str) -> bool:
    """Whether `text` looks like a pasted SMS or chat message rather than the user describing one.

    Conservative: one strong marker (an SMS signature 【…】, a link, 回TD退订, 尊敬的用户, a
    message opening such as "妈，" or "我是你张总"), or two weak ones (您, a phone number,
    请点击/请联系…) in text that does not read as the user's own story.
    """
    s = redflags.normalize(text)
    if _STRONG.search(s) or redflags.links(s):
        return True
    weak = sum(1 for marker in _WEAK if marker.search(s))
    return weak >= 2 and not _NARRATION.search(s)
