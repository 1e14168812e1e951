"""Forwarded-message analysis: family, the signs found in the message, and what to do."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opencc import OpenCC

from bot import settings as bot_settings
from bot.knowledge.loader import read_file
from bot.knowledge.models import GenericSign, ScamType
from bot.text import redflags
from bot.text.message_check import (
    GENERAL_RULE,
    MATCH_WEIGHT,
    WITHIN,
    analyze,
    format_analysis,
    looks_forwarded,
)
from tests.test_scam_types import STORIES, UNRELATED

FAMILIES = read_file(bot_settings.KNOWLEDGE_DIR / "scam_types.yml", ScamType)
SIGNS = tuple(read_file(bot_settings.KNOWLEDGE_DIR / "message_signs.yml", GenericSign))
BY_ID = {f.id: f for f in FAMILIES}
LINK_SIGNS = {"short_link", "ip_link", "lookalike_domain", "unofficial_link"}

# family: {message: the sign ids, space-separated, that must be among the signs found}
SCAMS_BY_FAMILY = {
    "impersonate_police": {
        "我是市公安局刑侦支队的张警官，你的身份证涉嫌一起洗钱案，需要把资金转入安全账户配合资金清查，此案保密，不要告诉家人。": "claims_police accused_of_crime safe_account urgency_secrecy police_and_money",
        "这里是北京市朝阳区人民检察院，你名下的银行卡涉嫌非法集资，现已对你发出通缉令，请立即添加办案民警QQ配合视频笔录。": "claims_police accused_of_crime remote_investigation",
        "您好，我是网警，您的微信账号涉嫌违法，请下载会议软件开启屏幕共享，配合我们调查。": "claims_police accused_of_crime screen_sharing",
        "我是警察，你的帳戶涉嫌洗錢，請把資金轉到安全帳戶，不要告訴家人": "claims_police safe_account urgency_secrecy",
    },
    "impersonate_shop_service": {
        "您好，我是淘宝售后客服，您购买的面霜检测出甲醛超标，我们要给您办理三倍赔偿，请添加客服QQ 2857xxxx 办理理赔。": "claims_shop_service parcel_compensation move_off_platform",
        "【中通快递】您的包裹在运输中丢失，我们将为您理赔300元，请扫码添加理赔专员企业微信办理。": "parcel_compensation move_off_platform",
        "您的芝麻信用分不足，无法原路退款，需要您先从备用金里借出5000元验证流水。": "borrow_to_refund",
        "我是京东客服，您的白条利率过高需要降低，请下载会议软件开启屏幕共享。": "claims_shop_service screen_sharing",
    },
    "cancel_service_fee": {
        "您好，我是支付宝客服，您之前开通了百万保障服务，下个月起每月自动扣费800元，如不关闭将影响个人征信。": "million_coverage deduction_threat",
        "【抖音】您的直播会员即将到期，将自动续费2000元/年，如需取消请致电客服 400-8123-456。": "unwanted_subscription deduction_threat",
    },
    "task_rebate": {
        "兼职招聘：在家动动手指，给抖音视频点赞就能赚佣金，一单3元，日结，多劳多得，加微信xxx。": "paid_for_clicks easy_daily_income",
        "恭喜完成前三单任务，第四单为联单任务，需先垫付2000元，完成后返还本金和30%佣金。": "advance_for_rebate upfront_fee",
    },
    "fake_investment": {
        "欢迎加入牛股VIP群，张老师每天带单，内部消息稳赚不赔，下载“鑫盛投资”APP开户入金即送888元。": "insider_tips guaranteed_profit their_platform",
        "张老师今天推荐的牛股又涨停了，想进内部群跟单的私聊我。": "insider_tips their_platform",
    },
    "crypto_investment": {
        "USDT量化交易项目，日收益3%，躺赚，先在交易所买U转到我给的钱包地址就行。": "crypto_asset crypto_returns buy_coins",
        "加入我们的比特币挖矿项目，买一台矿机日收益2%，三个月回本。": "crypto_asset crypto_returns",
    },
    "romance_scam": {
        "亲爱的，我发现这个平台有个漏洞，后台数据我都看到了，你先充5000试试，稳赚，我们的未来就靠它了。": "sweet_talk_money platform_loophole future_together",
        "宝贝，这个博彩平台我有内部数据，你下注多少都能赢，我们结婚的钱就靠它了。": "sweet_talk_money platform_loophole",
    },
    "lottery_gambling": {
        "内部时时彩计划，导师带单，百分百中，今晚已经回血的兄弟扣1，充值下注找我。": "gambling_plan sure_win",
        "带你玩幸运飞艇，跟着计划倍投，稳赢不亏，充值100起。": "gambling_plan sure_win",
    },
    "fake_loan": {
        "【XX金融】您申请的贷款额度20万已审批通过，无抵押，不看征信，请下载APP完成放款：http://dk-vip.cc/app": "loan_approved easy_loan apk_link",
        "您的借款审批已通过，但因您填写的银行卡号有误，资金已被冻结，需缴纳解冻金3000元才能放款。": "loan_approved frozen_for_error upfront_fee",
        "贷款已批，放款前需要刷流水证明还款能力，请先往指定账户转入5000元验资。": "loan_approved frozen_for_error upfront_fee",
        "您的貸款已審批通過，請先繳納保證金才能放款": "loan_approved upfront_fee",
    },
    "credit_card_limit": {
        "代办大额信用卡，无视征信，黑户也能下卡，额度5-20万，下卡前收取2000元包装费。": "card_service_offer card_fee_first",
        "您的信用卡提额申请已通过，请下载 https://dwz.cn/Ab3x 客户端激活额度，需缴纳激活费299元": "card_service_offer card_fee_first short_link apk_link upfront_fee",
    },
    "impersonate_acquaintance": {
        "爸，我换号了，这是我的新号码，旧号不用了，存一下哈。": "new_number",
        "我已变更号码，请及时更新。": "new_number",
        "爸，我换号了，新号码[手机号]，旧号不用了，有事打这个。": "new_number",
        "在吗？我是你表哥，手机坏了换了个新微信，最近手头紧，能不能先借我5000块，明天就还。": "new_number avoids_calls urgent_loan",
        "猜猜我是谁？听不出我的声音了？我是你老同学啊，我现在有点急事，急需2万周转一下。": "guess_who urgent_loan",
    },
    "impersonate_leader": {
        "我是你张总，明天上午来我办公室一趟。": "claims_boss office_summons",
        "我在开会不方便接电话，你先帮我转30万给这个客户账户，回头财务给你报。": "busy_in_meeting pay_on_behalf",
    },
    "family_emergency": {
        "你儿子在学校打架把人打伤了，现在在派出所，需要马上交5万保释金，不然要拘留。": "relative_in_trouble emergency_money",
        "妈，我出车祸了，撞了人，对方要私了，急需3万医药费，你先别告诉爸。": "relative_in_trouble emergency_money urgency_secrecy",
    },
    "fake_teacher_fee": {
        "各位家长好，我是三年级二班班主任，本学期资料费每人280元，请扫描群里的二维码缴费，今天之内交齐。": "claims_teacher class_fee private_collect urgency_secrecy",
        "家长您好，我是王老师，下学期教材费每人350元，加我微信私聊缴费。": "claims_teacher class_fee private_collect",
    },
    "game_trading": {
        "免费领王者荣耀限定皮肤！加我QQ，用你爸爸的手机扫码就能领。": "free_skins parent_phone_pay",
        "你的账号交易失败，资金已被冻结，需要缴纳500元保证金才能解冻，请到交易平台操作。": "game_trade_trouble upfront_fee",
        "高价收王者荣耀账号，加我QQ，到交易平台交易，先交200保证金。": "free_skins game_trade_trouble",
    },
    "credit_repair": {
        "您好，我是京东金融客服，您在学生时期开通的京东金条需要注销，否则会影响个人征信。": "cancel_student_loan credit_threat",
        "专业征信修复，逾期记录、不良记录全部消除，三天见效，收费5000元。": "fix_credit",
    },
    "fake_prize": {
        "恭喜您被《奔跑吧》节目组抽中为场外幸运观众，获得二等奖奖金8万元及苹果电脑一台，领奖需先缴纳个人所得税1600元。": "you_won tv_show pay_to_claim upfront_fee",
        "恭喜您获得我司周年庆一等奖，奖品为华为手机一部，需先支付88元邮费即可领取。": "you_won pay_to_claim",
    },
    "tax_refund_subsidy": {
        "【国家税务总局】您有一笔个税退税2356元待领取，请于3日内登录 http://www.etax-gov.top 填写银行卡信息办理。": "refund_waiting claim_by_link lookalike_domain",
        "您好，这里是人社局，您有一笔育儿补贴3600元未领取，请提供银行卡号和收到的验证码，我们为您办理发放。": "refund_waiting claims_government code_or_password_request",
    },
    "social_insurance": {
        "【医保局】您的医保卡因违规套现已被冻结，如非本人操作请联系专员办理解冻，否则将转接公安机关处理。": "card_trouble reactivate_online police_transfer",
        "【社保中心】您的社保卡已停用，请点击 https://t.cn/A6xk2Pq 重新认证激活。": "card_trouble reactivate_online short_link",
    },
    "etc_vehicle": {
        "【ETC服务】您的ETC认证已失效，为避免影响通行，请点击 http://etc-rz.cn 重新认证。": "etc_trouble reauth_request unofficial_link",
        "尊敬的车主，您的ETC已被禁用，请致电4008123456联系客服重新认证，逾期将无法使用。": "etc_trouble reauth_request urgency_secrecy",
        "【交管12123】您有一条交通违法未处理，请访问 12123-wz.cc 查询处理，逾期将影响年审。": "etc_trouble reauth_request unofficial_link",
    },
    "points_redeem": {
        "【中国移动】尊敬的客户，您的积分即将清零，可兑换168元现金红包，请点击 http://10086-jf.cn 领取。": "points_expiring click_to_redeem lookalike_domain",
        "您的信用卡积分2万分即将过期，回复本短信您的卡号和有效期即可兑换现金。": "points_expiring click_to_redeem",
    },
    "impersonate_carrier": {
        "【中国联通】您的手机号实名认证异常，将于24小时内停机，请点击 http://lt-smrz.com 重新认证。": "sim_suspension unofficial_link urgency_secrecy",
        "您好，这里是中国电信，您的号码因涉嫌发送诈骗短信即将被停机，按9转人工服务。": "claims_carrier sim_suspension press_key",
    },
    "bank_card_frozen": {
        "【工商银行】尊敬的客户，您的手机银行将于今日停用，请立即登录 www.icbc-security.com 重新认证，否则账户将被冻结。": "account_alarm bank_reauth lookalike_domain urgency_secrecy",
        "【建设银行】您的U盾证书已过期，请下载最新安全控件完成升级，否则将无法使用网银。": "account_alarm bank_reauth",
    },
    "phishing_link": {
        "您的快递因地址信息有误无法派送，请点击 http://kd-bz.top/x 完善收货信息，并输入银行卡号验证身份。": "link_asks_info alert_with_link unofficial_link",
        "【XX银行】您的账户存在异常，请点击 http://193.112.4.7/app.apk 下载安全控件并输入验证码": "alert_with_link ip_link apk_link code_or_password_request",
        "您的身份信息已过期，请登录 www.gjzw-rz.com 完善个人信息，逾期将影响使用。": "link_asks_info alert_with_link unofficial_link",
    },
    "ai_deepfake": {
        "刚才视频你也看到是我了，这边信号不好先挂了，你赶紧把钱转到我发你的账户上。": "video_as_proof cut_short_call",
        "我是你舅舅，刚刚跟你视频过了你也确认是我本人了，网络不好先挂了，先借我3万应急。": "video_as_proof cut_short_call",
    },
    "fake_shopping": {
        "全新iPhone15内部价只要3999，不走平台，加我微信直接转账，当天发货。": "too_cheap off_platform_payment",
        "你在闲鱼拍不了的话我发你一个担保交易链接，付款后平台会冻结资金，确认收货再放款。": "fake_escrow",
    },
    "flight_change": {
        "【东方航空】尊敬的旅客，您预订的MU5123航班因机械故障已取消，请致电4008-123-456办理改签，每人可获300元补偿。": "flight_cancelled compensation_offer unofficial_contact",
        "尊敬的旅客，您购买的明天上午的高铁车次已停运，可办理退票并获得200元补偿，请联系专员 13912345678 办理。": "flight_cancelled compensation_offer unofficial_contact",
    },
    "fake_job": {
        "招聘打字员，在家就能做，月入过万，入职前需缴纳300元培训费和200元服装费。": "too_good_pay job_fee",
        "柬埔寨高薪招聘客服，月薪2万起，包机票包吃住，无需经验。": "overseas_job too_good_pay",
    },
    "card_renting": {
        "高价收购银行卡、电话卡，一张800元，只是帮忙走账，不会出事。": "buy_accounts money_mule",
        "兄弟，借你的银行卡用几天走个流水，一天给你500好处费，没风险。": "money_mule easy_commission",
    },
    "sextortion": {
        "你的裸聊视频我已经录下来了，你的通讯录我们也都有，不想身败名裂就转5000，转了就删视频。": "expose_threat lure_video_chat pay_to_delete",
        "加我好友下载这个聊天软件，我们视频裸聊，美女在线。": "lure_video_chat",
    },
    "elderly_health": {
        "社区健康讲座，免费送鸡蛋，专家现场讲解，我们的磁疗仪器能根治高血压，可以停药。": "free_gift_lure miracle_cure",
        "投资养老公寓床位，年化收益15%，到期还本，还送免费体检。": "elder_investment free_gift_lure",
    },
}
SCAMS = [
    (message, family, set(signs.split()))
    for family, cases in SCAMS_BY_FAMILY.items()
    for message, signs in cases.items()
]

BENIGN = [
    "【菜鸟驿站】您的包裹已到站，取件码 3-2-1045，请凭码到小区东门驿站领取。",
    "【菜鸟驿站】您的包裹已到站，凭取件码 5-2-3011 到驿站领取，电话 [手机号]",
    "【中国工商银行】您尾号1234的卡于10月1日14:20支出人民币500.00元，余额3,000.00元。如非本人操作，请致电95588。",
    "【招商银行】验证码：382910，您正在进行转账操作，请勿将验证码告诉他人。",
    "【招商银行】验证码：[验证码]，您正在进行转账操作，请勿将验证码告诉他人。",
    "【中国银行】尊敬的客户，您的账户今日登录异常，请联系官方客服95566核实。",
    "【建设银行】您的信用卡本期账单2356.00元，最后还款日10月25日，请按时还款。",
    "【顺丰速运】您的快件已由快递员张师傅派送，如有疑问请致电95338。",
    "【京东】您的订单已签收，如有问题请访问 https://www.jd.com 联系客服",
    "【工商银行】工行官网 https://www.icbc.com.cn ，请认准官方网址，谨防诈骗。",
    "【中国国航】尊敬的旅客，您乘坐的CA1234航班因天气原因延误，预计起飞时间16:30，请留意机场广播。",
    "【中国移动】尊敬的客户，您本月话费余额不足10元，为避免停机，请及时充值。",
    "【中国移动】您的积分余额为2356分，可登录中国移动App兑换话费或礼品。",
    "【交管12123】您有一条交通违法记录待处理，请及时登录交管12123 App处理。",
    "【个人所得税】您2023年度个税汇算清缴即将截止，请登录个人所得税App办理。",
    "【XX社区】本周六上午社区卫生服务中心提供免费体检，请带身份证和医保卡到社区活动室。",
    "【XX理发店】会员日全场8折，欢迎光临，回T退订",
    "【国家反诈中心】国家反诈中心App可以识别诈骗电话和短信，请到应用商店下载安装。",
    "各位家长好，明天下午三点召开家长会，请准时参加，不收取任何费用。",
    "周六晚上六点老地方吃火锅，叫上小李一起，别迟到哈",
    "上次吃饭的钱我微信转你了，收一下哈",
    "妈，我这周末回家吃饭，帮我炖个汤呗",
    "老公，晚上我买菜，你下班早点回来，顺便把快递取了",
    "宝贝，今晚想吃什么，我下班带回来",
    "我到楼下了，你下来吧，车停在东门",
    "你好，我是隔壁的王阿姨，明天帮我收一下快递好吗",
]

WARNINGS = [
    "【工信部反诈中心】您好！12381提醒：您刚刚接听的电话疑似诈骗电话，请立即挂断，切勿转账汇款，切勿向对方透露验证码。"
    "如有疑问请拨打96110咨询。",
    "【XX市公安局】反诈提醒：凡是自称公检法要求转账到安全账户的都是诈骗，凡是要求共享屏幕的都是诈骗。如有疑问请拨打96110。",
    "【XX公安】您好，我们是96110反诈专线，近期冒充客服退款诈骗高发，请勿向陌生人转账，不点陌生链接。",
    "国家反诈中心提醒：凡是要求共享屏幕的都是诈骗",
]

SAFE_WORDING = re.compile(r"是安全的|很安全|安全的|没有风险|可以放心|放心吧")


def run(text: str):
    return analyze(text, FAMILIES, SIGNS)


def _ids(cases):
    return [f"{case[1]}-{i}" for i, case in enumerate(cases)]


# ---------------------------------------------------------------- the data


def test_at_least_25_families_each_with_its_own_topic_signs():
    assert len(FAMILIES) >= 25
    for family in FAMILIES:
        assert len(family.message_signs) >= 2, family.id
        assert any(not s.supporting for s in family.message_signs), family.id
        assert family.advice, family.id


def test_sign_ids_are_unique_and_generic_references_resolve():
    generic = {s.id for s in SIGNS}
    own = [s.id for f in FAMILIES for s in f.message_signs]
    assert len(own) == len(set(own))
    assert not set(own) & generic
    for family in FAMILIES:
        assert set(family.generic_signs) <= generic, family.id


def test_every_generic_sign_has_a_detector_and_words():
    assert {s.id for s in SIGNS} == redflags.detector_ids()
    for sign in SIGNS:
        assert sign.label and sign.why and sign.advice, sign.id


@pytest.mark.parametrize("family", FAMILIES, ids=[f.id for f in FAMILIES])
def test_patterns_compile_and_never_match_empty_text(family):
    for sign in family.message_signs:
        assert sign.label and sign.why and sign.patterns and sign.weight in (1, 2), sign.id
        for pattern in sign.patterns:
            compiled = re.compile(pattern.replace("…", WITHIN), re.I)
            assert not compiled.fullmatch(""), (sign.id, pattern)


def test_families_that_look_at_links_say_what_to_do_about_them():
    """For a link the advice is: don't open it, use the official app or number."""
    for family in FAMILIES:
        if LINK_SIGNS & set(family.generic_signs):
            assert any("链接" in line for line in family.advice), family.id


