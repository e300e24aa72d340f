"""PROHIBITED_ITEM, third pass: tools, car parts, outdoor gear, titles, toys, electronics, collectables.

Written from ../shared/domain/RULES.md §1 (禁止寄递物品指导目录, 18 classes) and §3 (whole-term matching),
README.md "What is checked" and features/data/*.csv. test_scenarios_examiner_wording.py,
test_scenarios_prohibited_wording.py, test_scenarios_goods_law.py, test_scenarios_goods.py,
test_scenarios_english_goods.py and tests/data/goods_labelled.csv hold other rows; none is repeated here.
Every row is checked on GoodsCatalogue.analyse, the matcher the engine uses.

Judgements:
- Ordinary utility knives (美工刀, X-Acto) and fish spears (鱼叉) are not 管制刀具; airsoft guns are firearms.
- Lithium batteries are electronics (the lists name only 金属锂/lithium metal): a coin cell is a battery.
- A part, gauge, hose, adapter or empty container of a listed article is not the article; a title is not
  an illegal publication; 非盗版 and A货 (jade grade) are not counterfeit words.
- Real lab chemicals (persulfates, 溴酸钾, formulas such as KMnO4 and H2SO4) stay prohibited.
- Left out as arguable: toy laser guns, invisible-ink 密写笔, paint-can crushers, 静态爆破剂, 火柴棒,
  洗板水, 火酒, carb-cleaner sprays, replica coins, KNO3 (a toothpaste ingredient), HCl (a drug salt).

Sections 3 and 4 were strict xfails, each row a bug an examiner found; the data now clears them all.
"""

from typing import Any

import pytest

from features.goods import GoodsCatalogue
from tests.screening.goods_rows import assert_ordinary, assert_prohibited, p


def g(description: str) -> Any:
    """One ordinary-goods row, its category left to the service."""
    return pytest.param(description, id=description)


# 1. Ordinary goods the service already clears


