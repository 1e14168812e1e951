"""The "already handed over" detector: what must fire the 110 line, and what must not."""

from __future__ import annotations

import pytest

from bot.text.handover import handed_over

HANDED_OVER = [
    "本人于今日下午通过网银向对方指定账户转账人民币15000元，后发现被骗",
    "我向他给的那张卡汇款三次，一共两万",
    "我妈刚接到电话说是公安局的，让她把钱转到安全账户，她已经转了5万了",
    "我刚给对方转了5000块，转完他就把我拉黑了",
    "钱已经转出去了，还来得及吗",
    "对方让我念验证码，我念了：[验证码]",
    "他要我的验证码，我给了他[验证码]",
    "支付密码我说了，是[密码]",
    "我已经把验证码告诉对方了",
    "被骗了两万块钱，还能找回来吗",
    "刚才共享屏幕之后，我银行卡里少了八千",
    "我爸把十几万转给了一个自称公安的人",
    "交了888的会员费后对方就不回消息了",
    "我把银行卡借给朋友了，现在被冻结了",
    "卡已经寄过去了",
    "俺娘被人骗走了三万块 咋整",
    "我打了3000过去，然后他就不回了",
    "用支付宝付了定金，卖家把我删了",
    "我上当了😭",
    "被騙了五萬塊，現在報警還來得及嗎",
    "我已经付了手续费，贷款还是没下来",
    "孩子用我手机充了两千多给游戏主播",
    "按电话里说的，我把钱存到ATM上的安全账户了",
    "我把网银U盾寄给了自称公安的人",
    "骗子骗走了我两万",
    "对方说我卡被盗刷了我就转了钱",
    "我不小心转了两千给他",
    "我不知道是骗子就转了三万过去",
    "照他说的下了个软件填了信息，然后卡里的钱就没了",
    "我舅舅按对方指引操作了一通，工资全没了",
    "那人要我短信里的数字，我告诉他了",
    "他要我把银行卡和U盾寄过去配合调查，我寄了",
    "最后把十二万转进了所谓的资金核查账户",
    "接了个电话我就转帐了",
    "外公被卖药的骗了五千",
    "本人于昨日遭遇网络诈骗，损失人民币三万元",
    "奶奶在讲座现场刷卡买了两盒保健品",
    "一觉醒来余额变成0了",
    "我畀人呃咗钱，转咗两千",
    "wo ma bei pian le",
    "wo an ta shuo de zhuan le qian",
    "I already paid the deposit and the seller blocked me",
    "my mom sent them 20k this morning",
    "My account got drained after I shared my screen",
    "lost about 5k to a fake customer service call",
    "I read out the verification code to the caller",
    # Told to whoever asked for it.
    "我把验证码告诉客服了",
    "我妈把短信验证码念给那个警官了",
    "密码报给那个人了",
    # The money a person was cheated of, as theirs.
    "俺爹被骗的钱还能要回来不",
    "被骗的钱都是找亲戚借的，我该怎么还",
    "beipian de qian neng zhao hui ma",
]

NOT_HANDED_OVER = [
    "王总让你先把钱转过去，他在开会，账号我发你",
    "您尽快把保证金汇到下面的账户",
    "我妈都快把钱转出去了，被我拦下来了",
    "对方发来一个链接，还给了个卡号",
    "需向指定账户转账5000元方可解除限制",
    "他把验证码告诉我了",
    "银行说验证码不要告诉任何人了",
    "密码告诉你了吗",
    "我没把密码告诉客服",
    "有人打电话说我涉嫌洗钱，让我转到安全账户，我还没转",
    "对方要我的验证码，我没给",
    "差点就转了，幸好我女儿拦住了",
    "他让我把钱打到一个账户上，这是不是诈骗",
    "我已经报警了",
    "我打了110，警察说会处理",
    "有人要租我的银行卡，一个月给800，靠谱吗",
    "怎么才能不被骗",
    "收到短信说我的快递丢了要理赔，还没操作",
    "如果转了钱该怎么办",
    "网上说做刷单兼职能赚钱，我该不该做",
    "尊敬的用户，您的医保卡已被冻结，请点击链接解冻",
    "请问2021年全国破获了多少电诈案件",
    "国家反诈中心App怎么下载",
    "我给他打电话他没接",
    "我按对方说的开了屏幕共享，还没转钱，现在咋办",
    "他让我把钱存到安全账户",
    "我不转了，谢谢提醒",
    "多亏你提醒，不然我就上当了",
    "要不是你提醒我就转过去了",
    "对方说要把钱转到安全账户配合调查，是真的吗",
    "我爸接到电话说他医保卡被盗刷，要他配合转钱，他还没转",
    "电信诈骗一年要骗走多少钱",
    "公安真的会让老百姓把钱转到安全账户吗",
    "有个陌生号码打了三次，回拨会不会有事",
    "陌生号码连着打了五六个未接",
    "电话里报了身份证号码，验证码没给，要紧吗",
    "差一点就把两万块转给冒充老师的人",
    "那个案子移交了多少嫌疑人",
    "宝贝，这个平台有漏洞，你充进去肯定赚",
    "电话里说是医保局的，讲她医保卡被盗刷要配合调查，我拦住了，一分钱没转",
    "他问我要银行卡号和验证码，我一个都没给",
    "他给了我一个链接，说银行卡有问题",
    "96110打来说我可能被骗了",
    "I haven't paid anything yet, is this a scam?",
    "they want me to send the code, should I?",
    "i installed the app they sent me",
    "im too ashamed to tell my family",
    "wo mei zhuan qian",
    # Cheated money that is not the writer's: a statistic, a recovery offer.
    "全国一年被骗的钱有多少",
    "有人说能帮我把被骗的钱追回来，可我从没被骗过",
    "专业团队帮你追回被骗的钱，先交定金",
]