def test_family_advice_is_specific():
    assert any("原来" in line and "号码" in line for line in BY_ID["impersonate_acquaintance"].advice)
    assert "正规贷款放款前不收任何费用。" in BY_ID["fake_loan"].advice
    assert any("当面" in line and "原来" in line for line in BY_ID["impersonate_leader"].advice)


def test_the_store_serves_the_same_families_and_signs(repository):
    assert repository.scam_types() == FAMILIES
    assert repository.message_signs() == SIGNS
    message = SCAMS[0][0]
    assert analyze(message, repository.scam_types(), repository.message_signs()) == run(message)


# ---------------------------------------------------------------- scam messages


def test_corpus_covers_every_family_mostly_without_links():
    assert len(SCAMS) >= 45
    assert {family for _, family, _ in SCAMS} == set(BY_ID)
    without_links = [m for m, _, _ in SCAMS if not redflags.links(redflags.normalize(m))]
    assert len(without_links) >= 25


@pytest.mark.parametrize(("message", "family", "signs"), SCAMS, ids=_ids(SCAMS))
def test_scam_message_gets_its_family_and_signs(message, family, signs):
    analysis = run(message)
    assert analysis.family is not None, "no family"
    assert analysis.family.id == family, [m.family.id for m in analysis.matches]
    assert signs <= analysis.sign_ids, analysis.sign_ids


