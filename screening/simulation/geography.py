"""Where the simulated parcels come from and go to: mainland districts, foreign places, phones, currencies."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class District:
    """A mainland district with its administrative region code (first six digits of a resident ID)."""

    province: str
    city: str
    district: str
    code: str
    postcode: str
    area_code: str


DISTRICTS: tuple[District, ...] = (
    District("上海市", "上海市", "浦东新区", "310115", "200120", "21"),
    District("上海市", "上海市", "徐汇区", "310104", "200030", "21"),
    District("上海市", "上海市", "闵行区", "310112", "201100", "21"),
    District("北京市", "北京市", "朝阳区", "110105", "100020", "10"),
    District("北京市", "北京市", "海淀区", "110108", "100080", "10"),
    District("北京市", "北京市", "丰台区", "110106", "100071", "10"),
    District("广东省", "广州市", "天河区", "440106", "510630", "20"),
    District("广东省", "广州市", "白云区", "440111", "510440", "20"),
    District("广东省", "广州市", "番禺区", "440113", "511400", "20"),
    District("广东省", "深圳市", "南山区", "440305", "518052", "755"),
    District("广东省", "深圳市", "福田区", "440304", "518033", "755"),
    District("广东省", "深圳市", "宝安区", "440306", "518101", "755"),
    District("广东省", "深圳市", "龙岗区", "440307", "518116", "755"),
    District("浙江省", "杭州市", "西湖区", "330106", "310012", "571"),
    District("浙江省", "杭州市", "余杭区", "330110", "311100", "571"),
    District("浙江省", "金华市", "义乌市", "330782", "322000", "579"),
    District("江苏省", "南京市", "鼓楼区", "320106", "210009", "25"),
    District("江苏省", "苏州市", "姑苏区", "320508", "215008", "512"),
    District("四川省", "成都市", "武侯区", "510107", "610041", "28"),
    District("四川省", "成都市", "锦江区", "510104", "610021", "28"),
    District("湖北省", "武汉市", "洪山区", "420111", "430070", "27"),
    District("福建省", "厦门市", "思明区", "350203", "361001", "592"),
    District("福建省", "福州市", "鼓楼区", "350102", "350001", "591"),
    District("山东省", "青岛市", "市南区", "370202", "266001", "532"),
    District("山东省", "济南市", "历下区", "370102", "250014", "531"),
    District("河南省", "郑州市", "金水区", "410105", "450003", "371"),
    District("陕西省", "西安市", "雁塔区", "610113", "710061", "29"),
    District("天津市", "天津市", "南开区", "120104", "300100", "22"),
    District("重庆市", "重庆市", "渝中区", "500103", "400010", "23"),
    District("湖南省", "长沙市", "岳麓区", "430104", "410006", "731"),
    District("辽宁省", "沈阳市", "和平区", "210102", "110001", "24"),
    District("云南省", "昆明市", "五华区", "530102", "650021", "871"),
)

# Relative population of each district above (people and parcels are drawn in these proportions).
DISTRICT_WEIGHTS: tuple[float, ...] = (
    6, 3, 3, 5, 4, 2, 4, 2, 2, 5, 3, 3, 3, 3, 3, 4, 2, 2, 3, 2, 3, 2, 1, 2, 1, 2, 2, 2, 2, 2, 1, 1,
)  # fmt: skip

ROADS: tuple[str, ...] = (
    "人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "长江路", "黄河路", "文化路", "科技路",
    "学院路", "胜利路", "光明路", "青年路", "工业路", "东风路", "幸福路", "友谊路", "创业路", "环城路",
    "滨江路", "花园路", "迎宾路", "朝阳路", "复兴路", "团结路", "健康路", "振兴路", "五一路", "民主路",
)  # fmt: skip

COMPOUNDS: tuple[str, ...] = (
    "阳光花园", "翠苑", "锦绣家园", "金色家园", "华府", "世纪城", "万科城", "碧桂园", "绿地公寓", "东方大厦",
    "国际大厦", "名都花园", "丽景苑", "紫荆花园", "御景湾",
    "新城公寓", "天悦府", "康乐苑", "海棠湾", "枫林苑",
)  # fmt: skip

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国文斌宇浩凯婷雪琳晨欣怡子轩梓涵一诺博宁"
)
SHOP_WORDS = ("优品", "好物", "生活", "数码", "美妆", "母婴", "鞋服", "家居", "户外", "食品")
SHOP_KINDS = ("商贸有限公司", "电子商务有限公司", "贸易有限公司", "科技有限公司")
PLATFORMS = ("taobao", "tmall", "jd", "pinduoduo", "douyin")


@dataclass(frozen=True, slots=True)
class Abroad:
    """A foreign (or HK/Macau/Taiwan) place: how its addresses, phones and money look."""

    country: str
    city: str
    districts: tuple[str, ...]
    roads: tuple[str, ...]
    # str.format template over road, num, floor, flat; the ring variants reorder it.
    detail: str
    detail_variant: str
    phone_prefix: str
    phone_digits: int
    currency: str
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]


_LATIN_FIRST = ("JOHN", "MARY", "DAVID", "SARAH", "MICHAEL", "EMMA", "JAMES", "ANNA", "PETER", "LUCY", "KEN")
_LATIN_LAST = ("SMITH", "JONES", "BROWN", "WILSON", "TAYLOR", "MILLER", "DAVIS", "CLARK", "HALL", "YOUNG")
_HK_FIRST = ("TAI MAN", "SIU MING", "KA YAN", "WING KEI", "HOI LAM", "CHI KEUNG", "MEI LING")
_HK_LAST = ("CHAN", "WONG", "LEE", "CHEUNG", "LAU", "NG", "LEUNG", "HO")

ABROAD: tuple[Abroad, ...] = (
    Abroad(
        "HK", "Hong Kong", ("Kowloon", "Mong Kok", "Causeway Bay", "Sha Tin", "Tsuen Wan"),
        ("Nathan Road", "Des Voeux Road", "King's Road", "Queen's Road", "Castle Peak Road"),
        "Flat {flat}, {floor}/F, {num} {road}", "{num} {road}, {floor}/F Flat {flat}",
        "+8529", 7, "HKD", _HK_FIRST, _HK_LAST,
    ),
    Abroad(
        "MO", "Macau", ("Taipa", "Se", "Coloane"),
        ("Rua do Campo", "Avenida de Almeida Ribeiro", "Rua de Pequim", "Avenida do Infante"),
        "{road} n. {num}, {floor} andar {flat}", "{road} {num} {floor}{flat}",
        "+8536", 7, "MOP", _HK_FIRST, _HK_LAST,
    ),
    Abroad(
        "TW", "台北市", ("大安區", "信義區", "中山區"),
        ("忠孝東路", "信義路", "敦化南路", "復興北路"),
        "{road}{num}號{floor}樓", "{road}{num}號{floor}F",
        "+8869", 8, "TWD", ("志明", "淑芬", "家豪", "怡君"), ("陳", "林", "黃", "張"),
    ),
    Abroad(
        "US", "Los Angeles", ("CA",), ("Wilshire Blvd", "Sunset Blvd", "Main Street", "Olive Avenue"),
        "{num} {road} Apt {floor}{flat}", "{num} {road} #{floor}{flat}",
        "+1213555", 4, "USD", _LATIN_FIRST, _LATIN_LAST,
    ),
    Abroad(
        "JP", "Tokyo", ("Shinjuku", "Shibuya", "Minato"), ("Nishi-Shinjuku", "Jingumae", "Roppongi"),
        "{num}-{floor}-{flat} {road}", "{road} {num}-{floor}-{flat}",
        "+8190", 8, "JPY", ("HIROSHI", "YUKI", "KENJI", "AYAKA"), ("SATO", "SUZUKI", "TANAKA", "ITO"),
    ),
    Abroad(
        "KR", "Seoul", ("Gangnam-gu", "Mapo-gu", "Jongno-gu"), ("Teheran-ro", "Yanghwa-ro", "Jong-ro"),
        "{num} {road} {floor}0{flat}", "{road} {num}, {floor}0{flat}",
        "+8210", 8, "KRW", ("MINJUN", "SEOYEON", "JIHO", "HAEUN"), ("KIM", "LEE", "PARK", "CHOI"),
    ),
    Abroad(
        "GB", "London", ("Camden", "Westminster"), ("Baker Street", "Oxford Street", "King Street"),
        "Flat {floor}{flat}, {num} {road}", "{num} {road} Flat {floor}{flat}",
        "+447", 9, "GBP", _LATIN_FIRST, _LATIN_LAST,
    ),
    Abroad(
        "DE", "Berlin", ("Mitte", "Kreuzberg"), ("Hauptstrasse", "Bahnhofstrasse", "Gartenweg"),
        "{road} {num}, {floor}. OG {flat}", "{road} {num} {flat}",
        "+4915", 9, "EUR", _LATIN_FIRST, _LATIN_LAST,
    ),
    Abroad(
        "AU", "Sydney", ("NSW",), ("George Street", "Pitt Street", "Elizabeth Street"),
        "Unit {floor}{flat}, {num} {road}", "{floor}{flat}/{num} {road}",
        "+614", 8, "AUD", _LATIN_FIRST, _LATIN_LAST,
    ),
    Abroad(
        "SG", "Singapore", ("Central",), ("Orchard Road", "Bukit Timah Road", "Tampines Avenue"),
        "{num} {road} #{floor}-{flat}", "Blk {num} {road} {floor}-{flat}",
        "+658", 7, "SGD", _LATIN_FIRST, _LATIN_LAST,
    ),
    Abroad(
        "RU", "Moscow", ("Tverskoy",), ("Tverskaya", "Arbat", "Lenina"),
        "{road} {num}, kv {floor}{flat}", "{road} d {num} kv {floor}{flat}",
        "+7916", 7, "RUB", ("IVAN", "OLGA", "SERGEI", "NATALIA"), ("IVANOV", "PETROVA", "SMIRNOV", "POPOVA"),
    ),
)  # fmt: skip

# How often each place above is the other end of a cross-border parcel.
ABROAD_WEIGHTS: tuple[float, ...] = (8, 2, 3, 5, 4, 4, 2, 2, 2, 2, 1)

CARRIERS: tuple[str, ...] = ("SF", "EMS", "YTO", "ZTO", "STO", "YD", "JD")
CARRIER_NAMES: dict[str, str] = {
    "SF": "顺丰速运",
    "EMS": "中国邮政EMS",
    "YTO": "圆通速递",
    "ZTO": "中通快递",
    "STO": "申通快递",
    "YD": "韵达快递",
    "JD": "京东物流",
}
CARRIER_WEIGHTS: tuple[float, ...] = (12, 8, 17, 22, 12, 16, 13)
# Personal postal articles (个人邮递物品) go by the postal service; everything else by any carrier.
POSTAL_CARRIER = "EMS"
CROSS_BORDER_CARRIERS: tuple[str, ...] = ("SF", "EMS", "JD", "YTO")