@pytest.mark.parametrize(
    ("text", "fires"), [*((text, True) for text in HANDED_OVER), *((text, False) for text in NOT_HANDED_OVER)]
)
def test_fires_exactly_when_something_was_handed_over(text, fires):
    assert bool(handed_over(text)) is fires


async def _turn(text: str, reply: str) -> list[str]:
    """One message through the channels' shared path, with Rasa stubbed to say `reply`."""
    from rasa.core.channels.channel import CollectingOutputChannel

    from bot.rasa_server.channels.common import deliver

    async def rasa_says(message):
        await message.output_channel.send_response(message.sender_id, {"text": reply})

    out = CollectingOutputChannel()
    await deliver(rasa_says, text, out, "handover-test", "rest")
    return [m.get("text", "") for m in out.messages]


async def test_channel_adds_110_when_a_victim_gets_a_reply_without_it():
    replies = await _turn("她已经转了5万了", "好的。还有什么我可以帮您的吗？")
    assert replies[0] == "好的。还有什么我可以帮您的吗？"
    assert "110" in replies[-1] and "紧急止付" in replies[-1]


async def test_channel_adds_nothing_when_the_reply_named_110():
    replies = await _turn("她已经转了5万了", "马上打110报警，请求紧急止付。")
    assert replies == ["马上打110报警，请求紧急止付。"]


async def test_channel_adds_nothing_when_nothing_was_handed_over():
    replies = await _turn("有人让我转到安全账户，我还没转", "先别转账。")
    assert replies == ["先别转账。"]


def _parsed(text: str, intent: str, ranking: list[tuple[str, float]]):
    from rasa.shared.nlu.training_data.message import Message

    from bot.rasa_server.nlu.handover_router import HandoverRouter

    message = Message(
        {
            "text": text,
            "intent": {"name": intent, "confidence": ranking[0][1]},
            "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
        }
    )
    HandoverRouter().process([message])
    return message


def test_router_has_the_last_word_after_an_ambiguous_fallback():
    story = "我妈刚接到电话说是公安局的，让她把钱转到安全账户，她已经转了5万了"
    message = _parsed(
        story, "nlu_fallback", [("nlu_fallback", 0.45), ("suspected_scam_call", 0.5), ("lost_money", 0.5)]
    )
    assert message.get("intent") == {"name": "lost_money", "confidence": 1.0}
    assert [r["name"] for r in message.get("intent_ranking")][:2] == ["lost_money", "nlu_fallback"]


@pytest.mark.parametrize("intent", ["selling_card", "app_verification", "ask_law"])
def test_router_leaves_topics_that_deal_with_a_handover_themselves(intent):
    message = _parsed("我把银行卡借给朋友了", intent, [(intent, 0.9)])
    assert message.get("intent")["name"] == intent


def test_router_leaves_stories_where_nothing_was_handed_over():
    message = _parsed("有人让我转到安全账户，我还没转", "suspected_scam_call", [("suspected_scam_call", 0.9)])
    assert message.get("intent")["name"] == "suspected_scam_call"


@pytest.fixture(scope="module")
def question_selector(tmp_path_factory):
    """An untrained QuestionSelector: enough to see which messages it would ask its model about."""
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    from bot.rasa_server.nlu.question_selector import QuestionSelector

    return QuestionSelector(
        QuestionSelector.get_default_config(),
        LocalModelStorage(tmp_path_factory.mktemp("storage")),
        Resource("question_selector"),
        ExecutionContext(GraphSchema({}), "test"),
        all_retrieval_intents=["lost_money", "suspected_scam_call", "selling_card", "app_verification"],
    )


@pytest.mark.parametrize(
    ("text", "intent", "asked"),
    [
        ("被骗的钱多久能追回", "lost_money", True),
        ("这个app是真的吗", "app_verification", True),
        ("我已经把验证码告诉他了", "greet", True),  # the router may make it lost_money
        ("你好", "greet", False),
        ("2023年破获了多少案件", "ask_statistics", False),
        ("半小时前", "nlu_fallback", False),
    ],
)
def test_question_selector_asks_its_model_only_when_the_answer_can_be_used(question_selector, text, intent, asked):
    from rasa.shared.nlu.training_data.message import Message

    assert question_selector._may_be_asked(Message({"text": text, "intent": {"name": intent}})) is asked


def test_question_selector_passes_other_messages_through_untouched(question_selector):
    from rasa.shared.nlu.training_data.message import Message

    message = Message({"text": "你好", "intent": {"name": "greet", "confidence": 0.9}})
    assert question_selector.process([message]) == [message]  # no model is loaded: it was not asked
    assert message.get("response_selector") is None