@pytest.mark.parametrize(("message", "family", "signs"), SCAMS, ids=_ids(SCAMS))
def test_every_sign_found_is_shown_with_its_snippet(message, family, signs):
    analysis = run(message)
    normalized = redflags.normalize(message)
    own = {s.id for s in analysis.family.message_signs}
    for finding in analysis.findings:
        assert finding.snippet
        if finding.id in own:
            assert finding.snippet in normalized
        else:
            assert not finding.generic or all(part in normalized for part in finding.snippet.split("…"))
    assert any(f.id in own for f in analysis.findings)
    assert analysis.matches[0].weight >= MATCH_WEIGHT


@pytest.mark.parametrize(("message", "family", "signs"), SCAMS, ids=_ids(SCAMS))
def test_reply_names_the_family_lists_signs_and_advice(message, family, signs):
    analysis = run(message)
    reply = format_analysis(analysis)
    lines = reply.splitlines()
    assert lines[0].startswith(f"这条消息像【{BY_ID[family].name}】")
    assert lines[1] == "我在消息里看到："
    advice_at = lines.index("该怎么做：")
    sign_lines = lines[2:advice_at]
    assert 1 <= len(sign_lines) <= 4
    for line in sign_lines:
        assert re.fullmatch(r"• .+「.+」：.+", line), line
    assert lines[advice_at + 1 : advice_at + 1 + len(analysis.advice)] == [f"• {a}" for a in analysis.advice]
    assert len(lines) <= 12
    assert re.search(r"(?<!\d)(?:96110|110)(?!\d)", reply), "a number to call"
    assert "没在这条消息里找到" not in reply and "没有发现" not in reply
    assert not SAFE_WORDING.search(reply)


