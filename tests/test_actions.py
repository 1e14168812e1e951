"""Every custom action against the real store, with a CollectingDispatcher and the real domain."""

from __future__ import annotations

import re

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.guidance import OFF_TOPIC_REPLIES, ActionAnswerOffTopic, ActionGiveGuidance
from actions.knowledge import ActionAnswerHotline, ActionAnswerLaw, ActionAnswerScamType
from actions.statistics import OVERVIEW_LINES, ActionAnswerStatistics, format_figures
from tests.support.trackers import tracker_for

pytestmark = pytest.mark.usefixtures("actions_repository")


@pytest.fixture(scope="session")
def domain():
    import yaml

    with open("domain.yml", encoding="utf-8") as f:
        return yaml.safe_load(f)


async def run(action, tracker, domain) -> tuple[str, list]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, domain)
    return "\n".join(m.get("text") or "" for m in dispatcher.messages), events


def slots_of(events: list) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


@pytest.mark.parametrize(
    "intent, text, expected",
    [
        ("suspected_scam_call", "有人打电话说我涉嫌洗钱", ["96110", "验证码"]),
        ("selling_card", "有人要租我的银行卡", ["帮信", "违法"]),
        ("app_verification", "这个app是真的吗", ["应用商店", "国家反诈中心"]),
    ],
)
async def test_guidance_for_core_topics(domain, repository, intent, text, expected):
    reply, _ = await run(ActionGiveGuidance(), tracker_for(text, intent), domain)
    for word in expected:
        assert word in reply
    guidance = repository.guidance(intent)
    assert reply.endswith(
        f"{guidance.intro}\n"
        + "\n".join(f"{i}. {s}" for i, s in enumerate(guidance.steps, 1))
        + f"\n{guidance.closing}"
    ), "the topic's own steps, numbered, last"


async def test_suspicious_call_names_the_scam_type(domain):
    text = "有个自称公安局的打电话，说我涉嫌洗钱，要我把钱转到安全账户"
    reply, _ = await run(ActionGiveGuidance(), tracker_for(text, "suspected_scam_call"), domain)
    assert "冒充公检法" in reply


async def test_guidance_never_asks_for_secrets(domain):
    for intent in ("lost_money", "suspected_scam_call", "selling_card", "app_verification"):
        reply, _ = await run(ActionGiveGuidance(), tracker_for("/" + intent, intent), domain)
        assert not re.search(r"(告诉|发给|提供)我.{0,6}(卡号|密码|验证码)", reply)


async def test_statistics_follow_ups_keep_context(domain, repository):
    action = ActionAnswerStatistics()
    cases_2021 = {f.value + f.unit for f in repository.figures("cases_solved", 2021)}
    reply, events = await run(action, tracker_for("2021年破获了多少案件", "ask_statistics", {"year": "2021"}), domain)
    assert cases_2021 and all(v in reply for v in cases_2021)
    assert "来源：" in reply
    context = slots_of(events)
    assert context == {"stat_metric": "cases_solved", "stat_year": "2021"}

    reply, events = await run(action, tracker_for("那抓了多少人", "ask_statistics", slots=context), domain)
    suspects_2021 = {f.value + f.unit for f in repository.figures("suspects_arrested", 2021)}
    assert suspects_2021 and all(v in reply for v in suspects_2021)
    context = slots_of(events)
    assert context == {"stat_metric": "suspects_arrested", "stat_year": "2021"}

    reply, events = await run(
        action, tracker_for("2020年呢", "ask_statistics", {"year": "2020"}, slots=context), domain
    )
    suspects_2020 = {f.value + f.unit for f in repository.figures("suspects_arrested", 2020)}
    assert suspects_2020 and all(v in reply for v in suspects_2020)
    assert "36.1万名" in reply
    assert slots_of(events) == {"stat_metric": "suspects_arrested", "stat_year": "2020"}


async def test_statistics_for_a_year_without_data_says_so(domain):
    reply, _ = await run(
        ActionAnswerStatistics(),
        tracker_for("2019年破获了多少案件", "ask_statistics", {"year": "2019"}),
        domain,
    )
    assert "没有2019年" in reply


async def test_statistics_for_an_unknown_figure_says_so(domain):
    reply, events = await run(ActionAnswerStatistics(), tracker_for("骗子的平均年龄是多少", "ask_statistics"), domain)
    assert "没有这个数字" in reply
    assert events == []