ORDINARY: list[Any] = [
    # named after a listed term the audits added (制冷剂, 冷烟火, 一级文物): a tool, a device, a book
    g("制冷剂压力表 空调 加氟 双表阀"),
    g("R410A 制冷剂表 套装 加氟工具"),
    g("冷烟火机 婚庆 舞台 设备"),
    g("一级文物图录 精装 书"),
    g("热风枪 2000W 数显 贴膜 拆焊"),
    g("吹气枪 高压 空压机 除尘"),
    g("充气枪 轮胎 带表 气压"),
    g("喷砂枪 除锈 气动"),
    g("油漆刷 猪鬃 4寸 家用"),
    g("油漆滚筒 刷 9寸 加长杆"),
    g("液化气减压阀 家用 防爆"),
    g("氧气表 减压阀 焊割 压力表"),
    g("焊条 J422 2.5mm 5kg"),
    g("焊锡丝 0.8mm 含松香"),
    g("灭火毯 家用 1.2m 厨房"),
    g("灭火器箱 2只装 空箱"),
    g("灭火器 标识牌 贴纸 夜光"),
    g("硫酸纸 描图纸 A4 100张"),
    g("硫酸纸 信封 半透明 婚礼"),
    g("硫酸镁 泻盐 浴盐 1kg"),
    g("烧杯 500ml 玻璃 实验室"),
    g("酒精灯 实验室 玻璃 150ml"),
    g("酒精炉 户外 不锈钢 野营"),
    g("酒精检测仪 吹气式 酒驾"),
    g("汽油泵 总成 电子"),
    g("柴油滤芯 油水分离器"),
    g("电瓶车 头盔 夏季"),
    g("枪灰色 轮毂 18寸"),
    g("枪色 轮毂 17寸 改装"),
    g("弹孔贴 汽车 划痕 遮挡"),
    g("子弹头列车 模型 新干线 1:87"),
    g("鱼叉 三齿 不锈钢 叉鱼"),
    g("卡式炉 便携 户外 野餐"),
    g("冷媒表 加氟表 汽车空调 双表"),
    g("锂电池 18650 3000mAh 2节"),
    g("锂金属电池 CR123A 相机"),
    g("婴儿监听器 哭声提醒 宝宝"),
    g("窃听风云 DVD 刘青云"),
    g("防偷拍 检测仪 酒店 红外"),
    g("防窃听 检测器 反偷拍 GPS"),
    g("hidden camera detector anti spy"),
    g("spy camera detector RF bug finder"),
    g("SPY×FAMILY 间谍过家家 漫画 1-12"),
    g("油漆笔 白色 签到 0.7mm"),
    g("火柴盒 小汽车 合金 5辆"),
    g("象牙卡 纸 300g 名片"),
    g("高仿真 恐龙 模型 儿童"),
    g("高仿真 绿植 盆栽 客厅"),
    g("正版 拒绝盗版 书籍 现货"),
    g("counterfeit money detector pen"),
    g("counterfeit bill detector UV light"),
    g("《枪炮、病菌与钢铁》 贾雷德·戴蒙德"),
    g("Guns, Germs, and Steel Jared Diamond paperback"),
    g("让子弹飞 DVD 姜文"),
    g("鸦片战争 DVD 谢晋"),
    g("《中国近代史 鸦片战争到五四运动》"),
    g("《走出象牙塔》 现代大学的社会责任"),
    g("反邪教 警示教育 读本"),
    g("Beatles Revolver vinyl LP"),
    g("Guns N' Roses Appetite for Destruction vinyl"),
    g("Top Gun Maverick 4K Blu-ray"),
    g("Cocaine Bear Blu-ray"),
    g("Bullet Train Blu-ray"),
    g("Napoleon Dynamite DVD"),
    g("BTS Dynamite vinyl"),
    g("加农炮 模型 1:35 拼装"),
    g("小军鼓 14寸 军鼓"),
    g("佳能 大炮 镜头 100-400"),
    g("电子烟花 LED 灯串 户外"),
    g("手枪式 洗车 喷头"),
    g("玳瑁色 板材 眼镜架 复古"),
    g("熊猫银币 30克 2024"),
    g("bullet journal dotted A5"),
    g("bullet hole decal car sticker"),
    g("bullet train model shinkansen"),
    g("pistol grip garden hose nozzle"),
    g("pistol grip drill 12V"),
    g("shotgun microphone Rode VideoMic"),
    g("heat gun 2000W"),
    g("soldering gun 100W"),
    g("air blow gun kit"),
    g("brad nailer 18 gauge"),
    g("ammo can dry box metal"),
    g("propane regulator hose"),
    g("fire extinguisher sign sticker 10 pack"),
    g("diesel fuel filter water separator"),
    g("kerosene lamp glass chimney"),
    g("benzene ring molecule necklace silver"),
    g("soil sample probe 12 inch stainless"),
    g("motorcycle battery charger 12V"),
    g("lithium battery 18650 rechargeable"),
    g("gunmetal grey wheels 18 inch"),
    g("ivory card stock 250gsm"),
    g("fire extinguisher bracket car"),
    g("吉他 弹片 拨片"),
    g("小提琴 松香"),
    g("美工刀片 SK5 100片"),
    g("刻刀 木刻 篆刻 套装"),
    g("笔刀 模型 雕刻"),
    g("电锤 冲击钻 两用 1500W"),
    g("扭力扳手 1/2 汽修 可调"),
    g("M8 膨胀螺丝 不锈钢 20套"),
    g("弹簧垫圈 M6 304 100个"),
    g("尖嘴钳 6寸 电工"),
    g("万用表 数字 高精度 防烧"),
    g("电焊面罩 自动变光 头戴"),
    g("氩弧焊丝 不锈钢 2.0mm"),
    g("助焊膏 焊锡膏 BGA 维修"),
    g("松香块 焊接 助焊"),
    g("量筒 100ml 玻璃 刻度"),
    g("试管 玻璃 15x150mm 100支"),
    g("pH试纸 1-14 广泛 实验"),
    g("培养皿 玻璃 90mm 10套"),
    g("防爆灯 LED 工厂 100W"),
    g("防爆手电 强光 充电"),
    g("安全帽 ABS 工地 国标"),
    g("手套 丁腈 耐油 工业"),
    g("机油 5W-30 全合成 4L"),
    g("玻璃水 -25℃ 2L 冬季"),
    g("防冻液 -35℃ 红色 4kg"),
    g("火花塞 铱金 4支 原厂"),
    g("行车记录仪 前后双录 4K"),
    g("车载充电器 快充 点烟器 一拖二"),
    g("汽车 应急启动电源 12V 锂电"),
    g("轮胎 补胎 工具 套装 蘑菇钉"),
    g("雨刮器 无骨 一对 26寸"),
    g("摩托车 头盔 全盔 四季"),
    g("电动车 挡风被 冬季 加厚"),
    g("电瓶车 雨衣 单人 加大"),
    g("电动车 充电器 48V 智能 锂电"),
    g("自行车 打气筒 高压 便携"),
    g("露营 帐篷 3-4人 防雨"),
    g("露营 天幕 黑胶 防晒"),
    g("睡袋 成人 冬季 加厚"),
    g("登山杖 碳素 伸缩 折叠"),
    g("头灯 充电 强光 钓鱼"),
    g("鱼竿 碳素 台钓 4.5米"),
    g("路亚 假饵 米诺 5只装"),
    g("鱼钩 伊势尼 有倒刺 100枚"),
    g("钓鱼 铅坠 开口铅 套装"),
    g("射箭 箭靶 草靶 60cm"),
    g("潜水 面镜 呼吸管 套装"),
    g("瑜伽垫 TPE 6mm 加宽"),
    g("乒乓球拍 双面反胶 横拍"),
    g("羽毛球拍 全碳素 单拍"),
    g("篮球 7号 室外 耐磨"),
    g("《百年孤独》 马尔克斯 精装"),
    g("《三体》 全集 刘慈欣"),
    g("《兵器知识》 杂志 2024年 合订本"),
    g("红海行动 蓝光 DVD"),
    g("湄公河行动 DVD"),
    g("扫毒 DVD 古天乐"),
    g("绝命毒师 全集 蓝光"),
    g("拆弹专家 DVD 刘德华"),
    g("Breaking Bad complete series Blu-ray"),
    g("Scarface 4K Blu-ray"),
    g("Call of Duty Modern Warfare III PS5"),
    g("Sniper Elite 5 PS5"),
    g("荒野大镖客2 PS4 光盘"),
    g("田宫 坦克 模型 1:35 虎式"),
    g("乐高 星球大战 千年隼 75257"),
    g("高达 模型 RG 独角兽"),
    g("遥控 飞机 航模 固定翼"),
    g("尤克里里 23寸 单板"),
    g("架子鼓 电子鼓 成人 家用"),
    g("口琴 24孔 复音 C调"),
    g("二胡 红木 专业 演奏"),
    g("吉他 民谣 41寸 面单"),
    g("彩虹圈 弹簧 儿童 玩具"),
    g("充电宝 20000mAh 22.5W 快充"),
    g("氮化镓 充电器 65W 三口"),
    g("蓝牙耳机 降噪 入耳式"),
    g("监控摄像头 家用 WiFi 360度"),
    g("录音笔 高清 降噪 64G"),
    g("手机电池 更换 大容量 iPhone 12"),
    g("干电池 7号 碱性 40粒"),
    g("美工刀 SK5 刀片 18mm 10片"),
    g("裁纸刀 A4 手动 切纸机"),
    g("刻刀 橡皮章 套装 5支"),
    g("滴胶 AB胶 水晶 手工 DIY"),
    g("丙烯颜料 24色 手绘 防水"),
    g("火漆印章 蜡 复古 套装"),
    g("手账 贴纸 烟花 图案 和纸胶带"),
    g("熊猫金币 1/10盎司 2023"),
    g("邮票 猴票 1980 收藏"),
    g("古钱币 开元通宝 收藏"),
    g("第四套人民币 收藏 纸币 册"),
    g("纸币 保护袋 收藏 100个"),
    g("纪念币 冬奥会 整卷"),
    g("仿古 青花瓷 摆件 客厅"),
    g("越王勾践剑 文创 书签"),
    g("torque wrench 1/2 inch drive"),
    g("cordless drill 20V brushless"),
    g("safety glasses anti fog ANSI"),
    g("welding helmet auto darkening"),
    g("solder wire 0.8mm rosin core"),
    g("digital multimeter auto ranging"),
    g("Erlenmeyer flask 250ml borosilicate"),
    g("lab test tubes with rack"),
    g("car phone mount magnetic"),
    g("dash cam front and rear 4K"),
    g("tire pressure gauge digital"),
    g("motorcycle helmet full face DOT"),
    g("camping tent 4 person waterproof"),
    g("sleeping bag 0 degree"),
    g("fishing rod carbon spinning 7ft"),
    g("fishing lures topwater 10 pcs"),
    g("archery target face 80cm"),
    g("recurve bow string wax"),
    g("The Godfather trilogy Blu-ray"),
    g("Killers of the Flower Moon Blu-ray"),
    g("LEGO Star Wars Millennium Falcon 75192"),
    g("Tamiya 1/35 Tiger I tank model kit"),
    g("acoustic guitar 41 inch"),
    g("snare drum 14 inch"),
    g("power bank 20000mAh USB-C"),
    g("USB C charger 65W GaN"),
    g("AA lithium batteries 8 pack"),
    g("craft knife with 10 blades"),
    g("X-Acto knife precision"),
    g("box cutter retractable"),
    g("coin holder album 150 pockets"),
    g("silver panda coin 30g 2024"),
    g("stamp collecting tweezers"),
    g("空调 冷媒管 铜管 3米"),
]


