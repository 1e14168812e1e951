"""Does a message say that money, a code, a card or an account was already handed over?

Deterministic and pure, so it can guard every reply whatever the classifier says:
the channels add the 110 stop-payment line when it fires and no reply named 110,
and the NLU pipeline routes such stories to `lost_money`. A clause counts only when
nothing before the verb in that clause negates it or puts it in someone else's
mouth ("还没转", "差点", "他让我转"). Besides Mandarin it reads Cantonese (转咗, 畀人呃咗),
toneless pinyin and plain English ("I already paid", "my account got drained").
"""

from __future__ import annotations

import re

from bot.text.textnorm import to_simplified

_SENTENCES = re.compile(r"[。！？!?；;\n]+")
_CLAUSES = re.compile(r"[，,、：:…~～]+|\s{2,}")

_NUMBER = r"(?:\d|[一二两三四五六七八九十几半百千万])"
_MONEY_VERB = (
    # Not 移交/提交/成交: handing over a case or a form.
    r"(?<![移提成递])(?:转账|转帐|转钱|转|汇款|汇|付款|付|支付|交|缴|充值|充|投|存|垫)"
    r"(?:了|过去|出去|过|完|进去|给(?:了|他|她|对方|骗子))"
    # "转进了核查账户", "汇到了他给的卡上".
    r"|(?:转|汇|打|存|充)(?:进|入|到)了"
    # "打了3000过去", not "打了三次" (calls).
    rf"|打(?:款|钱)(?:了|过去|给)?|打了\s*{_NUMBER}++(?!\s*[次个遍通回下])|打过去|"
    r"(?:转|汇|打)给(?:了)?(?:他|她|对方|骗子|人家)"
    rf"|刷卡(?:买|付|交)了|刷了\s*{_NUMBER}"
    # Cantonese perfective: 转咗, 畀咗.
    r"|(?:转|汇|付|交|畀|俾|过)咗"
    # A police report's wording: "通过手机银行向对方账户转账人民币32000元".
    rf"|向[^，,]{{0,12}}(?:账户|帐户|账号|卡)内?(?:转账|转帐|汇款|转入|汇入|存入|支付)(?:人民币)?\s*{_NUMBER}"
)
_LOSS = (
    r"被骗(?:了|走|去|掉)|骗(?:走|去)了|骗(?:走|去)(?:我|俺|她|他|我们)|骗了(?:我|俺|她|他|我们)"
    rf"|骗了\s*{_NUMBER}|损失(?:了|人民币)?\s*{_NUMBER}"
    r"|被(?:转走|划走|盗刷|扣走|刷走|取走)|(?:被人|畀人|俾人)?呃咗"
    r"|(?:钱|存款|余额|积蓄|工资|生活费|养老钱|卡里的?[^，,]{0,4})(?:全|都|就|也|一下子)*"
    r"(?:没了|少了|不见了|被转|空了|清零了?|被掏空)"
    rf"|余额(?:变成|只剩)|少了\s*{_NUMBER}|上当了|被坑了"
    # The money someone was cheated of, named as theirs or opening the clause: "我妈被骗的钱还能追回吗";
    # not "全国一年被骗的钱" (a statistic) nor "帮我把被骗的钱追回来" (a recovery offer).
    r"|(?:^|我|俺|我们|咱|家里|[妈爸爹娘婆公奶爷姐哥弟妹]|老人|孩子)被骗(?:走|去)?的(?:钱|存款|积蓄|养老钱)"
)
_SECRET = (
    r"(?:验证码|动态码|校验码|短信码|密码|口令|\[验证码\]|\[密码\]"
    r"|短信(?:里|上)?的(?:数字|号码|码))"
)
_TOLD = (
    r"(?:(?:告诉|给|念|说|报|发|输|填|读)(?:了|给了?|过|出|(?:他|她|对方|骗子|人家)了)"
    # Told to whoever asked: "验证码告诉客服了", "发给那个警官了"; not to the writer or the reader
    # ("告诉我了", "告诉你了吗"), nor the warning "不要告诉任何人".
    r"|(?:告诉|发给|报给|念给|读给)(?!我|俺|你|您|任何)[^，,了]{1,5}了)"
)
_ASSET = r"(?:银行卡|卡|账户|账号|帐户|帐号|U盾|u盾|电话卡|手机卡|微信号?|支付宝|身份证|存折)"
_GAVE_ASSET = r"(?:卖|租|借|给|寄|交)(?:了|给了?|出去|过去)"
# Plain English: a subject, then a verb of handing over in the past ("I already paid", "mum sent").
_EN_SUBJECT = r"(?:i|we|he|she|mum|mom|dad|my (?:mum|mom|dad|mother|father|wife|husband|son|daughter|grandma|grandpa))"
_ENGLISH = (
    rf"\b{_EN_SUBJECT}\s+(?:have\s+|has\s+|had\s+)?(?:already\s+|just\s+)?"
    r"(?:paid|sent|transferred|wired|gave|handed over|lost)\b"
    r"|\balready (?:paid|sent|transferred|wired|gave)\b"
    r"|\b(?:told|gave|read out|sent|shared)\s+(?!me\b)[^.,;]{0,30}\b(?:code|password|pin|otp)\b"
    r"|\b(?:got|been|was|were|is) (?:drained|emptied|scammed|cheated|defrauded)\b"
    r"|\blost (?:about |around |over )?[\d¥$]"
)
# Toneless pinyin: "wo zhuan le qian", "bei pian le", "beipian de qian".
_PINYIN = r"\bzhuan\s?(?:le|guo\s?qu)\b|\bbei\s?pian\s?(?:le|zou|de\s?qian)\b|\bpian\s?zou\s?le\b"
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
            # Not "还给了个卡号": a number someone gave to be paid into.
            rf"{_GAVE_ASSET}[^，,]{{0,6}}?{_ASSET}(?!号)",
            _MONEY_MOVED,
            _ENGLISH,
            _PINYIN,
        )
    )
)
# A clause that does not name what was handed over ("我念了", "我寄了") counts when its sentence names
# a secret or an asset in a clause that does not deny it ("验证码没给" names nothing).
_TOLD_ALONE = re.compile(
    r"^[^，,]{0,6}?(?:念|说|报|告诉|读|发|给)(?:了|给(?:他|她|对方|人家)了?|(?:他|她|对方|人家)了)"
)
_GAVE_ALONE = re.compile(
    r"^(?:我|俺|我们|他|她)?(?:都|已经|也|就|最后)*(?:寄|卖|借|租|交|给)(?:了|出去了?|过去了?|(?:给)?(?:他|她|对方|人家)了)$"
)
_SECRET_NAMED = re.compile(_SECRET)
_ASSET_NAMED = re.compile(_ASSET)
_DENIED = re.compile(r"没|未|不|别|冇|唔")

