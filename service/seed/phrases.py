"""Hand-written phrase templates for the demo city's generated history; pure, no I/O.

Every text a generated ticket carries (title, description, request, the unit's reply, notes,
callback comments) is assembled here from these templates and a seeded random generator, so the
same seed writes the same words. Names and phone numbers are made up and obviously so: phone
numbers are 138-0000-xxxx style mobiles.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from service.tickets.models import TicketType


@dataclass(frozen=True)
class Theme:
    """One kind of problem citizens bring, filed under one category code."""

    category: str
    weight: float
    titles: tuple[str, ...]
    details: tuple[str, ...]
    asks: tuple[str, ...]
    replies: tuple[str, ...]
    type: TicketType = TicketType.COMPLAINT
    confidential_share: float = 0.04
    by_street: bool = False  # street order: concentrated in the busy streets


SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐韩冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"  # noqa: E501
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建国志文斌辉宇浩凯鹏飞兰凤梅琳晨欣悦婷雪峰亮"  # noqa: E501

# What is sold where, and for about how much (yuan).
MERCHANDISE: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("一家烟酒店", "白酒", (268, 598, 1499)),
    ("路边的小超市", "洗发水", (39, 69, 89)),
    ("一家母婴店", "奶粉", (198, 358, 426)),
    ("一家运动鞋店", "运动鞋", (299, 599, 899)),
    ("一家手机配件店", "充电器", (59, 89, 129)),
    ("一家化妆品店", "化妆品", (168, 320, 580)),
    ("一家粮油店", "食用油", (79, 129, 159)),
    ("小区门口的便利店", "香烟", (25, 50, 230)),
    ("一家电动车行", "电动车电池", (480, 760, 1200)),
)
LANDMARKS = (
    "菜市场门口",
    "公交站旁",
    "小区南门",
    "小学附近",
    "十字路口东北角",
    "商场东侧",
    "医院对面",
    "社区服务中心旁",
    "夜市一带",
    "地下通道口",
)
COMMUNITIES = ("幸福", "和平", "阳光", "富强", "建设", "友谊", "团结", "光明", "青年", "钢城")
WHEN = ("最近一周", "这几天", "本月以来", "上周末", "近两个月", "每天晚上", "连续三天")
TRADES = ("理发店", "健身房", "游泳馆", "美容院", "洗车店", "早教中心")

THEMES: tuple[Theme, ...] = (
    # Fake and shoddy goods (假冒伪劣).
    Theme(
        "MR.FAKE.TRADEMARK",
        7,
        ("{shop}销售假冒品牌{goods}", "买到假冒名牌{goods}", "{place}有商户卖山寨{goods}"),
        (
            "{when}在{place}的{shop}购买了{goods}，与正品对比后发现包装和防伪标识都是假的，"
            "商家不承认是假货。",
            "我在{place}附近的{shop}花了{amount}元买的{goods}，经品牌客服确认不是正品，"
            "店里还有很多同样的货在卖。",
        ),
        ("请依法查处售假行为并帮我退款。", "希望相关部门核查这家店的进货渠道。"),
        (
            "经执法人员现场检查，该店铺存在销售涉嫌侵权商品的行为，已依法扣押相关商品并立案"
            "调查，已督促商家为您办理退款。",
            "执法人员已到店核查，商家已将涉嫌假冒商品下架封存，我局将依法处理，并已告知您处理结果。",
        ),
    ),
    Theme(
        "MR.FAKE.THREENO",
        4,
        ("{place}售卖三无{goods}", "小区附近出售无标识{goods}"),
        (
            "{place}的{shop}出售没有厂名厂址和生产日期的{goods}，{when}一直在卖，担心质量有问题。",
            "在{shop}买的{goods}没有任何标签，用了以后出现问题，商家拒绝处理。",
        ),
        ("请查处三无产品。", "要求商家退货并赔偿。"),
        (
            "经现场检查，该商户确有销售无标识商品的情况，已责令下架并依法处理，"
            "已联系您说明情况并协调退货。",
        ),
    ),
    Theme(
        "MR.FAKE.FOOD",
        4,
        ("{place}超市销售过期食品", "买到掺假的食用油", "熟食店销售变质食品"),
        (
            "{when}在{place}的一家超市买的食品已经过期，店里货架上还有不少同批次商品。",
            "在{place}一家粮油店买的食用油明显掺假，和标签写的不一致，花了{small}元。",
            "{place}的熟食店卖的卤肉有异味，吃了以后家人肚子不舒服。",
        ),
        ("请查处并督促商家赔偿。",),
        ("执法人员已对该店进行检查，对过期食品予以没收，依法立案处理，商家已按规定向您赔偿。",),
    ),
    Theme(
        "MR.FAKE.DRUG",
        2,
        ("药店出售过期药品", "怀疑买到假药"),
        (
            "{when}在{place}的药店买的药品已经过期，店员说可以继续吃，我很担心。",
            "在{place}一家药店买的药和医院开的同名药外观不一样，怀疑是假药。",
        ),
        ("请尽快核查这家药店。",),
        ("执法人员已对该药店开展检查，涉事药品已封存送检，将依法严肃处理，已电话告知您进展。",),
    ),
    # Consumers.
    Theme(
        "MR.PREPAID.REFUND",
        5,
        ("{trade}预付卡退费难", "办卡后{trade}拒绝退款"),
        (
            "我在{place}的一家{trade}办了{money}元的会员卡，现在服务缩水，要求退卡被拒绝。",
            "{when}去{trade}消费，发现已换了老板，之前充值的{money}元不认了。",
        ),
        ("请帮助协调退还余额。",),
        (
            "经调解，商家同意按剩余金额为您办理退费，已与您电话确认。",
            "已约谈商家负责人，商家承诺在七个工作日内退还余款，我局将跟踪落实。",
        ),
    ),
    Theme(
        "MR.PRICE.WEIGHT",
        3,
        ("{place}菜摊缺斤短两", "市场商户秤不准"),
        (
            "在{place}买菜，回家一称少了将近二两，{when}好几次都是这样。",
            "{place}有摊主用的电子秤有问题，买了{small}元的东西明显不够分量。",
        ),
        ("请检查市场的计量器具。",),
        ("已对该市场计量器具开展检查，对问题秤予以没收并责令整改，市场已设置公平秤。",),
    ),
    Theme(
        "MR.ONLINE",
        3,
        ("网购{goods}商家拒绝售后", "本地网店发错货不退款"),
        (
            "在本地一家网店买了{goods}，收到后有质量问题，商家{when}一直拖着不处理。",
            "网上下单的{goods}与描述不符，申请退款被商家拒绝，金额{amount}元。",
        ),
        ("请督促商家退款。",),
        ("经调解，商家同意为您办理退货退款，已与您确认。",),
    ),
    # Rights of the elderly.
    Theme(
        "EL.FRAUD.HEALTHPRODUCT",
        4,
        ("老人被诱骗购买高价保健品", "{place}有人办讲座推销保健品"),
        (
            "我家老人{when}在{place}参加所谓的健康讲座，被忽悠花了{money}元买保健品，说能治病。",
            "{place}有人以送鸡蛋为名把老人拉去听课，然后高价卖保健品，老人已经买了好几次。",
        ),
        ("请查处这种骗老人的行为，帮忙追回钱款。",),
        (
            "经核查，该场所存在虚假宣传保健品功效的行为，已责令停止并依法立案，"
            "已协助您家老人办理退款。",
        ),
        confidential_share=0.2,
    ),
    Theme(
        "EL.CARE.INSTITUTION",
        2,
        ("养老院护理不到位", "养老机构服务质量差"),
        (
            "我父亲住在{place}附近一家养老院，{when}去探望发现老人身上有褥疮，护理人员不足。",
            "养老院伙食差、房间冷，向院方反映多次没有改进。",
        ),
        ("请对这家养老院进行检查。",),
        ("已对该养老机构开展专项检查，责令其增加护理人员并整改，已向您反馈整改情况。",),
        confidential_share=0.3,
    ),
    Theme(
        "EL.FACILITY",
        2,
        ("老旧小区缺少扶手", "希望加装适老化设施"),
        (
            "{community}小区住的老人多，楼道没有扶手，{when}已经有老人摔倒了。",
            "社区活动中心门口台阶太高，坐轮椅和拄拐的老人进不去。",
        ),
        ("希望加装扶手和坡道。",),
        ("已将该小区纳入适老化改造计划，楼道扶手将于下月安装，已告知您安排。",),
        type=TicketType.SUGGESTION,
    ),
    # Rights of women.
    Theme(
        "WO.MATERNITY.DISMISSAL",
        2,
        ("怀孕后被公司辞退", "孕期被单位调岗降薪"),
        (
            "我在一家公司工作两年，{when}告诉单位怀孕后，公司以各种理由要我主动辞职。",
            "怀孕后单位把我调到外地岗位，工资也降了，我不同意就说要解除合同。",
        ),
        ("请维护我的合法权益。",),
        ("劳动监察部门已约谈用人单位，单位已撤销调岗决定并恢复原工资待遇，已与您确认。",),
        confidential_share=0.5,
    ),
    Theme(
        "WO.EMPLOY",
        1,
        ("招聘限制女性", "招聘广告只招男性"),
        ("{place}一家企业的招聘广告写明只招男性，岗位本身没有特殊要求。",),
        ("请纠正就业性别歧视。",),
        ("已责令该企业修改招聘信息，删除性别限制内容，并对其进行了法规宣传。",),
    ),
    # Minors.
    Theme(
        "MI.VENUE.NETCAFE",
        3,
        ("网吧接纳未成年人", "{place}网吧有学生通宵上网"),
        (
            "{place}的一家网吧{when}经常有穿校服的中学生进出，晚上很晚都不出来。",
            "孩子说同学都在{place}附近一家网吧上网，不用身份证就能开机。",
        ),
        ("请查处违规接纳未成年人的网吧。",),
        ("文化执法人员已对该网吧进行突击检查，发现违规接纳未成年人，已依法处罚并责令整改。",),
        confidential_share=0.3,
    ),
    Theme(
        "MI.SALES",
        2,
        ("商店向学生卖烟", "{place}小卖部向未成年人售酒"),
        ("{place}学校旁边的小卖部向学生卖烟，{when}好几次看到初中生在买。",),
        ("请查处。",),
        ("执法人员已对该店进行检查并依法处罚，店铺已张贴不向未成年人售烟酒的标识。",),
    ),
    Theme(
        "MI.TRAINING.REFUND",
        2,
        ("培训机构不退费", "校外培训机构关门退费难"),
        (
            "给孩子在{place}一家培训机构报了{money}元的课，{when}机构突然停课，联系不上老板。",
            "孩子不想继续上课，培训机构以合同为由拒绝退还剩余课时费。",
        ),
        ("请帮助退还剩余费用。",),
        ("已约谈培训机构负责人，机构已同意按剩余课时退费，已与您确认。",),
    ),
    # The disabled.
    Theme(
        "DI.ACCESS.TACTILE",
        3,
        ("盲道被车辆占用", "{place}盲道中断"),
        (
            "{place}的盲道{when}被停放的车辆和摊位占着，视障朋友根本没法走。",
            "{place}一段盲道铺到树坑就断了，很危险。",
        ),
        ("请清理占用并修复盲道。",),
        ("已组织清理占用盲道的车辆和杂物，破损盲道已安排修复，并加强日常巡查。",),
    ),
    Theme(
        "DI.SUBSIDY.LIVING",
        2,
        ("残疾人补贴没有按时发放", "咨询残疾人两项补贴"),
        (
            "我家孩子有残疾证，{when}的护理补贴一直没有到账，社区说不清楚原因。",
            "想咨询残疾人生活补贴和护理补贴的申请条件，去社区问了几次都没弄明白。",
        ),
        ("请核实并尽快发放。",),
        ("经核实，补贴因银行账户信息变更未能到账，已更正信息并补发，已电话告知您。",),
        type=TicketType.HELP,
    ),
    # Workers.
    Theme(
        "LA.WAGE.MIGRANT",
        5,
        ("工地拖欠农民工工资", "{place}项目欠薪"),
        (
            "我们一行十几个人在{place}附近的工地干活，{when}的工资一直没发，包工头联系不上。",
            "在工地干了三个月，老板拖欠工资{wage}元，多次讨要无果。",
        ),
        ("请帮助追讨工资。",),
        (
            "劳动保障监察部门已约谈施工单位和总包单位，欠付工资已全额支付到位，已与您确认。",
            "已责令施工企业限期支付，工资已通过农民工工资专用账户发放。",
        ),
    ),
    Theme(
        "LA.CONTRACT.UNSIGNED",
        2,
        ("单位不签劳动合同", "入职半年未签合同"),
        ("我在{place}一家餐馆工作半年了，老板一直不签劳动合同，也不交社保。",),
        ("请督促单位签订劳动合同。",),
        ("已责令用人单位依法签订劳动合同并补缴社会保险，单位已整改。",),
    ),
    Theme(
        "LA.SOCINS",
        2,
        ("公司不给缴社保", "单位少缴社保"),
        ("公司{when}一直没有给员工缴纳社会保险，工资条上却有扣款。",),
        ("请核查。",),
        ("经核查，单位存在欠缴情况，已责令限期补缴，单位已办理补缴手续。",),
    ),
    # Street order.
    Theme(
        "SO.STALL.VENDOR",
        10,
        ("{place}流动摊贩占道经营", "占道摆摊影响通行"),
        (
            "{place}{when}聚集了很多流动摊贩，占了人行道和半条车道，早晚高峰很堵。",
            "{place}有卖水果和小吃的摊贩占道经营，垃圾也不清理。",
        ),
        ("请清理占道摊点。",),
        (
            "街道已会同城管执法人员进行清理，劝导摊贩进入指定疏导点经营，并安排专人巡查。",
            "已对占道摊点进行整治，设置了临时便民疏导点，后续将加强巡查防止反弹。",
        ),
        by_street=True,
    ),
    Theme(
        "SO.STALL.BBQ",
        5,
        ("{place}露天烧烤油烟扰民", "夜间露天烧烤"),
        (
            "{place}的烧烤店把炉子摆到人行道上，{when}烟很大，一直到凌晨还很吵。",
            "楼下饭店露天烧烤，油烟直接飘进家里，窗户都不敢开。",
        ),
        ("请取缔露天烧烤。",),
        ("已责令商户将烧烤移入店内并安装油烟净化设施，街道将持续跟踪检查。",),
        by_street=True,
    ),
    Theme(
        "SO.POSTING.FLYER",
        6,
        ("小区楼道小广告泛滥", "{place}乱贴小广告"),
        (
            "{community}小区楼道和单元门上贴满了开锁、办证的小广告，{when}清了又贴。",
            "{place}的电线杆和墙上都是小广告，很影响市容。",
        ),
        ("请清理并查处张贴者。",),
        ("社区已组织人员清理小广告，并对广告上的号码进行处理，将加强巡查。",),
        by_street=True,
    ),
    Theme(
        "SO.PARKING.SIDEWALK",
        4,
        ("人行道被机动车占满", "{place}车辆乱停"),
        ("{place}的人行道{when}停满了车，行人只能走机动车道，很不安全。",),
        ("请加强管理。",),
        ("已对该路段违停车辆进行劝离和处罚，并设置了隔离桩。",),
    ),
    Theme(
        "SO.PARKING.SHAREDBIKE",
        2,
        ("共享单车堆满路口", "{place}共享单车乱停放"),
        ("{place}共享单车乱停放，{when}把路口都堵了。",),
        ("请督促企业清理。",),
        ("已通知运营企业清运调度，并划定停放区域，企业安排专人维护。",),
    ),
    Theme(
        "SO.NOISE.CONSTRUCTION",
        4,
        ("工地夜间施工噪音扰民", "{place}附近工地半夜施工"),
        (
            "{place}附近的工地{when}晚上十一点以后还在施工，噪音很大，影响休息。",
            "小区旁边工地凌晨还在打桩，老人孩子都睡不好。",
        ),
        ("请制止夜间施工。",),
        ("已对施工单位进行查处，责令其停止夜间违规施工，确需连续施工的须办理审批并公示。",),
    ),
    Theme(
        "SO.NOISE.SQUAREDANCE",
        3,
        ("广场舞音响声音过大", "{place}广场舞噪音"),
        ("{place}每天晚上跳广场舞，音响开得很大，{when}一直到九点多。",),
        ("希望限定音量和时间。",),
        ("社区已与广场舞队伍负责人沟通，约定音量和结束时间，并配发了分贝仪。",),
    ),
    Theme(
        "SO.NOISE.COMMERCIAL",
        2,
        ("商铺外放音响招揽顾客", "{place}商家高音喇叭扰民"),
        ("{place}的几家商铺门口用高音喇叭循环播放促销广告，{when}从早到晚。",),
        ("请制止。",),
        ("已责令商户停止使用高音喇叭，并将持续巡查。",),
    ),
    Theme(
        "SO.SANITATION.GARBAGE",
        4,
        ("小区垃圾清运不及时", "{place}垃圾堆积"),
        ("{community}小区的垃圾桶{when}都是满的，没人清运，气味很大。",),
        ("请及时清运。",),
        ("已督促环卫作业单位加密清运频次，垃圾已清理完毕。",),
    ),
    # Utilities and window industries.
    Theme(
        "HO.HEATING.OUTAGE",
        5,
        ("暖气不热", "家里暖气温度低"),
        (
            "{community}小区供暖以来家里暖气一直不热，室温只有十五六度，{when}打热力公司电话没人管。",
            "家里暖气片上热下凉，屋里很冷，家里有老人和孩子。",
        ),
        ("请尽快上门维修。",),
        ("热力公司已上门排查，对管道进行了排气和阀门调节，室温已达标，已与您确认。",),
        type=TicketType.HELP,
    ),
    Theme(
        "HO.PROPERTY.SERVICE",
        3,
        ("物业不作为", "小区物业服务差"),
        ("{community}小区物业{when}不打扫卫生，单元门坏了也不修，交了物业费没人管。",),
        ("请督促物业整改。",),
        ("已约谈物业公司，物业已修复单元门并恢复日常保洁，社区将跟踪监督。",),
    ),
    Theme(
        "WI.GOVHALL.REDTAPE",
        2,
        ("政务大厅办事多次跑腿", "办证要求重复提交材料"),
        ("在政务服务大厅办理业务，{when}跑了三次，每次都说材料不全，要求前后不一致。",),
        ("希望一次性告知所需材料。",),
        ("已核实情况并对窗口人员进行批评教育，已为您办结业务，并完善了一次性告知清单。",),
    ),
    Theme(
        "WI.BANK",
        1,
        ("银行网点排队时间长", "银行拒收现金"),
        ("{place}附近的银行网点只开一个窗口，{when}排队要一个多小时。",),
        ("希望增加窗口。",),
        ("已督促该网点在高峰时段增开窗口，并加强弹性排班。",),
    ),
    Theme(
        "TR.ROAD.STREETLIGHT",
        2,
        ("路灯不亮", "{place}一段路灯坏了"),
        ("{place}一段路的路灯{when}都不亮，晚上走路很黑，不安全。",),
        ("请尽快修复。",),
        ("已安排维修人员更换故障灯具，路灯已恢复照明。",),
        type=TicketType.HELP,
    ),
)

# Hotline calls that the operator answers on the spot from the knowledge base (直办).
DIRECT_QUESTIONS = (
    "咨询办理流程",
    "询问办事地点和时间",
    "咨询政策规定",
)

CONTACT_NOTES = (
    "电话联系市民，了解具体情况，告知将尽快处理。",
    "已电话联系市民核实地址和诉求。",
    "与市民约定上门查看时间。",
    "现场走访，与市民当面沟通。",
)
RETURN_TEXTS = (
    "该问题位于其他街道辖区，请重新派单。",
    "该事项不属于本单位职责范围，建议派至属地政府。",
    "诉求地址不详，无法核实，请补充信息后重新派单。",
)
SEND_BACK_REASONS = (
    "答复内容过于简单，未说明处理结果，请补充。",
    "未写明与市民沟通情况，请完善后重新提交。",
    "处理措施不具体，请说明整改时限。",
)
EXTENSION_REASONS = (
    "需协调多个部门共同处理，申请延期。",
    "整改涉及施工，需等待天气条件允许，申请延期。",
    "需要第三方检测结果，申请延期。",
)
APPEAL_REASONS = ("市民诉求超出政策规定，已依法依规答复并做好解释工作，申请核减。",)
APPEAL_EVIDENCE = ("附现场核查记录和与市民沟通的通话录音编号。",)
COMMENTS_GOOD = ("处理很及时，谢谢。", "工作人员态度很好。", "问题已经解决了。", "")
COMMENTS_BAD = ("问题没有解决，还是老样子。", "只打了个电话，没有人来现场。", "答复敷衍。")


@dataclass(frozen=True)
class Text:
    title: str
    description: str
    request: str


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def fake_phone(n: int) -> str:
    """A valid-format mobile number that is plainly made up: 138 0000 xxxx."""
    return f"1380000{n % 10000:04d}"


def compose(theme: Theme, rng: random.Random, *, street: str) -> Text:
    """A title, description and request for one ticket of this theme in this street."""
    shop, goods, prices = rng.choice(MERCHANDISE)
    slots = {
        "place": street + rng.choice(LANDMARKS),
        "shop": shop,
        "goods": goods,
        "amount": rng.choice(prices),
        "money": rng.choice((1200, 2680, 3000, 4800, 6800)),
        "small": rng.choice((18, 26, 35, 48)),
        "wage": rng.choice((8600, 12000, 15800, 23000)),
        "community": street.removesuffix("街道").removesuffix("镇")[:4] + rng.choice(COMMUNITIES),
        "when": rng.choice(WHEN),
        "trade": rng.choice(TRADES),
    }
    title = rng.choice(theme.titles).format(**slots)[:120]
    description = rng.choice(theme.details).format(**slots)
    return Text(title=title, description=description, request=rng.choice(theme.asks))