@pytest.mark.parametrize(
    "text, entities",
    [
        ("2021年破获了多少案件", {"year": "2021"}),
        ("2020年止付冻结了多少钱", {"year": "2020"}),
        ("拦截了多少诈骗电话", {}),
        ("2023年的数据", {"year": "2023"}),
        ("反诈工作成效怎么样", {}),
    ],
)
async def test_every_stated_figure_is_in_the_store_with_its_source(domain, repository, text, entities):
    reply, _ = await run(ActionAnswerStatistics(), tracker_for(text, "ask_statistics", entities), domain)
    stated = {f.value + f.unit: f for f in repository.figures()}
    lines = [line for line in reply.splitlines() if line.startswith("• ")]
    assert lines
    for line in lines:
        assert any(figure in line for figure in stated), line
        assert "来源：" in line and re.search(r"\d{4}-\d{2}-\d{2}", line)


def distinct(figures) -> list[tuple]:
    """What the reply shows one line for: a figure printed by two sources is one line."""
    return list(dict.fromkeys((f.period, f.scope, f.subject, f.value, f.unit) for f in figures))


@pytest.mark.parametrize(
    "text, entities, selection",
    [
        ("反诈工作成效怎么样", {}, {"scope": "全国"}),
        ("2023年的数据", {"year": "2023"}, {"year": 2023}),
        ("2021年的数据", {"year": "2021"}, {"year": 2021}),
        ("止付冻结了多少钱", {}, {"metric": "funds_stopped"}),
        ("同比上升了多少", {}, {"metric": "yoy_change"}),
        ("立案数下降了吗", {}, {"metric": "cases_filed"}),
    ],
)
async def test_statistics_show_every_figure_or_how_many_more(domain, repository, text, entities, selection):
    reply, _ = await run(ActionAnswerStatistics(), tracker_for(text, "ask_statistics", entities), domain)
    expected = distinct(repository.figures(**selection))
    shown = [line for line in reply.splitlines() if line.startswith("• ")]
    more = re.search(r"还有(\d+)条没列出，可以接着问我", reply)
    assert len(shown) + (int(more.group(1)) if more else 0) == len(expected)
    if "metric" in selection:
        assert not more, "one metric's figures are shown in full"
        for *_, value, unit in expected:
            assert value + unit in reply


@pytest.mark.parametrize(
    "text, figures",
    [
        ("止付冻结了多少钱", ["148亿元"]),
        ("同比上升了多少", ["76.6%", "17.6%", "5.6%"]),
        ("立案数下降了吗", ["30多起", "10多起"]),
    ],
)
async def test_statistics_no_longer_drop_figures(domain, text, figures):
    reply, _ = await run(ActionAnswerStatistics(), tracker_for(text, "ask_statistics"), domain)
    for figure in figures:
        assert figure in reply


def test_an_overview_never_parts_the_figures_of_one_quote(repository):
    """Cut right after 嘉兴's 30多起 (before), its 10多起 (after) still follows."""
    figures = repository.figures("cases_filed") + repository.figures("yoy_change")
    before = next(i for i, key in enumerate(distinct(figures)) if key[3] == "30多")
    text = format_figures(figures, limit=before + 1)
    assert "30多起" in text and "10多起" in text
    shown = sum(line.startswith("• ") for line in text.splitlines())
    assert f"还有{len(distinct(figures)) - shown}条没列出" in text


def test_a_note_on_figures_is_said_once(repository):
    figures = repository.figures("calls_blocked", 2021) + repository.figures("sms_blocked", 2021)
    text = format_figures(figures)
    assert text.count("注：") == 1 and "19.5亿次" in text and "21.4亿条" in text


@pytest.mark.parametrize(
    "text, entities",
    [
        ("拦截了多少钱", {}),
        ("2023年拦截了多少钱", {"year": "2023"}),
        ("见面劝阻了多少人", {}),
        ("2023年的数据", {"year": "2023"}),
    ],
)
async def test_figures_without_period_or_scope_are_not_called_national_2023(domain, text, entities):
    reply, _ = await run(ActionAnswerStatistics(), tracker_for(text, "ask_statistics", entities), domain)
    for line in reply.splitlines():
        if "3288亿" in line or "1389万" in line:
            assert "2023年" not in line and "全国" not in line, line
            assert "未说明" in line


def test_overview_is_short(repository):
    text = format_figures(repository.figures(scope="全国"), OVERVIEW_LINES, {})
    assert sum(line.startswith("• ") for line in text.splitlines()) <= OVERVIEW_LINES + 2


async def test_hotlines_never_present_12381_as_a_number_to_call(domain):
    reply, _ = await run(ActionAnswerHotline(), tracker_for("反诈电话是多少", "ask_hotline"), domain)
    assert "110" in reply and "96110" in reply
    assert not re.search(r"(拨打|打|call|回拨)\s*12381", reply)