def test_new_number_message_says_call_the_old_number():
    reply = format_analysis(run("爸，我换号了，这是我的新号码，旧号不用了，存一下哈。"))
    assert "打原来存的号码" in reply


def test_loan_message_says_no_fees_before_the_loan():
    reply = format_analysis(
        run("您的借款审批已通过，但因您填写的银行卡号有误，资金已被冻结，需缴纳解冻金3000元才能放款。")
    )
    assert "正规贷款放款前不收任何费用" in reply


def test_etc_sms_with_a_link_is_never_called_harmless():
    """The bug: an ETC phishing SMS was answered 我没有发现明显的诈骗特征 before being called phishing."""
    message = "【ETC】您的ETC认证已失效，请点击 etcx-rz.cn 重新认证，以免影响通行。"
    reply = format_analysis(run(message))
    assert reply.startswith("这条消息像【ETC/车辆认证】")
    assert "etcx-rz.cn" in reply and "链接" in reply
    assert "没有发现" not in reply and "没在这条消息里找到" not in reply and "不代表" not in reply


def test_sign_outside_the_family_adds_its_own_advice():
    message = "【医保局】您的医保卡已被冻结，请联系专员办理解冻，请开启屏幕共享配合操作。"
    analysis = run(message)
    assert analysis.family.id == "social_insurance"
    assert "screen_sharing" not in analysis.family.generic_signs
    screen = next(s for s in SIGNS if s.id == "screen_sharing")
    assert screen.advice in analysis.advice


