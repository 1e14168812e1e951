"""Offline red-flag check of a pasted SMS, chat message, phone number or link."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.textnorm import to_simplified


@dataclass(frozen=True)
class RedFlag:
    """One warning sign: stable id, short Chinese label, one-line reason and the matched snippet."""

    id: str
    label: str
    explanation: str
    evidence: str


FLAGS = {
    "safe_account": ("安全账户", "公检法和银行都没有所谓“安全账户”，让你转钱进去的都是骗子。"),
    "code_or_password_request": ("索要验证码或密码", "验证码和密码只能自己用，谁要都不能给，银行和警方也不会要。"),
    "screen_sharing": ("屏幕共享或远程控制", "共享屏幕或远程控制能让对方看到你的验证码、操作你的手机转账。"),
    "upfront_fee": ("先交钱才给钱", "正规的贷款、退款、提现和中奖都不会让你先交保证金、解冻费或手续费。"),
    "apk_link": ("要求安装App", "陌生链接里的安装包可能是木马或仿冒App，会偷看短信、盗刷银行卡。"),
    "short_link": ("短链接", "短链接看不出真实网址，常被用来隐藏钓鱼网站。"),
    "ip_link": ("数字IP网址", "正规机构的网站都有域名，直接用数字IP地址的链接多半是钓鱼网站。"),
    "lookalike_domain": ("仿冒官方网址", "网址里带着银行、支付平台或政府的名字，却不是官方域名，是常见的钓鱼手法。"),
    "international_prefix": ("境外号码", "自称国内银行、客服或警方，却用境外或带00前缀的号码联系，基本可以断定是诈骗。"),
    "police_and_money": ("自称公检法谈钱", "公安、检察院、法院不会通过电话或网络让你转账、核查资金。"),
    "urgency_secrecy": ("催促或要求保密", "催你马上办、让你瞒着家人，是为了不给你时间核实、不让别人拦住你。"),
}

OFFICIAL_DOMAINS = (
    "icbc.com.cn", "icbc.com", "ccb.com", "ccb.cn", "boc.cn", "bankofchina.com", "abchina.com",
    "bankcomm.com", "cmbchina.com", "psbc.com", "unionpay.com", "95516.com", "alipay.com", "alipay.cn",
    "alipayobjects.com", "tenpay.com", "qq.com", "wechat.com", "gov.cn", "12306.cn", "taobao.com",
    "tmall.com", "jd.com", "jd.hk", "pinduoduo.com", "yangkeduo.com", "meituan.com", "10086.cn",
)  # fmt: skip
# Brand tokens found anywhere in a host, and short ones that must be a whole letter or digit run.
BRANDS = (
    "icbc", "psbc", "abchina", "bankcomm", "cmbchina", "bankofchina", "unionpay", "alipay", "zhifubao",
    "tenpay", "weixin", "wechat", "12306", "taobao", "tmall", "jingdong", "pinduoduo", "meituan",
    "chinatax", "gongan", "95588", "95533", "95599", "95566", "95555", "95559", "95580", "95516", "10086",
)  # fmt: skip
SHORT_BRANDS = frozenset({"ccb", "boc", "cmb", "jd", "pdd", "qq", "gov", "mps"})
SHORTENERS = (
    "t.cn", "url.cn", "dwz.cn", "bit.ly", "tinyurl.com", "suo.im", "is.gd", "goo.gl", "t.co", "ow.ly",
    "cutt.ly", "rb.gy",
)  # fmt: skip
# Top-level domains accepted for links written without http:// or www.
_BARE_TLDS = frozenset(
    "com cn net org cc vip top xyz info io me co app shop site online club ltd link live icu tk ml ga cf gq "
    "work biz pw ws ly im gl gd to hk mo tw la so tv us uk asia fun store tech pro win bid loan".split()
)
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
_SENTENCE = r"[^。！？!?；;\n]"
_CLAUSE = r"[^。！？!?；;，,\n]"

_NEGATION = re.compile(
    r"勿|不要|别(?!人)|不会|绝不|从不|从来不|没有|不存在|无需|不需要|不用|不收|免收|谨防|警惕|小心|防范|任何|凡是|所谓|冒充|假冒"
    r"|不能|不得|严禁|禁止"
)
_CLAUSE_BREAK = re.compile(r"[。！？!?；;，,\n]|并|然后")

_SAFE_ACCOUNT = re.compile(r"安全(?:账户|帐户|账号|帐号)|资金(?:清查|核查)|(?:清查|核查)(?:账户|帐户)")
_SECRETS = r"(?:验证码|动态码|校验码|短信码|动态密码|密码|口令|安全码|CVV)"
_CODE_REQUEST = re.compile(
    rf"(?:提供|告诉|告知|发送|发给|发我|报给|报出|输入|填写|填入|回复|说出|念出|读出|索要|索取|需要|核实|核对|给我){_SENTENCE}{{0,8}}?{_SECRETS}"
    rf"|{_SECRETS}{_CLAUSE}{{0,6}}?(?:发给|发我|发过来|发一下|告诉|报给|报一下|说一下|念一下|读一下|是多少|多少|给我|回复|提供)",
    re.I,
)
_SECRET_PLACEHOLDER = re.compile(r"\[(?:验证码|密码)\]")
_SCREEN = re.compile(
    r"屏幕共享|共享屏幕|屏幕分享|分享屏幕|萤幕共享|共享萤幕|共享桌面|会议软件|腾讯会议|钉钉会议|飞书会议|视讯会议"
    r"|向日葵|远程控制|远程协助|远程操作|远端控制|(?<![A-Za-z])(?:zoom|todesk|teamviewer|anydesk)(?![A-Za-z])",
    re.I,
)
_FEES = r"(?:保证金|解冻费|解冻金|手续费|服务费|税费|个人所得税|激活费|认证费|工本费|会员费|通道费|刷流水|验资|押金|垫付|垫资)"
_PAY = r"(?:缴纳|缴|交纳|交(?!易|通|流)|支付|付|补交|先转|转入|充值|收取|打款|打钱)"
_UPFRONT_FEE = re.compile(
    rf"{_PAY}{_CLAUSE}{{0,8}}?{_FEES}|{_FEES}{_CLAUSE}{{0,8}}?{_PAY}|解冻费|解冻金|激活费|刷流水|验资|垫付|垫资"
)
_PAYOUT = re.compile(
    r"贷款|借款|放款|下款|额度|提现|出款|到账|返还|返款|退款|退还|理赔|中奖|奖金|奖品|佣金|解冻|收益|分红|返利|刷单|兼职|工资"
)
_DOWNLOAD = re.compile(rf"(?:下载|安装)\s*{_SENTENCE}{{0,12}}?\s*(?:app|软件|安全控件|控件|客户端|插件|安装包)", re.I)
_ALWAYS_FOREIGN = re.compile(r"(?<![0-9A-Za-z+])\+?00[ -]?[0-9][0-9 -]{5,}[0-9]")
_FOREIGN = re.compile(r"(?<![0-9A-Za-z+])\+(?!86)[1-9][0-9 -]{6,}[0-9]")
_LOCAL_CLAIM = re.compile(
    r"银行|客服|公安|警察|警官|派出所|法院|检察院|官方|工作人员|快递|医保|社保|税务|运营商|移动|联通|电信"
    r"|支付宝|微信|京东|淘宝|拼多多|抖音|客户经理|专员|95[0-9]{3}"
)
_AUTHORITY = re.compile(r"公安|警察|警官|民警|派出所|刑侦|检察院|检察官|法院|法官|通缉|逮捕|拘留|拘捕|立案|涉嫌|洗钱")
_MONEY = re.compile(r"转账|汇款|资金|账户|帐户|银行卡|存款|打款|转到|转入")
_URGENCY = re.compile(
    r"(?:不要|别|不能)(?:告诉|告知|透露给?)(?:你的)?(?:家人|家里人|任何人|别人|他人|亲友|朋友|同事|父母|爸妈|爸|妈|老公|老婆|子女)|保密"
    r"|(?:不要|不能|别)挂(?:断|电话)"
    r"|(?:立即|马上|立刻)(?:处理|转账|汇款|缴纳|支付|点击|下载|操作|办理|还款|验证|认证|激活|解冻|转入|转出|登录|配合)"
    r"|[0-9]+\s*小时内|今天之内|今日内|限时|(?:若|如)?逾期(?:将|未|不|后|会)"
    rf"|否则{_SENTENCE}{{0,8}}?(?:冻结|停用|注销|起诉|逮捕|拘留|影响征信|封号|追究|作废|清零)"
)

Hit = tuple[int, str]


@dataclass(frozen=True)
class _Link:
    start: int
    text: str
    host: str
    path: str

    @property
    def is_ip(self) -> bool:
        try:
            ipaddress.ip_address(self.host.strip("[]"))
        except ValueError:
            return False
        return True

    @property
    def is_official(self) -> bool:
        return any(self.host == d or self.host.endswith("." + d) for d in OFFICIAL_DOMAINS)


def _links(s: str) -> list[_Link]:
    links = []
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
        links.append(_Link(m.start(), m.group().rstrip("."), host, m.group("path") or ""))
    return links


def _negated(s: str, start: int, end: int) -> bool:
    """True when the match sits in a warning such as “请勿提供验证码” or “没有安全账户”."""
    before = _CLAUSE_BREAK.split(s[max(0, start - 8) : start])[-1]
    return bool(_NEGATION.search(before + s[start:end]))


def _first(pattern: re.Pattern[str], s: str) -> Hit | None:
    for m in pattern.finditer(s):
        if not _negated(s, m.start(), m.end()):
            return m.start(), m.group()
    return None


def _search(pattern: re.Pattern[str], s: str) -> Hit | None:
    m = pattern.search(s)
    return (m.start(), m.group()) if m else None


def _earliest(*hits: Hit | None) -> Hit | None:
    return min((h for h in hits if h), default=None)


def _first_link(links: list[_Link], test: Callable[[_Link], bool]) -> Hit | None:
    return next(((link.start, link.text) for link in links if test(link)), None)


def _brand_host(host: str) -> bool:
    return any(b in host for b in BRANDS) or bool(SHORT_BRANDS & set(re.findall(r"[a-z]+|[0-9]+", host)))


def _lookalike(link: _Link) -> bool:
    if link.is_ip or link.is_official or not _brand_host(link.host):
        return False
    # Foreign government domains such as gov.uk or usa.gov are genuine.
    return not re.search(r"(?:^|\.)gov(?:\.[a-z]{2})?$", link.host)


def _shortened(link: _Link) -> bool:
    if any(link.host == d or link.host.endswith("." + d) for d in SHORTENERS):
        return True
    if link.is_ip or link.is_official or not _SHORT_PATH.fullmatch(link.path):
        return False
    labels = link.host.removeprefix("www.").split(".")
    if len(labels) == 3 and labels[1] in _SECOND_LEVEL:
        labels = labels[::2]
    code = link.path.strip("/")
    random_path = any(c.isdigit() for c in code) or not (code.islower() or code.isupper())
    return len(labels) == 2 and len(labels[0]) <= 3 and random_path


def _apk(s: str, links: list[_Link]) -> Hit | None:
    apk = _first_link(links, lambda link: re.split(r"[?#]", link.path)[0].lower().endswith(".apk"))
    if not any(not link.is_official for link in links):
        return apk
    # Blank out the links so "下载 <link> 客户端" reads as one phrase.
    masked = s
    for link in links:
        masked = masked[: link.start] + " " * len(link.text) + masked[link.start + len(link.text) :]
    download = _first(_DOWNLOAD, masked)
    return _earliest(apk, download and (download[0], s[download[0] : download[0] + len(download[1])]))


def _code_request(s: str, links: list[_Link]) -> Hit | None:
    return _earliest(_first(_CODE_REQUEST, s), _search(_SECRET_PLACEHOLDER, s))


def _upfront_fee(s: str, links: list[_Link]) -> Hit | None:
    return _first(_UPFRONT_FEE, s) if _PAYOUT.search(s) else None


def _international(s: str, links: list[_Link]) -> Hit | None:
    foreign = _search(_FOREIGN, s) if _LOCAL_CLAIM.search(s) else None
    return _earliest(foreign, _search(_ALWAYS_FOREIGN, s))


def _police_and_money(s: str, links: list[_Link]) -> Hit | None:
    authority, money = _first(_AUTHORITY, s), _first(_MONEY, s)
    if not (authority and money):
        return None
    (a_start, a_text), (b_start, b_text) = sorted((authority, money))
    b_end = b_start + len(b_text)
    evidence = s[a_start:b_end] if b_end - a_start <= 20 else f"{a_text}…{b_text}"
    return a_start, evidence


_DETECTORS: dict[str, Callable[[str, list[_Link]], Hit | None]] = {
    "safe_account": lambda s, links: _first(_SAFE_ACCOUNT, s),
    "code_or_password_request": _code_request,
    "screen_sharing": lambda s, links: _first(_SCREEN, s),
    "upfront_fee": _upfront_fee,
    "apk_link": _apk,
    "short_link": lambda s, links: _first_link(links, _shortened),
    "ip_link": lambda s, links: _first_link(links, lambda link: link.is_ip),
    "lookalike_domain": lambda s, links: _first_link(links, _lookalike),
    "international_prefix": _international,
    "police_and_money": _police_and_money,
    "urgency_secrecy": lambda s, links: _search(_URGENCY, s),
}


def check(text: str) -> list[RedFlag]:
    """Red flags in ``text`` (traditional or full-width input is normalized first), in order of appearance."""
    s = to_simplified(text)
    links = _links(s)
    hits = []
    for rank, (flag_id, detect) in enumerate(_DETECTORS.items()):
        hit = detect(s, links)
        if hit:
            hits.append((hit[0], rank, flag_id, hit[1]))
    return [RedFlag(flag_id, *FLAGS[flag_id], evidence) for _, _, flag_id, evidence in sorted(hits)]


def summary(flags: list[RedFlag]) -> str:
    """Chinese reply listing the flags; without flags, a reminder that no flags does not mean no risk."""
    if not flags:
        return (
            "我没有发现明显的诈骗特征，但这不代表它就没有问题。"
            "涉及转账、验证码或陌生链接时，请自己查找官方电话或官方App核实，也可以拨打96110反诈专线咨询。"
        )
    lines = [f"这条消息有{len(flags)}处可疑，请先别转账、别点链接，有疑问拨打96110："]
    lines += [f"• {flag.label}：{flag.explanation}" for flag in flags]
    return "\n".join(lines)