@pytest.mark.parametrize("description", ORDINARY)
def test_ordinary_goods_of_these_domains_are_not_prohibited(
    catalogue: GoodsCatalogue, description: str
) -> None:
    """An ordinary article whose title holds a risky-looking word has no prohibited hit."""
    assert_ordinary(catalogue.analyse(description), description)


# 2. Prohibited goods, disguised, that the service already catches


PROHIBITED: list[Any] = [
    p("直跳刀 D2 钢", "controlled_knives"),
    p("侧跳刀 开刃", "controlled_knives"),
    p("仿真枪 可发射 合金", "firearms"),
    p("BB枪 铅弹 4.5mm", "firearms"),
    p("十字弩 弩箭 碳素 12支", "controlled_knives"),
    p("cherry bombs 12 pcs", "explosives"),
    p("smoke bomb photography 5 colors", "explosives"),
    p("sparklers 36 inch wedding", "explosives"),
    p("异丁烷 气罐", "compressed_gases"),
    p("乙炔气 焊割 小钢瓶", "compressed_gases"),
    p("氧气瓶 焊割 便携 2L", "compressed_gases"),
    p("propane cylinder 1 lb camping", "compressed_gases"),
    p("butane gas refill 300ml", "compressed_gases"),
    p("松香水 1L 稀释", "flammable_liquids"),
    p("白电油 清洗 500ml", "flammable_liquids"),
    p("高锰酸钾 分析纯 500g", "oxidisers"),
    p("硝酸银 AR 25g", "oxidisers"),
    p("浓硫酸 98% 分析纯 500ml", "corrosives"),
    p("氢氟酸 蚀刻 玻璃 500ml", "corrosives"),
    p("片碱 99% 手工皂 1kg", "corrosives"),
    p("铅酸蓄电池 12V 7Ah UPS", "corrosives"),
    p("摩托车电瓶 12V 免维护 7Ah", "corrosives"),
    p("纽扣摄像头 无线 隐藏", "espionage"),
    p("bootleg DVD box set", "counterfeit"),
]