def test_close_runner_up_is_named():
    analysis = run("【中国联通】您的手机号实名认证异常，将于24小时内停机，请点击 http://lt-smrz.com 重新认证。")
    assert analysis.family.id == "impersonate_carrier"
    assert analysis.runner_up is not None
    assert format_analysis(analysis).startswith(
        f"这条消息像【冒充运营商/手机卡停机】，也有点像【{analysis.runner_up.name}】。"
    )


def test_a_clear_best_family_has_no_runner_up():
    analysis = run("我是你张总，明天上午来我办公室一趟。")
    assert analysis.runner_up is None


def test_supporting_signs_alone_do_not_make_a_family():
    """ "联系客服办理解冻" fits ETC, 医保 and more; it weighs enough with the deadline, but no topic is named."""
    analysis = run("请致电客服 4008123456 办理解冻，逾期将影响使用。")
    assert analysis.family is None
    assert analysis.sign_ids == {"urgency_secrecy"}
    text = "您的ETC已被禁用，请致电客服 4008123456 办理解冻，逾期将影响使用。"
    assert run(text).family.id == "etc_vehicle"


@pytest.mark.parametrize(("message", "family", "signs"), SCAMS[::5], ids=_ids(SCAMS[::5]))
def test_traditional_input_gets_the_same_family(message, family, signs):
    traditional = OpenCC("s2t").convert(message)
    assert run(traditional).family.id == family