# Words before the verb that mean it did not (yet) happen, or that someone asked for it.
_NEGATED = re.compile(
    r"没|未|别|不要|不能|不会|不用|不想|不敢|不肯|差点|差一点|险些|幸好|好在|还好|如果|万一|要是|假如|假设"
    r"|防止|避免|以免|怎么才能|如何|冇|唔"
    r"|(?:让|叫|要|要求|逼|催|劝|骗|喊)(?:我|俺|你|您|她|他|我们|你们|他们|老人|孩子|老百姓|别人|人家|大家|群众|市民|人)"
    r"|请|准备|打算|要不要|能不能|该不该|是否|会不会|可以|不然|否则|要不是|都快|快要|就快|正要|正准备"
    # An order opening the clause: "你先把钱转过去", "您尽快把款汇到…".
    r"|^(?:你|您)们?(?:先|就|再|赶紧|赶快|马上|立即|立刻|现在|快|直接|只要|只需|尽快|今天|把)"
    # Right before the verb: "我不转了", "说要把钱转到安全账户"; an order to the reader: "你充进去就赚".
    r"|不再?$|(?:要|需要?|须|必须|应当?)$|(?:你|您)$"
)
# The same for an English or pinyin match, from the words before it in its clause.
_NEGATED_LATIN = re.compile(r"n't|\b(?:not|never|almost|nearly|if|to|should|whether|mei|bie|bu|hai\s?mei)\b")
# A caller's claim, not an event: "接到电话说他医保卡被盗刷" (the claim is the scam's opening line).
_CLAIM = re.compile(r"被(?:盗刷|冻结|扣走|划走)")
_REPORTED = re.compile(r"(?:电话|短信|消息|通知|对方|客服|骗子)(?:里|上|中)?(?:说|称|讲)|^(?:说|讲|称)")
# An anti-fraud warning line's words, not an act: "96110打来说我可能被骗了".
_WARNED = re.compile(r"(?:96110|12381|反诈)[^，,]{0,8}(?:说|称|提醒)")
# Verbs that name someone else's request or a warning, not an act: "他要我的验证码".
_NOT_AN_ACT = re.compile(r"^(?:打了?(?:电话|110|96110|120|回去|过来))")


def _clause_hits(clause: str, alone: list[re.Pattern]) -> bool:
    for match in _HANDOVER.finditer(clause):
        if _NOT_AN_ACT.match(clause[match.start() :]):
            continue
        before = clause[: match.start()]
        if (_CLAIM.match(match.group()) and _REPORTED.search(before)) or _WARNED.search(before):
            continue
        negated = _NEGATED_LATIN if match.group().isascii() else _NEGATED
        if not negated.search(before):
            return True
    for pattern in alone:
        act = pattern.search(clause)
        if act and not _NEGATED.search(clause[: act.end() - 1]):
            return True
    return False


def _named(clauses: list[str], thing: re.Pattern) -> bool:
    return any(thing.search(clause) and not _DENIED.search(clause) for clause in clauses)


def handed_over(text: str) -> bool:
    """True when the text says money, a code, a card or an account was already handed over."""
    s = to_simplified(text or "").lower()
    for sentence in _SENTENCES.split(s):
        clauses = [clause.strip() for clause in _CLAUSES.split(sentence) if clause.strip()]
        alone = [
            pattern
            for pattern, thing in ((_TOLD_ALONE, _SECRET_NAMED), (_GAVE_ALONE, _ASSET_NAMED))
            if _named(clauses, thing)
        ]
        if any(_clause_hits(clause, alone) for clause in clauses):
            return True
    return False
