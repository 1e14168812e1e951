"""The scam-type recognizer on realistic first-person stories."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge.loader import read_file
from bot.knowledge.models import ScamType
from bot.text.scam_types import recognize

ROOT = Path(__file__).resolve().parents[1]
SCAM_TYPES = read_file(ROOT / "data" / "knowledge" / "scam_types.yml", ScamType)

STORIES = [
    # impersonate_police
    (
        "今天上午有个男的打电话说是上海市公安局的，说我身份证被人冒用办了卡涉嫌洗钱，"
        "要我把存款转到安全账户做资金核查，还不让告诉家里人，我吓坏了",
        "impersonate_police",
    ),
    (
        "我爸七十多了，他说接了个电话，对方说是检察院的，发了张通缉令给他看，上面还有他照片，让他去宾馆开房配合调查",
        "impersonate_police",
    ),
    ("一个自称警官的加我qq，说我名下一张卡涉及一起贩毒案，要视频做笔录，还说这事要保密", "impersonate_police"),
    ("对方说他是网警 说我电脑上了不良网站 要交罚款不然就上门抓人 我好害怕", "impersonate_police"),
    # impersonate_shop_service
    ("有人打电话说是快递公司客服，说我的包裹丢了，要给我三倍赔偿，让我加他QQ操作理赔", "impersonate_shop_service"),
    (
        "我在淘宝买的面霜，有个客服打来说这批货质量问题要召回，给我退款，然后让我下了个会议软件开共享屏幕",
        "impersonate_shop_service",
    ),
    (
        "拼多多的客服说我的订单有问题要退钱给我，说要先看我的芝麻信用够不够，让我从备用金里借钱转过去",
        "impersonate_shop_service",
    ),
    # cancel_service_fee
    ("刚才一个支付宝客服打电话说我开通了百万保障，不关掉每个月扣800，要我配合关闭", "cancel_service_fee"),
    ("我妈接了个电话，说是抖音客服，她不小心开通了直播会员，不取消的话每月自动扣费还影响征信", "cancel_service_fee"),
    # task_rebate
    (
        "我是大二学生，在QQ群看到兼职，说给抖音视频点赞截图就能拿佣金，前三单都返钱了，后面要连单，我垫了八千提现不了",
        "task_rebate",
    ),
    ("宝妈一个 在家带孩子想赚点零花钱 有人让我做任务 先充值再返本金加提成 结果说我操作失误卡单了", "task_rebate"),
    ("朋友圈有人说动动手指日结200，我就去了，做了两单返了几十块，第三单让我垫付5000，现在人找不到了", "task_rebate"),
    # fake_investment
    (
        "我被拉进一个炒股群，里面有个老师天天荐股，群友都在晒收益，后来让我在一个平台入金，现在钱提不出来了",
        "fake_investment",
    ),
    ("退休了想理财，有人说有个虚拟币项目稳赚不赔，收益翻倍，我投了二十万，现在要交手续费才能提现", "fake_investment"),
    (
        "抖音直播间的分析师说带我们打新股，下了他们的APP入金，开始赚了后来账户冻结了，客服说要交保证金解冻",
        "fake_investment",
    ),
    # romance_scam
    (
        "我在婚恋网站上认识一个男的，说自己是做工程的，聊了一个月叫我老婆，"
        "后来说他发现一个平台有漏洞带我投资，我投了十几万取不出来",
        "romance_scam",
    ),
    ("网上认识的女朋友一直不肯视频，说带我一起赚钱在一个彩票平台下注，说稳赚，我该信她吗", "romance_scam"),
    ("我舅舅离异好几年了，在交友软件上认识个女的，天天亲爱的宝贝的叫，现在让他买什么数字货币", "romance_scam"),
    ("我被人杀猪盘了，对方说加错人了然后一直跟我聊天", "romance_scam"),
    # fake_loan
    (
        "我征信不好，网上找了个贷款软件说无抵押秒到账，申请了五万额度，结果说我银行卡号填错了账户被冻结要交钱解冻",
        "fake_loan",
    ),
    ("急用钱在网上申请借款，对方说放款前要交会员费和保证金，还要验资，我已经交了三千", "fake_loan"),
    ("贷款客服说我流水不够要刷流水，让我先转两万进去证明还款能力，后面会一起下款", "fake_loan"),
    # impersonate_acquaintance
    ("我们老板突然加我微信，头像名字都一样，说在开会不方便接电话，让我给一个客户账户打款三十万", "impersonate_leader"),
    ("有个人打电话来问猜猜我是谁，我以为是我侄子，他说换了新号，过两天又说出事了找我借钱", "impersonate_acquaintance"),
    ("我奶奶接到电话说我出了车祸在医院，要马上交手术费，她差点去银行取钱了", "family_emergency"),
    ("孩子班级群里有个“班主任”让交资料费，头像跟老师的一样，我交了二百才发现是假的", "fake_teacher_fee"),
    # game_trading
    ("我儿子12岁，玩王者荣耀有人说免费送皮肤，让他用他妈妈的手机扫码，结果被扣了三千多", "game_trading"),
    ("我想卖原神的账号，有人说高价收号，让我去一个交易平台注册，现在说交易失败要交保证金", "game_trading"),
    ("在游戏里买装备，对方让我去他说的平台交易，付了钱说我账号被冻结了要解冻", "game_trading"),
    # credit_repair
    ("有人打电话说我大学时开通过校园贷，现在国家规定要注销，不注销就影响征信以后买房贷款都不行", "credit_repair"),
    ("说我京东金条是学生时期开的要注销，让我从借呗花呗里把额度借出来清零再转给他们", "credit_repair"),
    ("我有逾期记录，网上有人说能帮忙修复征信，交五千就能消除不良记录，靠谱吗", "credit_repair"),
    # prize_subsidy
    ("收到个电话说我被抽中了节目组的幸运观众，中了一等奖，但要先交个人所得税和公证费才能领奖", "fake_prize"),
    ("我妈说社保局打电话来让她领养老补贴，要她报银行卡号和手机上的验证码", "tax_refund_subsidy"),
    ("说有育儿补贴可以申领，发了个二维码让我扫，填银行卡号就能领取", "tax_refund_subsidy"),
    # phishing_link
    ("收到短信说我ETC认证失效了要点链接重新认证，我点进去填了银行卡号和验证码", "etc_vehicle"),
    ("短信说我的积分马上要清零了可以兑换现金，我点开那个网址输入了身份证号", "points_redeem"),
    # ai_deepfake
    ("我朋友用视频通话找我借钱，画面里就是他的脸，说了几句信号不好就挂了，后来才知道他根本没打过", "ai_deepfake"),
    ("我女儿在外地读书，今天有人发来她的声音语音，声音一模一样，说被人扣住了要钱，听说现在有AI合成的", "ai_deepfake"),
    ("领导打视频过来确实是他本人的样子，但很快挂了，然后让我转钱，会不会是ai换脸", "ai_deepfake"),
    # fake_shopping
    ("在闲鱼上看到一个iphone才两千，卖家让我加微信私下交易，我付了全款就被拉黑了", "fake_shopping"),
    ("朋友圈一个微商卖海外代购的包，我付了定金一直不发货，现在又说被海关扣货要交关税", "fake_shopping"),
    ("想买演唱会门票找了个黄牛，转了一千二，对方说要再交押金才出票", "fake_shopping"),
    # flight_change
    ("收到短信说我明天的航班因为机械故障取消了，可以改签还能给补偿，让我加客服QQ", "flight_change"),
    ("我爸买了机票去海南，有人打电话说航班延误要给他退票理赔，让他去手机银行操作", "flight_change"),
    # fake_job
    ("我在网上找工作，一个公司说面试过了但入职前要交培训费和服装费", "fake_job"),
    ("同学说柬埔寨那边有高薪工作包吃包住包机票，月薪两万，让我一起出国，靠谱吗", "fake_job"),
    # card_renting
    ("有人在群里收银行卡，说租我的卡一个月给两千，只是帮他们走账", "card_renting"),
    ("我弟弟把自己的手机卡和支付宝账号借给别人用了，对方每张卡给他好处费，现在他害怕了", "card_renting"),
    ("学长拉我去跑分，说用我的收款码帮忙收款就有提成", "card_renting"),
    # sextortion
    ("一个美女加我微信要跟我视频聊天，还让我装了个聊天软件，现在说录了视频要发给我家人", "sextortion"),
    ("我被裸聊敲诈了，他们有我通讯录，说不给钱就把视频发到群里", "sextortion"),
    # elderly_health
    ("我爸天天去听健康讲座领鸡蛋，后来专家说有种保健品能治百病，他花了三万多买", "elderly_health"),
    ("我妈被人拉去投资养老院床位，说有高额回报，还要她把房产证拿去抵押", "elderly_health"),
    # more voices: relatives retelling, students, typos (公按局, 身分证, 转帐)
    (
        "闺女啊我跟你说个事，刚才有个穿警服的人跟我视频，说我银行卡涉嫌一个大案子，让我别跟你们说，把钱转到他们的账户里查一查",
        "impersonate_police",
    ),
    ("有个自称最高检察院的打电话给我说我涉嫌非法集资，要冻结我名下所有资产，我该咋办", "impersonate_police"),
    ("快递员打电话说我的件丢了要给我赔偿 还说要加企业微信 是不是骗纸", "impersonate_shop_service"),
    ("抖音上买的鞋子，客服联系我说鞋子不合格要给我退款三倍，让我扫个码", "impersonate_shop_service"),
    ("有个人说他是微信客服，说我开通了什么保障服务，要每个月扣五百，要帮我关掉", "cancel_service_fee"),
    ("在小红书看到招兼职的，说关注几个博主就给钱，我做了几单后要我充值才能接大单", "task_rebate"),
    ("我同事拉我进了一个群，说跟着导师买股票一个月收益百分之三十，我要不要投点", "fake_investment"),
    ("我叔在网上认识个女网友 说是在国外做生意的 让他一起在一个平台上炒黄金 已经投进去五十多万了", "romance_scam"),
    ("有人打电话说可以帮我贷款二十万，低息，但要先交一笔工本费", "fake_loan"),
    ("我爷爷说我表哥打电话找他借两万块，说手机坏了用的别人的电话，让打到他朋友卡上", "impersonate_acquaintance"),
    ("我女儿用我手机玩和平精英，有人说能帮她解除防沉迷，她就扫码付了好几千", "game_trading"),
    ("有个自称银保监会的说我以前在学校用过学生贷，要我配合注销账户不然上征信", "credit_repair"),
    ("我爸收到电话说他中了大奖，一辆车，只要先付个税就能把车开走", "fake_prize"),
    ("收到一条短信说我的医保卡要停用了，让点链接升级，我点了还填了东西", "social_insurance"),
    ("我老公的同学打视频过来借钱，视频里就是他那张脸，可是声音有点怪，说话也很快就挂了", "ai_deepfake"),
    ("在朋友圈看到有人卖特价茅台，我转了三千块订金，现在对方不回消息了", "fake_shopping"),
    ("我订的高铁票说车次取消了，有人打电话说可以给我退票加补偿，要我提供银行卡", "flight_change"),
    ("有个中介说能介绍我去迪拜工作，月入三万，要先交两万中介费，还要把护照给他", "fake_job"),
    ("有人出五百块一张收电话卡，说就是帮忙接个验证码，我要不要卖", "card_renting"),
    ("网上认识一个女的跟我视频裸聊，结果她录屏了，说不给钱就发给我老婆", "sextortion"),
    ("我妈天天去一个店里理疗，店里人说买他们的仪器能根治高血压，她把存折里的钱都取出来了", "elderly_health"),
    ("刚才有个公按局的电话，说我的身分证被冒用涉嫌洗钱案，要我转帐到安全帐户", "impersonate_police"),
    ("我男朋友是网上认识的，从来没见过面，他总说带我投资，稳赚的，我要不要转钱过去", "romance_scam"),
    # held-out stories, written after the keywords were first tuned
    ("接到电话说我在外地开的卡被人拿去洗钱了，要我去派出所，后来又说可以电话里处理", "impersonate_police"),
    ("我妈刚被人骗了，说是京东客服，说她的白条利率太高要帮她降，然后让她转钱", "impersonate_shop_service"),
    ("老婆在家接到一个电话说快手会员要到期扣年费，让她下载个软件取消", "cancel_service_fee"),
    ("有个app说看视频就能赚钱，看了几天要我充值会员才能继续提现", "task_rebate"),
    ("被人拉进一个理财群，群主说有个内部项目保本高收益，我转了三万块进去", "fake_investment"),
    ("我姐在探探上认识了个男的，说自己是军人，没见过面就开始借钱了", "romance_scam"),
    ("我在网上借钱，说我的资料有问题放款失败，要先交五千解冻金", "fake_loan"),
    ("有人冒充我们单位领导在QQ上让我转钱给供应商，我已经转了八万", "impersonate_leader"),
    ("孩子在玩蛋仔派对，有人说加他能免费领皮肤，后来让孩子拿我手机转了一千多", "game_trading"),
    ("说我以前大学时候用过的分期软件没注销会影响征信，要我按他说的操作", "credit_repair"),
    ("有个人打电话说我有一笔失业补助可以领，需要我提供银行卡号", "tax_refund_subsidy"),
    ("说我的招商银行积分快过期了，让我点开链接兑换礼品，我填了卡号和密码", "points_redeem"),
    ("侄子打来视频说要借钱交学费，声音和样子都对，但我总觉得怪，会不会是AI", "ai_deepfake"),
    ("在一个二手群里买了个相机，对方让我先付全款才发货，付了之后就不回我了", "fake_shopping"),
    ("航空公司打电话说我的航班取消了要帮我办理改签，让我先转一笔手续费", "flight_change"),
    ("我弟说有个老板招人去泰国做客服，月薪两万还包机票，我不放心", "fake_job"),
    ("我室友在帮别人用自己的银行卡走流水，说一天能赚几百块", "card_renting"),
    ("一个女的加我后让我下了个app视频聊天，然后说有我所有通讯录，不给钱就曝光", "sextortion"),
    ("我爸爸被拉去听讲座，说投资养老项目年息百分之二十，要他先交十万", "elderly_health"),
    ("会不会是AI啊，视频里是我儿子，很快就挂了", "ai_deepfake"),
    # families split out of broader ones, and new families
    ("有人推荐我一个虚拟币挖矿项目，说每天收益百分之二，让我买USDT转到他给的钱包地址", "crypto_investment"),
    ("朋友拉我进一个币圈群，说有个交易所的量化项目稳赚，我充了两万现在提币提不出来", "crypto_investment"),
    ("群里有个导师带大家买时时彩，说有内部计划必中，我充值下注输了三万", "lottery_gambling"),
    ("有人说能帮我在博彩网站回血，让我倍投，结果越输越多", "lottery_gambling"),
    ("有个人说能代办大额信用卡，不看征信，但要先交两千包装费", "credit_card_limit"),
    ("接到电话说可以帮我的信用卡提额到五万，让我先交激活费", "credit_card_limit"),
    ("我表姐的微信突然说她换号了，用新号码找我借五千块急用", "impersonate_acquaintance"),
    ("我们局长加我QQ让我明天去他办公室，后来又让我先给合作方打款", "impersonate_leader"),
    ("有人打电话给我爸说我被抓了要交保释金，我爸差点就转了", "family_emergency"),
    ("家长群里有人冒充班主任发了个收款码，让每个家长交三百补课费", "fake_teacher_fee"),
    ("收到短信说我的车有违章没处理，让我点链接去交罚单", "etc_vehicle"),
    ("我妈收到短信说移动积分要清零了，可以兑换话费礼包", "points_redeem"),
    ("有人打电话说是联通的，说我的手机卡要停机，实名认证有问题让我按9转人工", "impersonate_carrier"),
    ("电话里说我的电话卡涉嫌违规要封号，让我配合运营商升级套餐", "impersonate_carrier"),
    ("收到银行短信说我的手机银行要停用，U盾过期了，让我下载安全控件升级", "bank_card_frozen"),
    ("有人说是银行客服，说我的储蓄卡被冻结了，要我配合解冻", "bank_card_frozen"),
    ("接到电话说我的医保卡在外地被盗刷，还违规套现，说要帮我转接公安", "social_insurance"),
    ("有人打电话说我有一笔个税退税没领，让我扫二维码填银行卡号", "tax_refund_subsidy"),
    ("短信说我的账户信息有误，让我点开网址填身份证号和个人信息", "phishing_link"),
]

UNRELATED = [
    "今天天气怎么样，会下雨吗",
    "你好，在吗",
    "我今天去银行柜台存了两千块钱，工作人员挺热情的",
    "附近有什么好吃的饭馆推荐一下",
    "我孙子下周放暑假回来看我，好开心",
    "明天早上几点出门比较好",
    "医院挂号应该怎么挂，要带什么",
    "谢谢你，我知道了",
    "帮我算一下一百加二百等于多少",
    "我想去银行办一张银行卡，要带什么证件",
    "我儿子下周要去北京出差，帮我看看机票贵不贵",
    "在淘宝买的衣服到了，挺合身的",
    "我女儿考上大学了",
    "老师说明天开家长会",
    "我刚收到快递，是我女儿寄的",
    "请把文件发到我的email",
]


@pytest.mark.parametrize(("story", "expected"), STORIES, ids=[f"{e}-{i}" for i, (_, e) in enumerate(STORIES)])
def test_story_points_to_type(story: str, expected: str) -> None:
    found = recognize(story, SCAM_TYPES)
    assert found, "nothing recognized"
    assert found[0].id == expected, [t.id for t in found]


@pytest.mark.parametrize("text", UNRELATED, ids=[f"unrelated-{i}" for i in range(len(UNRELATED))])
def test_unrelated_text_matches_nothing(text: str) -> None:
    assert recognize(text, SCAM_TYPES) == []


def test_types_are_complete() -> None:
    ids = [t.id for t in SCAM_TYPES]
    assert len(ids) == len(set(ids))
    for t in SCAM_TYPES:
        assert isinstance(t, ScamType)
        assert t.aliases and t.keywords
        assert 3 <= len(t.signs) <= 5
        assert 2 <= len(t.advice) <= 4


def test_alias_beats_keywords() -> None:
    found = recognize("听说有个东西叫杀猪盘，说网上投资稳赚", SCAM_TYPES)
    assert found[0].id == "romance_scam"


def test_limit() -> None:
    story = "网上认识的男朋友带我在平台投资，老师说稳赚不赔，现在提不出来"
    assert len(recognize(story, SCAM_TYPES, limit=1)) == 1