# ---------------------------------------------------------------- benign messages


@pytest.mark.parametrize("message", BENIGN)
def test_benign_message_gets_no_family_and_no_sign(message):
    analysis = run(message)
    assert analysis.family is None
    assert analysis.findings == ()


@pytest.mark.parametrize("message", BENIGN)
def test_nothing_found_is_said_honestly_never_called_safe(message):
    reply = format_analysis(run(message))
    assert reply.startswith("我没在这条消息里找到已知骗局的特征，但这不代表它没有问题。") or reply.startswith(
        "这条像是一条反诈提醒"
    )
    assert "安全" not in reply
    assert "96110" in reply and "官方" in reply and "验证码" in reply
    assert len(reply.splitlines()) <= 12


@pytest.mark.parametrize("message", WARNINGS)
def test_anti_fraud_warning_is_recognized_as_one(message):
    analysis = run(message)
    assert analysis.warning
    assert analysis.family is None and analysis.findings == ()
    reply = format_analysis(analysis)
    assert reply.startswith("这条像是一条反诈提醒")
    assert "96110" in reply
    assert not re.search(r"(?:拨打|打|回拨)\s*12381", reply)


def test_warning_style_scam_with_a_link_is_not_taken_for_a_warning():
    analysis = run("【工商银行】谨防诈骗！您的手机银行将于今日停用，请登录 www.icbc-yz.com 重新认证。")
    assert not analysis.warning
    assert analysis.family.id == "bank_card_frozen"