@pytest.mark.parametrize(("description", "prohibited_class"), PROHIBITED)
def test_disguised_prohibited_goods_are_caught_with_their_class(
    catalogue: GoodsCatalogue, description: str, prohibited_class: str
) -> None:
    """Trade-worded, the article is hit under its own class."""
    assert_prohibited(catalogue.analyse(description), description, prohibited_class)


# 3. Suspected bugs: ordinary goods rejected, one test per kind of mistake


TOOLS_AND_LAB: list[Any] = [
    g("吸锡枪 电动 拆焊 维修"),
    g("移液枪 可调 单道 实验室 10-100μl"),
    g("油漆空桶 带盖 20L 铁桶"),
    g("乙炔表 减压器 焊割"),
    g("灭火器压力表 替换"),
    g("tire inflator gun with gauge"),
    g("pipette gun lab"),
]


@pytest.mark.parametrize("description", TOOLS_AND_LAB)
def test_tools_and_lab_are_not_prohibited(catalogue: GoodsCatalogue, description: str) -> None:
    """Tools and lab instruments named 枪 / gun, or after the gas or paint they handle, are tools."""
    assert_ordinary(catalogue.analyse(description), description)


VEHICLE_PARTS: list[Any] = [
    g("汽油格 原厂 卡罗拉"),
    g("柴油暖风机 驻车加热器 12V"),
    g("摩托车电瓶 充电器 12V 智能"),
    g("汽车电瓶 固定架 压条"),
    g("电动车电瓶 防盗锁"),
    g("户外气罐 转换头 充气阀"),
    g("制冷剂 加注管 R134a 汽车空调 快速接头"),
    g("propane tank adapter hose"),
    g("LPG gas regulator with hose"),
    g("petrol fuel filter"),
    g("flex fuel ethanol content sensor"),
    g("methanol injection kit"),
    g("car battery hold down clamp"),
    g("car battery tray"),
]


