"""Does a message say that money, a code, a card or an account was already handed over?

Deterministic and pure, so it can guard every reply whatever the classifier says:
the channels add the 110 stop-payment line when it fires and no reply named 110,
and the NLU pipeline routes such stories to `lost_money`. A clause counts only when
nothing before the verb in that clause negates it or puts it in someone else's
mouth ("还没转", "差点", "他让我转").
"""

from __future__ import annotations

import re

from bot.text.textnorm import to_simplified

_SENTENCES = re.compile(r"[。！？!?；;\n]+")
_CLAUSES = re.compile(r"[，,、：:…~～]+|\s{2,}")

_NUMBER = r"(?:\d|[一二两三四五六七八九十几半百千万])"
_MONEY_VERB = (
    r"(?:转账|转钱|转|汇款|汇|付款|付|支付|交|缴|充值|充|投|存|垫)"
    r"(?:了|过去|出去|过|完|进去|给(?:了|他|她|对方|骗子))"
    rf"|打(?:款|钱)(?:了|过去|给)?|打了\s*{_NUMBER}|打过去|"
    r"(?:转|汇|打)给(?:了)?(?:他|她|对方|骗子|人家)"
)
_LOSS = (
    r"被骗(?:了|走|去|掉)|骗(?:走|去)了|骗(?:走|去)(?:我|俺|她|他|我们)|骗了(?:我|俺|她|他|我们)"
    r"|被(?:转走|划走|盗刷|扣走|刷走|取走)"
    rf"|(?:钱|存款|余额|积蓄)(?:全)?(?:没了|少了|不见了|被转)|少了\s*{_NUMBER}|上当了|被坑了"
)
_SECRET = r"(?:验证码|动态码|校验码|短信码|密码|口令|\[验证码\]|\[密码\])"
_TOLD = r"(?:告诉|给|念|说|报|发|输|填|读)(?:了|给了?|过|出|(?:他|她|对方|骗子|人家)了)"
_ASSET = r"(?:银行卡|卡|账户|账号|帐户|帐号|U盾|u盾|电话卡|手机卡|微信号?|支付宝|身份证)"
_GAVE_ASSET = r"(?:卖|租|借|给|寄|交)(?:了|给了?|出去|过去)"
# "我把钱存到ATM上的安全账户了": the money itself moved into someone else's hands.
_MONEY_MOVED = r"把(?:钱|存款|积蓄|养老钱|现金|[^，,]{0,4}万块?)[^，,]{0,6}?(?:转|汇|存|打|交|给|放)(?:到|进|入|给)"

_HANDOVER = re.compile(
    "|".join(
        (
            _MONEY_VERB,
            _LOSS,
            rf"{_SECRET}[^，,]{{0,10}}?{_TOLD}",
            rf"{_TOLD}[^，,]{{0,6}}?{_SECRET}",
            rf"{_ASSET}[^，,]{{0,8}}?{_GAVE_ASSET}",
            rf"{_GAVE_ASSET}[^，,]{{0,6}}?{_ASSET}",
            _MONEY_MOVED,
        )
    )
)
# A told-it clause without the secret named ("我念了") counts when its sentence names the secret.
_TOLD_ALONE = re.compile(r"^[^，,]{0,6}?(?:念|说|报|告诉|读|发|给)(?:了|给他了?|给她了?|给对方了?)")
_SECRET_IN_SENTENCE = re.compile(_SECRET)

# Words before the verb that mean it did not (yet) happen, or that someone asked for it.
_NEGATED = re.compile(
    r"没|未|别|不要|不能|不会|不用|不想|不敢|不肯|差点|幸好|好在|还好|如果|万一|要是|假如|假设|防止|避免|以免|怎么才能|如何"
    r"|(?:让|叫|要|要求|逼|催|劝|骗|喊)(?:我|俺|你|您|她|他|我们|你们|他们|老人|孩子)"
    r"|请|准备|打算|要不要|能不能|该不该|是否|会不会|可以|不然|否则|要不是"
    # Right before the verb: "我不转了", "说要把钱转到安全账户".
    r"|不再?$|要$"
)
# A caller's claim, not an event: "接到电话说他医保卡被盗刷" (the claim is the scam's opening line).
_CLAIM = re.compile(r"被(?:盗刷|冻结|扣走|划走)")
_REPORTED = re.compile(r"(?:电话|短信|消息|通知|对方|客服|骗子)(?:里|上|中)?(?:说|称|讲)")
# Verbs that name someone else's request or a warning, not an act: "他要我的验证码".
_NOT_AN_ACT = re.compile(r"^(?:打了?(?:电话|110|96110|120|回去|过来))")


def _clause_hits(clause: str, sentence_names_secret: bool) -> bool:
    for match in _HANDOVER.finditer(clause):
        if _NOT_AN_ACT.match(clause[match.start() :]):
            continue
        before = clause[: match.start()]
        if _CLAIM.match(match.group()) and _REPORTED.search(before):
            continue
        if not _NEGATED.search(before):
            return True
    if sentence_names_secret:
        told = _TOLD_ALONE.search(clause)
        if told and not _NEGATED.search(clause[: told.end() - 1]):
            return True
    return False


def handed_over(text: str) -> bool:
    """True when the text says money, a code, a card or an account was already handed over."""
    s = to_simplified(text or "")
    for sentence in _SENTENCES.split(s):
        names_secret = bool(_SECRET_IN_SENTENCE.search(sentence))
        for clause in _CLAUSES.split(sentence):
            clause = clause.strip()
            if clause and _clause_hits(clause, names_secret):
                return True
    return False