async def test_hotline_asked_about_by_number(domain):
    reply, _ = await run(ActionAnswerHotline(), tracker_for("12381发短信给我是怎么回事", "ask_hotline"), domain)
    assert reply.startswith("12381")
    assert "短信" in reply


async def test_hotline_asked_about_by_bank_name(domain):
    """中国银行 is not every bank: 工商银行 gets 95588 alone."""
    reply, _ = await run(ActionAnswerHotline(), tracker_for("工商银行电话多少", "ask_hotline"), domain)
    assert reply.startswith("95588") and "95566" not in reply


async def test_law_answer_cites_its_source(domain):
    reply, _ = await run(ActionAnswerLaw(), tracker_for("反诈法什么时候施行的", "ask_law"), domain)
    first = reply.splitlines()[0]
    assert "2022年12月1日起施行" in first
    assert first.endswith("（来源：新华社，2023-12-25）")


@pytest.mark.parametrize("text", ["帮信罪判几年", "帮信罪会坐牢吗", "出租银行卡判几年"])
async def test_penalty_question_is_answered_with_the_statute_first(domain, text):
    reply, _ = await run(ActionAnswerLaw(), tracker_for(text, "ask_law"), domain)
    first = reply.splitlines()[0]
    assert first.startswith("• 帮信罪") and "三年以下有期徒刑或者拘役，并处或者单处罚金" in first
    assert first.endswith("（依据：《中华人民共和国刑法》第二百八十七条之二）")
    assert "惩戒期限为3年" not in reply


async def test_scam_type_explained(domain, repository):
    reply, _ = await run(ActionAnswerScamType(), tracker_for("什么是杀猪盘", "ask_scam_type"), domain)
    (named,) = [t for t in repository.scam_types() if "杀猪盘" in t.aliases]
    assert reply.startswith(f"【{named.name}】\n常见特征：\n• {named.signs[0]}")
    assert f"• {named.advice[0]}" in reply


async def test_scam_type_unknown_lists_the_common_ones(domain, repository):
    reply, _ = await run(ActionAnswerScamType(), tracker_for("有哪些骗局", "ask_scam_type"), domain)
    assert all(t.name in reply for t in repository.scam_types())


async def test_pasted_sms_gets_its_family_the_signs_found_and_the_full_steps_on_offer(domain, repository):
    sms = "【XX银行】您的账户存在异常，请点击 http://193.112.4.7/app.apk 下载安全控件并输入验证码"
    dispatcher = CollectingDispatcher()
    await ActionGiveGuidance().run(dispatcher, tracker_for(sms, "suspected_scam_call"), domain)
    analysis, offer = dispatcher.messages
    assert analysis["text"].startswith("这条消息像【钓鱼短信/链接】")
    assert "要求安装App「http://193.112.4.7/app.apk」" in analysis["text"]
    assert "索要验证码或密码「输入验证码」" in analysis["text"]
    assert "该怎么做" in analysis["text"]
    assert repository.guidance("suspected_scam_call").steps[0] not in analysis["text"]
    assert [b["payload"] for b in offer["buttons"]] == ["/suspected_scam_call"]


async def test_own_story_with_a_known_family_still_gets_the_steps(domain, repository):
    story = "有个自称公安局的打电话，说我涉嫌洗钱，要我把钱转到安全账户"
    reply, _ = await run(ActionGiveGuidance(), tracker_for(story, "suspected_scam_call"), domain)
    assert "冒充公检法" in reply
    assert repository.guidance("suspected_scam_call").steps[0] in reply


async def test_own_story_names_its_scam_type_and_the_signs_in_it(domain, repository):
    story = "刚才有人自称快递客服打电话，说要给我理赔，让我下载一个会议软件共享屏幕，这是骗子吗"
    reply, _ = await run(ActionGiveGuidance(), tracker_for(story, "suspected_scam_call"), domain)
    assert "这很像这类骗局：【冒充电商/物流客服】" in reply
    assert "我没认出" not in reply
    assert "屏幕共享或远程控制「" in reply  # the sign found in the story, with its snippet
    assert reply.endswith(repository.guidance("suspected_scam_call").closing)


@pytest.mark.parametrize(
    "message, family",
    [("明天早上到我办公室来一趟", "冒充领导/老板"), ("我已变更号码，请及时更新", "冒充熟人/换号借钱")],
)
async def test_forwarded_message_without_a_link_gets_its_family(domain, message, family):
    reply, _ = await run(ActionGiveGuidance(), tracker_for(message, "suspected_scam_call"), domain)
    assert f"这条消息像【{family}】" in reply and "我没在这条消息里找到" not in reply