@pytest.mark.parametrize("description", VEHICLE_PARTS)
def test_vehicle_parts_are_not_prohibited(catalogue: GoodsCatalogue, description: str) -> None:
    """Car, motorcycle and camping parts named after a fuel or a battery are parts."""
    assert_ordinary(catalogue.analyse(description), description)


SHAPES_AND_GEAR: list[Any] = [
    g("子弹孔 贴纸 汽车 个性"),
    g("子弹铅 德州钓组 路亚 铅坠"),
    g("炸弹钩 鲤鱼 爆炸钩 海竿"),
    g("bullet connectors 4mm RC"),
    g("bullet weights tungsten texas rig"),
    g("bullet sinkers fishing 50pcs"),
    g("Cherry Bomb glasspack muffler 2.5 inch"),
    g("Dagger Kayaks Axis 10.5"),
    g("switchblade comb"),
    g("butterfly knife comb"),
]


@pytest.mark.parametrize("description", SHAPES_AND_GEAR)
def test_shapes_and_gear_are_not_prohibited(catalogue: GoodsCatalogue, description: str) -> None:
    """Fishing tackle, stickers, combs and kayaks named after a bullet, bomb or knife are not weapons."""
    assert_ordinary(catalogue.analyse(description), description)


TITLES: list[Any] = [
    g("伪钞制造者 DVD"),
    g("地雷战 地道战 红色经典 DVD"),
    g("炸弹人 Bomberman Switch"),
    g("火药的发明 四大发明 儿童 绘本"),
    g("《毒品预防教育》 读本 中小学"),
    g("《三个火枪手》 大仲马 全译本"),
    g("《世界枪械图鉴》 军事 百科 彩图"),
    g("《砒霜与旧蕾丝》 剧本"),
    g("枪火重生 Steam 激活码"),
    g("枪炮玫瑰 专辑 黑胶"),
    g("枪花乐队 黑胶 LP"),
    g("披头士 左轮手枪 专辑 黑胶"),
    g("中国出土文物 图录 精装"),
    g("Sex Pistols Never Mind the Bollocks vinyl"),
    g("The Gun Seller Hugh Laurie"),
    g("Radioactive Imagine Dragons vinyl"),
    g("Anthrax Among the Living vinyl"),
    g("Morphine Cure for Pain vinyl"),
    g("LSD Labrinth Sia Diplo vinyl"),
    g("Cyanide & Happiness book"),
    g("Arsenic and Old Lace DVD"),
    g("Solid Waste Engineering textbook"),
]


