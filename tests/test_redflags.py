"""Tests for the offline red-flag check of pasted messages."""

from __future__ import annotations

import pytest

from bot.text.privacy import redact
from bot.text.redflags import check, default_signs, detector_ids
from bot.text.textnorm import to_simplified

CASES = [
    # Fake bank and platform notices.
    (
        "【XX银行】您的账户存在异常，请点击 http://193.112.4.7/app.apk 下载安全控件并输入验证码",
        {"ip_link", "apk_link", "code_or_password_request"},
    ),
    (
        "【中国工商银行】尊敬的客户，您的手机银行将于今日停用，请立即登录 www.icbc-security.com 重新认证，否则账户将被冻结。",
        {"lookalike_domain", "urgency_secrecy"},
    ),
    ("【建设银行】您的积分即将到期，请登录 www.ccb.com.vip 兑换现金礼品", {"lookalike_domain"}),
    ("【支付宝】您的账户存在风险，请访问 alipay-verify.cc 完成身份验证", {"lookalike_domain"}),
    ("【工商银行】您的U盾已过期，请登录 https://95588-app.net 更新", {"lookalike_domain"}),
    ("【ETC】您的ETC已失效，请点击 http://t.cn/A6xYz9k 重新认证，逾期将无法使用", {"short_link", "urgency_secrecy"}),
    ("【中国移动】您的积分可兑换现金，点击 http://10086-jf.cn 领取", {"lookalike_domain"}),
    ("【社保局】您的医保卡已被暂停使用，请点击 http://45.77.12.9:8080/yb 重新办理", {"ip_link"}),
    ("【网信办】您的抖音账号涉嫌违规，请访问 https://bit.ly/3xYz12 申诉", {"short_link"}),
    ("您已被选为幸运用户，将 http://gov-cn.info/subsidy 中的表格填写后即可领取补贴", {"lookalike_domain"}),
    ("建行通知：您的账户需要升级，请访问 http://47.96.1.23/ccb 完成操作", {"ip_link"}),
    ("ｈｔｔｐ：／／１９３．１１２．４．７／ａ．ａｐｋ　这是银行的安全插件", {"ip_link", "apk_link"}),
    (
        "您的信用卡提额申请已通过，请下载 https://dwz.cn/Ab3x 客户端激活额度，需缴纳激活费299元",
        {"short_link", "apk_link", "upfront_fee"},
    ),
    # Fake police, prosecutors and courts.
    (
        "我是市公安局刑侦支队的张警官，你的身份证涉嫌一起洗钱案，需要把资金转入安全账户配合资金清查，此案保密，不要告诉家人。",
        {"police_and_money", "safe_account", "urgency_secrecy"},
    ),
    (
        "这里是最高人民检察院，你名下银行卡涉嫌违法，现对你发出通缉令，请立即配合调查。",
        {"police_and_money", "urgency_secrecy"},
    ),
    ("我是派出所的民警，你的银行卡被人冒用，请配合我们做资金核查", {"police_and_money", "safe_account"}),
    (
        "你涉嫌诈骗案已被法院立案，马上处理，把存款转到我们指定的账户，不要挂电话",
        {"police_and_money", "urgency_secrecy"},
    ),
    ("境外来电 0095-1234567 自称公安局，说我的快递里有违禁品", {"international_prefix"}),
    # Refund and customer service.
    ("请下载腾讯会议，开启屏幕共享，我指导你操作退款", {"screen_sharing"}),
    (
        "您好，我是淘宝客服，您购买的商品有质量问题，可以为您办理三倍理赔，请加入会议并打开共享屏幕",
        {"screen_sharing"},
    ),
    ("【快递理赔】您的包裹丢失，我们将赔偿您300元，请提供银行卡号和收到的验证码", {"code_or_password_request"}),
    ("我是京东金融客服，您开通了学生贷款服务，不关闭会影响征信，请打开ToDesk配合我们注销", {"screen_sharing"}),
    ("【12306】您购买的车票已被取消，退款请联系客服 +85212345678 办理", {"international_prefix"}),
    ("来电显示 +00 852 6123 4567，自称中国银行客服", {"international_prefix"}),
    ("客服电话 +1 415 555 0100，工商银行信用卡中心", {"international_prefix"}),
    ("请拨打 0085298765432 联系我们", {"international_prefix"}),
    ("把你收到的短信验证码发给我，我帮你解除会员自动扣费", {"code_or_password_request"}),
    ("你的快递有异常，需要扫码加入会议软件处理理赔", {"screen_sharing"}),
    # Task scams, investment and loans.
    ("刷单兼职：先垫付500元，任务完成后返还本金和佣金，日赚300", {"upfront_fee"}),
    ("恭喜您在年终活动中抽中二等奖，奖金8万元，领取前需缴纳个人所得税1600元", {"upfront_fee"}),
    (
        "您的贷款额度20万元已审批通过，因您填写的银行卡号有误，资金已冻结，需支付解冻费3000元才能放款",
        {"upfront_fee"},
    ),
    ("贷款需要刷流水证明还款能力，请先往指定账户转入5000元验资", {"upfront_fee"}),
    ("您好，您在我平台的借款已审批，请先缴纳10%保证金，我们会在30分钟内放款", {"upfront_fee"}),
    ("投资导师带你炒股，内部消息稳赚不赔，下载APP：http://invest-vip.xyz/down 注册即送888元", {"apk_link"}),
    ("您的网贷逾期未还，已上报征信，请在24小时内还款，否则将起诉", {"urgency_secrecy"}),
    ("妈，我手机丢了，这是我新微信，急需2万块交学费，你马上转账给我，别告诉爸", {"urgency_secrecy"}),
    # Already redacted by privacy.redact.
    ("客服让我把[验证码]发给他", {"code_or_password_request"}),
    ("他说支付宝[密码]也要", {"code_or_password_request"}),
    ("客服让我报验证码 [验证码]", {"code_or_password_request"}),
    # A link no other sign explains, in a message claiming an institution or asking for business.
    ("【ETC服务】您的ETC认证已失效，请点击 http://etc-rz.cn 重新认证。", {"unofficial_link"}),
    ("【交管12123】您有一条交通违法未处理，请访问 12123-wz.cc 查询处理", {"unofficial_link"}),
    ("兼职日结，点击 http://abc-job.top 领取任务", {"unofficial_link"}),
    # "能不能" asks; it does not negate.
    ("能不能把收到的验证码发给我，我帮你处理", {"code_or_password_request"}),
    # Benign messages.
    ("【菜鸟驿站】您的包裹已到站，取件码 3-2-1045，请凭码到小区东门驿站领取。", set()),
    ("周六晚上六点老地方吃火锅，叫上小李一起，别迟到哈", set()),
    (
        "【中国工商银行】您尾号1234的卡于10月1日14:20支出人民币500.00元，余额3,000.00元。如非本人操作，请致电95588。",
        set(),
    ),
    ("【工商银行】工行官网 https://www.icbc.com.cn ，请认准官方网址，谨防诈骗。", set()),
    ("【招商银行】验证码：382910，您正在进行转账操作，请勿将验证码告诉他人。", set()),
    ("反诈提醒：公安机关不会通过电话要求转账，更没有所谓的安全账户。", set()),
    ("请不要向任何人透露验证码和密码，银行工作人员不会索要。", set()),
    ("下午三点开会，记得带上笔记本电脑", set()),
    ("【美团】您的外卖已由骑手取餐，预计12:30送达", set()),
    ("【京东】您的订单已签收，如有问题请访问 https://www.jd.com 联系客服", set()),
    ("【中国银行】尊敬的客户，您的账户今日登录异常，请联系官方客服95566核实。", set()),
    ("我在泰国旅游，这是我当地的号码 +66 81 234 5678，有事打给我", set()),
    ("好的，明天上午十点在星巴克见，我现在就出发", set()),
    ("国家反诈中心提醒：凡是要求共享屏幕的都是诈骗", set()),
    ("新闻：英国政府官网 https://www.gov.uk 发布了新的签证政策", set()),
    ("我的邮箱是 zhangsan@qq.com，资料发这里就行", set()),
    ("手机银行App升级到了2.3.1.4版本，界面变好看了", set()),
    ("【招商银行】验证码：[验证码]，您正在进行转账操作，请勿将验证码告诉他人。", set()),
    ("【顺丰速运】您的快件已签收，详情见 https://www.sf-express.com", set()),
    ("你看看这个视频 https://www.bilibili.com/video/BV1xx411c7mD 笑死了", set()),
    ("【XX市公安局】反诈提醒：凡是自称公检法要求转账到安全账户的都是诈骗。", set()),
]