@pytest.mark.parametrize("intent", ["out_of_scope", "bot_challenge", "greet", "nlu_fallback"])
async def test_off_topic_to_the_model_but_a_known_scam_message_gets_its_analysis(domain, intent):
    dispatcher = CollectingDispatcher()
    await ActionAnswerOffTopic().run(dispatcher, tracker_for("明天早上到我办公室来一趟，有事找你。", intent), domain)
    analysis, offer = dispatcher.messages
    assert "这条消息像【冒充领导/老板】" in analysis["text"]
    assert offer["buttons"] == [{"title": "接到可疑电话/短信的完整应对步骤", "payload": "/suspected_scam_call"}]


@pytest.mark.parametrize("text", ["你能帮我叫份外卖吗", "今天天气怎么样", "你是机器人吗", "1+1等于几", ""])
@pytest.mark.parametrize(
    ("intent", "response"),
    [
        ("out_of_scope", "utter_out_of_scope"),
        ("bot_challenge", "utter_iamabot"),
        ("greet", "utter_greet"),
        ("nlu_fallback", "utter_default"),
    ],
)
async def test_no_scam_family_gets_the_off_topic_or_ask_again_reply(domain, text, intent, response):
    dispatcher = CollectingDispatcher()
    await ActionAnswerOffTopic().run(dispatcher, tracker_for(text, intent), domain)
    assert [m["response"] for m in dispatcher.messages] == [response]


@pytest.mark.parametrize(
    ("text", "intent", "statute"),
    [
        ("帮信罪一般判几年啊", "nlu_fallback", True),  # a tie between the law and the card topics
        ("卖卡的帮信罪会坐牢吗", "nlu_fallback", True),
        ("帮信罪一般判几年啊", "out_of_scope", False),  # the classifier was sure: not a question for the store
        ("帮信罪这个词我听说过", "nlu_fallback", False),  # the topic's words, but no question it answers
    ],
)
async def test_an_unclear_question_the_store_answers_exactly_gets_that_answer(domain, text, intent, statute):
    dispatcher = CollectingDispatcher()
    await ActionAnswerOffTopic().run(dispatcher, tracker_for(text, intent), domain)
    said = [m.get("text") or m.get("response") for m in dispatcher.messages]
    if statute:
        assert len(said) == 1 and "三年以下有期徒刑或者拘役" in said[0] and "第二百八十七条之二" in said[0]
    else:
        assert said == [OFF_TOPIC_REPLIES.get(intent, "utter_default")]


POLICE_SMS = "我是市公安局刑侦支队的张警官，你的身份证涉嫌一起洗钱案，需要把资金转入安全账户配合资金清查，此案保密。"


@pytest.mark.parametrize(("confidence", "answered"), [(0.35, False), (0.6, True)])
async def test_a_pasted_scam_message_gets_its_analysis_unless_a_question_is_clear(
    domain, repository, confidence, answered
):
    key = "suspected_scam_call/verify_police"
    tracker = tracker_for(POLICE_SMS, "suspected_scam_call", question=(key, confidence))
    reply, _ = await run(ActionGiveGuidance(), tracker, domain)
    assert reply.startswith(repository.question(key).answer[0]) is answered
    assert ("这条消息像【冒充公检法】" in reply) is not answered


async def test_a_specific_question_is_answered_before_the_steps_are_offered(domain, repository):
    key = "selling_card/penalty"
    tracker = tracker_for("帮信罪判几年", "selling_card", question=(key, 0.9))
    dispatcher = CollectingDispatcher()
    await ActionGiveGuidance().run(dispatcher, tracker, domain)
    first, offer = dispatcher.messages
    assert first["text"].startswith(repository.question(key).answer[0])
    assert "三年以下有期徒刑或者拘役" in first["text"] and "第二百八十七条之二" in first["text"]
    assert offer["buttons"] == [{"title": "有人要买/租卡的完整应对步骤", "payload": "/selling_card"}]


async def test_pasted_message_without_flags_is_never_called_safe(domain):
    text = "您好，您的快递已到小区驿站，请凭取件码到驿站领取，营业时间早8点到晚9点，如有问题请联系驿站。谢谢配合，祝您生活愉快。"
    reply, _ = await run(ActionGiveGuidance(), tracker_for(text, "suspected_scam_call"), domain)
    assert "96110" in reply
    assert "是安全的" not in reply and "很安全" not in reply