@pytest.mark.parametrize("description", TITLES)
def test_titles_are_not_prohibited(catalogue: GoodsCatalogue, description: str) -> None:
    """Book, film, game and record titles that name a weapon, drug, poison or relic are publications."""
    assert_ordinary(catalogue.analyse(description), description)


TOYS_AND_CRAFT: list[Any] = [
    g("高达 MG 光束步枪 配件 改件"),
    g("体感枪 Switch 射击游戏 配件"),
    g("彩虹圈 魔术弹簧 儿童"),
    g("烟花 拼图 1000片"),
    g("炸弹猫 桌游 卡牌 中文版"),
    g("酒精 马克笔 touch 48色 双头"),
    g("washi tape fireworks pattern"),
]


@pytest.mark.parametrize("description", TOYS_AND_CRAFT)
def test_toys_and_craft_are_not_prohibited(catalogue: GoodsCatalogue, description: str) -> None:
    """Toys, model parts, puzzles and stationery named after a gun or firework are toys and stationery."""
    assert_ordinary(catalogue.analyse(description), description)


NEGATIONS_AND_GRADES: list[Any] = [
    g("A货翡翠 手镯 缅甸 带证书"),
    g("翡翠 A货 吊坠 天然"),
    g("正版图书 非盗版 假一赔十"),
    g("验钞机 识别假币 点钞机"),
    g("验钞笔 紫光 识别假钞"),
    g("museum replica terracotta warrior statue"),
    g("Titanic replica ship model 1:400"),
]


@pytest.mark.parametrize("description", NEGATIONS_AND_GRADES)
def test_negations_and_grades_are_not_prohibited(catalogue: GoodsCatalogue, description: str) -> None:
    """Negations, jade grades, detectors and museum replicas are not counterfeit or forged goods."""
    assert_ordinary(catalogue.analyse(description), description)


BATTERIES_AND_CLINICAL: list[Any] = [
    g("CR2032 lithium metal coin cell 3V"),
    g("金属锂电池 CR123A 3V"),
    g("医疗废物 垃圾袋 黄色 加厚"),
    g("医疗废物 周转箱"),
    g("血样运输箱 保温 生物安全"),
    g("blood sample collection tubes EDTA 100 pcs"),
    g("biohazard waste bags red"),
]


@pytest.mark.parametrize("description", BATTERIES_AND_CLINICAL)
def test_batteries_and_clinical_are_not_prohibited(catalogue: GoodsCatalogue, description: str) -> None:
    """Lithium cells and empty clinical-waste or specimen containers are ordinary goods."""
    assert_ordinary(catalogue.analyse(description), description)


# 4. Suspected bugs: prohibited goods let through, one test per kind of mistake


WEAPONS: list[Any] = [
    p("airsoft AEG M4 full metal", "firearms"),
    p("自弹刀 按键 开刃", "controlled_knives"),
    p("拳刺 防身 合金", "controlled_knives"),
    p("brass knucks", "controlled_knives"),
]


@pytest.mark.parametrize(("description", "prohibited_class"), WEAPONS)
def test_weapons_by_other_names_are_caught(
    catalogue: GoodsCatalogue, description: str, prohibited_class: str
) -> None:
    """Airsoft guns, switchblades and knuckles under trade words are caught."""
    assert_prohibited(catalogue.analyse(description), description, prohibited_class)


FIREWORKS: list[Any] = [
    p("导爆管 1000米 塑料", "explosives"),
    p("蹿天猴 100支", "explosives"),
    p("双响炮 10个 过年", "explosives"),
    p("闪光雷 过年", "explosives"),
    p("电光花 手持 儿童", "explosives"),
    p("pyrotechnics fountain cake", "explosives"),
]