@pytest.mark.parametrize(("message", "expected"), CASES)
def test_flags(message: str, expected: set[str]) -> None:
    assert {flag.id for flag in check(message)} == expected


def test_case_count() -> None:
    assert len(CASES) >= 40


def test_flag_fields() -> None:
    flags = check("【XX银行】您的账户存在异常，请点击 http://193.112.4.7/app.apk 下载安全控件并输入验证码")
    by_id = {flag.id: flag for flag in flags}
    assert by_id["ip_link"].evidence == "http://193.112.4.7/app.apk"
    assert by_id["code_or_password_request"].evidence == "输入验证码"
    signs = {sign.id: sign for sign in default_signs()}
    for flag in flags:
        assert (flag.label, flag.explanation) == (signs[flag.id].label, signs[flag.id].why)


def test_every_sign_in_the_data_has_a_detector() -> None:
    assert [sign.id for sign in default_signs()] and {sign.id for sign in default_signs()} == detector_ids()


def test_flag_start_points_at_its_evidence() -> None:
    message = "【XX银行】您的账户存在异常，请点击 http://193.112.4.7/app.apk 下载安全控件并输入验证码"
    for flag in check(message):
        assert message[flag.start : flag.start + len(flag.evidence)] == flag.evidence


def test_flags_in_order_of_appearance_once_each() -> None:
    message = "不要告诉家人，把钱转到安全账户，立即转账，再转一笔到安全账户"
    assert [flag.id for flag in check(message)] == ["urgency_secrecy", "safe_account"]