def test_generic_signs_without_family_list_them_with_the_general_rule():
    analysis = run("请打开ToDesk，我帮你操作一下")
    assert analysis.family is None
    assert analysis.sign_ids == {"screen_sharing"}
    reply = format_analysis(analysis)
    assert reply.splitlines()[0] == "我没认出这是哪一种骗局，但消息里有1处可疑："
    assert "「ToDesk」" in reply
    assert GENERAL_RULE[-1] in analysis.advice


def test_nothing_found_gives_the_general_rule():
    analysis = run("明天上午的会改到十点，记得带上项目资料")
    assert analysis.advice == GENERAL_RULE


# ---------------------------------------------------------------- properties

MESSAGES = [m for m, _, _ in SCAMS] + BENIGN + WARNINGS
FRAMES = ["", "收到一条短信：", "帮我看看这个\n", "这个是真的吗？"]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gets_a_consistent_reply(text):
    analysis = run(text)
    reply = format_analysis(analysis)
    assert len(reply.splitlines()) <= 12
    assert "96110" in reply
    assert not SAFE_WORDING.search(reply)
    if analysis.family is None:
        assert not analysis.matches
    else:
        assert analysis.findings and "没在这条消息里找到" not in reply
    assert analysis == run(text), "deterministic"


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(MESSAGES), st.sampled_from(MESSAGES), st.text(alphabet="，。 \n好的哈", max_size=5))
def test_combined_messages_keep_evidence_and_consistency(first, second, glue):
    text = first + glue + second
    analysis = run(text)
    normalized = redflags.normalize(text)
    for finding in analysis.findings:
        assert all(part in normalized for part in finding.snippet.split("…"))
    if analysis.family:
        own = {s.id: s for s in analysis.family.message_signs}
        assert any(f.id in own and not own[f.id].supporting for f in analysis.findings)
    reply = format_analysis(analysis)
    assert bool(analysis.family) == reply.startswith("这条消息像【")


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(SCAMS), st.sampled_from(FRAMES))
def test_framing_a_pasted_message_keeps_its_family(case, frame):
    message, family, _ = case
    assert run(frame + message).family.id == family


# ---------------------------------------------------------------- looks_forwarded


@pytest.mark.parametrize("story", [*(s for s, _ in STORIES), *UNRELATED])
def test_a_users_own_story_is_not_taken_for_a_pasted_message(story):
    assert not looks_forwarded(story)


FORWARDED = [
    "【ETC服务】您的ETC认证已失效，请点击 http://etc-rz.cn 重新认证。",
    "您好，我是支付宝客服，您之前开通了百万保障服务，下个月起每月自动扣费800元。",
    "尊敬的车主，您的ETC已被禁用，请致电4008123456联系客服重新认证。",
    "爸，我换号了，这是我的新号码，旧号不用了，存一下哈。",
    "我是你张总，明天上午来我办公室一趟。",
    "猜猜我是谁？听不出我的声音了？",
    "各位家长好，我是三年级二班班主任，本学期资料费每人280元。",
    "您的借款已审批，需先缴纳10%保证金，我们会在30分钟内放款",
    "我是派出所的民警，你的银行卡被人冒用，请配合我们做资金核查",
    "会员日全场8折，欢迎光临，回T退订",
    "看看这个 https://www.bilibili.com/video/BV1xx411c7mD",
    *BENIGN[:18],
]


@pytest.mark.parametrize("message", FORWARDED)
def test_pasted_messages_are_recognized(message):
    assert looks_forwarded(message)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40), st.text(alphabet="银行移动快递公安局", min_size=2, max_size=6), st.text(max_size=40))
def test_an_sms_signature_always_marks_a_pasted_message(before, name, after):
    assert looks_forwarded(f"{before}【{name}】{after}")