@pytest.mark.parametrize(("description", "prohibited_class"), FIREWORKS)
def test_fireworks_by_other_names_are_caught(
    catalogue: GoodsCatalogue, description: str, prohibited_class: str
) -> None:
    """Fireworks and blasting accessories by trade name are caught."""
    assert_prohibited(catalogue.analyse(description), description, prohibited_class)


GASES: list[Any] = [
    p("手摇喷漆 金属漆 400ml", "compressed_gases"),
    p("压缩空气 除尘罐 电脑 键盘", "compressed_gases"),
    p("canned air duster 3 pack", "compressed_gases"),
    p("MAPP气 焊接 铜管 400g", "compressed_gases"),
    p("isobutane canister 230g", "compressed_gases"),
    p("gas cartridge Campingaz CV300", "compressed_gases"),
    p("高山气罐 230g 扁气罐", "compressed_gases"),
    p("瓦斯罐 卡式 4入", "compressed_gases"),
    p("汽车空调 冷媒 R134a 300g 罐装", "compressed_gases"),
    p("雪种 R22 空调", "compressed_gases"),
    p("cream whipper chargers 50 pack", "compressed_gases"),
]


@pytest.mark.parametrize(("description", "prohibited_class"), GASES)
def test_gases_by_other_names_are_caught(
    catalogue: GoodsCatalogue, description: str, prohibited_class: str
) -> None:
    """Gas canisters, aerosols and refrigerants by trade name are caught."""
    assert_prohibited(catalogue.analyse(description), description, prohibited_class)


FUELS: list[Any] = [
    p("Ronson lighter fuel 200ml", "flammable_liquids"),
    p("Coleman camp fuel 1 gallon", "flammable_liquids"),
    p("开油水 丝印 稀释", "flammable_liquids"),
    p("Esbit fuel tablets 14g 12 pcs", "flammable_solids"),
    p("铝热剂 焊接 铁轨", "flammable_solids"),
    p("thermite welding kit", "flammable_solids"),
    p("赤磷 500g", "flammable_solids"),
]


@pytest.mark.parametrize(("description", "prohibited_class"), FUELS)
def test_fuels_by_other_names_are_caught(
    catalogue: GoodsCatalogue, description: str, prohibited_class: str
) -> None:
    """Camping and lighter fuels, solvents, fuel tablets and thermite are caught."""
    assert_prohibited(catalogue.analyse(description), description, prohibited_class)


LAB_CHEMICALS: list[Any] = [
    p("溴酸钾 分析纯 500g", "oxidisers"),
    p("过硫酸铵 AR 500g", "oxidisers"),
    p("过硫酸钠 蚀刻 电路板", "oxidisers"),
    p("ammonium persulfate etchant 500g", "oxidisers"),
    p("KMnO4 500g 分析纯", "oxidisers"),
    p("H2SO4 98% 500ml AR", "corrosives"),
    p("HNO3 65% 500ml", "corrosives"),
    p("aqua regia 500ml", "corrosives"),
    p("NaOH 99% 500g", "corrosives"),
    p("液态汞 500g 实验", "toxic"),
    p("升汞 分析纯", "toxic"),
]


@pytest.mark.parametrize(("description", "prohibited_class"), LAB_CHEMICALS)
def test_lab_chemicals_by_other_names_are_caught(
    catalogue: GoodsCatalogue, description: str, prohibited_class: str
) -> None:
    """Lab chemicals by formula or another name are caught."""
    assert_prohibited(catalogue.analyse(description), description, prohibited_class)


CANNABIS: list[Any] = [
    p("CBD tincture 1000mg", "drugs"),
    p("CBD flower 3.5g", "drugs"),
]


@pytest.mark.parametrize(("description", "prohibited_class"), CANNABIS)
def test_cannabis_by_other_names_are_caught(
    catalogue: GoodsCatalogue, description: str, prohibited_class: str
) -> None:
    """Cannabis products by their shop names are caught."""
    assert_prohibited(catalogue.analyse(description), description, prohibited_class)