def test_flag_is_frozen() -> None:
    flag = check("请开启屏幕共享")[0]
    with pytest.raises(AttributeError):
        flag.id = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("traditional", "expected"),
    [
        (
            "我是警察，你的帳戶涉嫌洗錢，請把資金轉到安全帳戶，不要告訴家人",
            {"police_and_money", "safe_account", "urgency_secrecy"},
        ),
        ("請打開螢幕共享，我教你操作退款", {"screen_sharing"}),
        ("請把收到的驗證碼發給我", {"code_or_password_request"}),
        ("您的貸款已審批，請先繳納保證金才能放款", {"upfront_fee"}),
        ("國家反詐中心提醒：凡是要求共享螢幕的都是詐騙", set()),
    ],
)
def test_traditional_input(traditional: str, expected: set[str]) -> None:
    assert {flag.id for flag in check(traditional)} == expected


def test_to_simplified() -> None:
    assert to_simplified("請把驗證碼發給我１２３ＡＢＣ") == "请把验证码发给我123ABC"


def test_redacted_text_keeps_code_request() -> None:
    redacted = redact("客服让我把验证码 382910 报给他").text
    assert "code_or_password_request" in {flag.id for flag in check(redacted)}


@pytest.mark.parametrize("text", ["", "   ", "\x00\x1f", "a" * 10000, "http://" * 500, "验证码" * 2000])
def test_check_never_raises(text: str) -> None:
    assert isinstance(check(text), list)
