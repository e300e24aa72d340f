"""PROHIBITED_ITEM through an examiner's eyes, second pass: shop titles of cosmetics, food, drink, medicine,
baby, home, pet and fashion goods, and contraband disguised in those aisles.

Read after test_scenarios_examiner_wording.py (whose rows are not repeated here, nor those of
test_scenarios_prohibited_wording.py, test_scenarios_goods_law.py, test_scenarios_goods.py,
test_scenarios_english_goods.py or tests/data/goods_labelled.csv), with the same judgements: an ordinary
article whose title holds a listed term as a substring, across a space (Chinese is read joined) or in
another sense has no prohibited hit and is not read as hazardous chemicals; a disguised prohibited article
is hit under its own class. Rows are checked on GoodsCatalogue.analyse, the matcher the engine uses.

Judgements (rows an officer could argue about are left out):
- Appliances named after a fuel hold none (as 汽油发电机 on the safe list): an ethanol fireplace, a
  propane fire pit, a kerosene heater; an empty 酒精分装瓶 holds no alcohol.
- Foods and drinks flash-frozen with liquid nitrogen or canned with nitrogen hold no gas to ship; an
  alcohol content on a beer label is a drink, not a flammable liquid.
- Nail polish, perfume and whitening strips are ordinary goods, as in the colleague's file.
- Prohibited: 罂粟壳 under any name, CBD/THC products, opioids, amphetamine and date-rape drugs by brand,
  rodenticide and pesticide folk names of listed poisons, protected wildlife, live pets (活体动物),
  children's fireworks, gas canisters and aerosols, solvent fuels.
- Left out as arguable: 84 bleach (次氯酸钠), Xanax, 96 % spirits, 大麻籽 bird seed, real 玳瑁 clips,
  grenade-shaped dog toys, foam dart guns, 羚羊角 and 熊胆 patent medicines, 火酒 (红红火火 酒杯 would
  share the term), 焰火 alone (火焰 火龙果), 奶油气 alone (奶油气质), 可待因 alone (不含可待因).
"""

from typing import Any

import pytest

from features.goods import GoodsCatalogue
from tests.screening.goods_rows import assert_ordinary, assert_prohibited, p

ORDINARY_PARAMS = ("description", "category")
PROHIBITED_PARAMS = ("description", "prohibited_class")


def g(description: str, category: str | None = None) -> Any:
    """One ordinary-goods row: a description and its declared category (None: left to the service)."""
    return pytest.param(description, category, id=description)


def check_ordinary(catalogue: GoodsCatalogue, description: str, category: str | None) -> None:
    """The ordinary-goods check."""
    assert_ordinary(catalogue.analyse(description, category=category), description)


def check_prohibited(catalogue: GoodsCatalogue, description: str, prohibited_class: str) -> None:
    """The prohibited-goods check."""
    assert_prohibited(catalogue.analyse(description), description, prohibited_class)


# 1. Ordinary goods the service already clears


ORDINARY: list[Any] = [
    g("宠物猫 活体益生菌 调理肠胃"),
    g("止咳糖浆 不含可待因 儿童"),
    g("codeine-free cough syrup 4 fl oz"),
    g("红红火火 酒杯 新年 一对"),
    g("火焰 火龙果 红心 5斤"),
    g("奶油气质 针织 开衫 女"),
    g("生日快乐 气球 套装"),
    g("大 烟斗 实木 手工"),
    g("玉米壳 手工 编织 材料"),
    g("山奈 沙姜 卤料 香料 100g"),
    g("太空 油画 装饰画 儿童房"),
    g("羚羊感冒片 24片"),
    g("烟花 图案 马克杯"),
    g("红色 珊瑚绒 四件套"),
    g("香蕉 水果 麦片 早餐"),
    g("鱼缸 硝化细菌 净水"),
    g("猫咪 逗猫 激光笔"),
    g("Mary Jane shoes black patent"),
    g("Coke Zero 330ml 24 cans"),
    g("Crystal Light drink mix lemonade"),
    g("ethanol free toner 200ml"),
    g("non aerosol hair spray 250ml"),
    g("Maison Margiela Replica Lazy Sunday Morning 30ml"),
    g("金枪鱼 猫罐头 85g 24罐"),
    g("金枪鱼 寿司 饭团 海苔"),
    g("枪乌贼 冷冻 鱿鱼须"),
    g("宠物 梳子 枪灰色 开结"),
    g("口红 枪色 金属管"),
    g("猫 玩具 逗猫棒 羽毛"),
    g("泡泡枪 儿童 加特林 电动"),
    g("儿童 水枪 夏天 戏水"),
    g("额温枪 婴儿 家用 测温"),
    g("耳温枪 儿童 精准"),
    g("筋膜枪 迷你 便携"),
    g("喷雾枪 园艺 浇花"),
    g("裱花枪 蛋糕 奶油 裱花嘴"),
    g("热熔胶枪 DIY 儿童 手工"),
    g("子弹头 口红 雾面"),
    g("子弹杯 烈酒杯 玻璃 12只"),
    g("子弹笔记本 手账 A5"),
    g("子弹咖啡 防弹 MCT"),
    g("沐浴炸弹 浴球 玫瑰 礼盒"),
    g("泡澡炸弹 儿童 彩虹"),
    g("卡路里炸弹 芝士蛋糕"),
    g("烟花易冷 歌词 帆布包"),
    g("电子鞭炮 乔迁 免燃放"),
    g("鞭炮挂件 春节 车挂"),
    g("发光仙女棒 演唱会 应援"),
    g("电子打火机 充电 金属"),
    g("氦气球 铝膜 生日 数字"),
    g("氮气咖啡 冷萃 罐装"),
    g("一氧化碳报警器 家用 厨房"),
    g("酒精湿巾 婴儿 80抽"),
    g("无酒精 湿巾 婴儿 手口 80抽"),
    g("零酒精 啤酒 330ml 6罐"),
    g("低酒精 果酒 微醺 女生"),
    g("酒精检测仪 吹气式 交警"),
    g("苯氧乙醇 成分 面霜"),
    g("无乙醇 爽肤水 孕妇"),
    g("油漆刷 墙面 猪鬃"),
    g("水性油漆 儿童房 环保 乳胶漆"),
    g("硫磺皂 控油 除螨 125g"),
    g("硫磺软膏 皮肤 外用"),
    g("高锰酸钾外用片 坐浴"),
    g("医用双氧水 伤口 清洗"),
    g("水银体温计 腋下 玻璃"),
    g("酸奶菌种 家用 发酵 10袋"),
    g("纳豆菌种 自制"),
    g("体外寄生虫 猫 驱虫 滴剂"),
    g("体内寄生虫 狗 驱虫药"),
    g("抗病菌 洗手液 儿童"),
    g("除病菌 洗衣液 母婴"),
    g("硫酸镁 泻盐 泡脚"),
    g("硫酸软骨素 氨糖 中老年"),
    g("硫酸亚铁 补铁 孕妇"),
    g("硫酸锌 口服液 儿童 补锌"),
    g("硝酸咪康唑 散 脚气"),
    g("硝酸甘油片 急救"),
    g("蓄电池充电器 12V 电动车"),
    g("大麻哈鱼 鱼子酱 100g"),
    g("复方盐酸伪麻黄碱 缓释胶囊"),
    g("大麻花 天津 传统 零食"),
    g("鸦片鱼 冷冻 2条"),
    g("象牙白 连衣裙 法式"),
    g("象牙色 针织 毛衣"),
    g("象牙果 手串 塔瓜"),
    g("玳瑁色 发夹 复古"),
    g("玳瑁纹 眼镜框 圆框"),
    g("仿玳瑁 抓夹 大号"),
    g("穿山甲 玩偶 毛绒 儿童"),
    g("藏羚羊 公仔 毛绒"),
    g("熊掌豆腐 农家 特产"),
    g("非疫区 牛肉 冷冻"),
    g("茅台镇 白酒 53度 500ml"),
    g("omega-3 鱼油 软胶囊"),
    g("金枪鱼 罐头 油浸 185g"),
    g("地雷系 连衣裙 甜美"),
    g("火药味 香水 中性"),
    g("花炸弹 香水 礼盒"),
    g("黑鸦片 香水 淡香精"),
    g("鸦片香水 女士 淡香"),
    g("象牙卡 白卡纸 300g"),
    g("熊掌饼干 巧克力 夹心"),
    g("富硒粉 葛根 粉"),
    g("锅底火锅 麻辣 调料"),
    g("大麻团 芝麻 球 速冻"),
    g("炮弹鱼 干 海鲜"),
    g("酒精肝 护肝片 葛根"),
    g("三乙醇胺 成分 洗面奶"),
    g("苯甲醇 成分 香水"),
    g("双氧水3% 消毒 伤口"),
    g("甲苯咪唑 驱虫 宠物"),
    g("丙酮酸 焕肤 精华"),
    g("牙膏含硝酸钾 抗敏"),
    g("熊掌造型 暖手宝"),
    g("地雷系 假发 双马尾"),
    g("充电点火枪 厨房 燃气灶"),
    g("火柴人 玩偶 贴纸"),
    g("攀岩镁粉 液体 防滑"),
    g("金枪鱼 冻干 猫零食"),
    g("冻干 鸡胸肉 狗零食"),
    g("三文鱼 猫粮 成猫"),
    g("鹿角 磨牙棒 狗狗"),
    g("Nerf gun foam darts refill 100 pcs"),
    g("massage gun mini portable"),
    g("bath bombs gift set 12 pcs"),
    g("hot cocoa bombs 6 pack"),
    g("BTS Dynamite vinyl"),
    g("gunpowder green tea loose leaf 250g"),
    g("Grenade Carb Killa protein bar 12 pack"),
    g("water gun for kids pool toys"),
    g("squirt gun 6 pack party favors"),
    g("toy gun set for boys"),
    g("bubble gun for kids with refill"),
    g("thermometer gun digital forehead"),
    g("caulking gun dripless"),
    g("hot glue gun full size 60W"),
    g("cigarette lighter adapter USB-C"),
    g("fire extinguisher bracket universal"),
    g("propane regulator hose 5ft"),
    g("acetone-free nail polish remover pads"),
    g("isopropyl alcohol wipes 200 count"),
    g("alcohol-free mouthwash 1L"),
    g("3% hydrogen peroxide 32 oz"),
    g("omega-3 fish oil 1000mg"),
    g("Black Opium EDP 90ml"),
    g("replica jersey home 2024"),
    g("spy camera detector anti spy"),
    g("bullet journal dotted A5"),
    g("magic bullet blender"),
    g("pangolin plush toy"),
    g("tiffany blue dress"),
    g("Guns N' Roses T-shirt vintage"),
    g("Top Gun Maverick jacket"),
    g("seed bombs wildflower"),
    g("Grenade protein powder chocolate"),
]


@pytest.mark.parametrize(ORDINARY_PARAMS, ORDINARY)
def test_ordinary_goods_of_these_aisles_are_not_prohibited(
    catalogue: GoodsCatalogue, description: str, category: str | None
) -> None:
    """Safe-listed compounds in new titles, and look-alike words, have no hit and are not hazardous."""
    check_ordinary(catalogue, description, category)


# 2. Prohibited goods, disguised, that the service already catches


PROHIBITED: list[Any] = [
    p("罂粟壳 中药材 正品", "drugs"),
    p("罂粟果 干 整个", "drugs"),
    p("海乐神 三唑仑", "drugs"),
    p("川山甲 片 中药 50g", "endangered_wildlife"),
    p("卡式炉 气罐 8罐", "compressed_gases"),
    p("高原 氧气罐 便携 1000ml", "compressed_gases"),
    p("一氧化二氮 气瓶 8g", "compressed_gases"),
    p("稀料 5L 油漆 稀释", "flammable_liquids"),
    p("75%酒精 消毒液 500ml", "flammable_liquids"),
    p("香水 A货 大牌", "counterfeit"),
    p("鱼缸 增氧片 过氧化钙", "oxidisers"),
    p("酒精块 火锅 燃料", "flammable_liquids"),
    p("固体酒精 火锅 20块", "flammable_solids"),
]


@pytest.mark.parametrize(PROHIBITED_PARAMS, PROHIBITED)
def test_disguised_prohibited_goods_are_caught_with_their_class(
    catalogue: GoodsCatalogue, description: str, prohibited_class: str
) -> None:
    """Spaced, aliased or joined, the article is hit under its own class."""
    check_prohibited(catalogue, description, prohibited_class)


# 3. Suspected bugs: ordinary goods rejected, one test per kind of mistake


TOOLS_AND_TOYS_NAMED_GUN: list[Any] = [
    g("宠物 喂药器 喂药枪 猫咪 狗狗"),
    g("pet pill gun for cats and dogs"),
    g("pill gun soft tip for cats"),
    g("水光枪 美容仪 家用 导入"),
    g("婴儿 体温枪 红外 额温 家用"),
    g("jerky gun with 3 nozzles"),
    g("icing gun cake decorating set"),
    g("frosting gun 24 nozzles"),
    g("airbrush gun for cake decorating"),
    g("tagging gun for clothes 1000 barbs"),
    g("ray gun toy with lights and sounds"),
    g("money gun toy cash shooter party"),
    g("积木枪 拼装 儿童 益智"),
    g("儿童 玩具冲锋枪 声光 电动"),
    g("玩具 冲锋枪 电动 音乐"),
    g("饼干枪 曲奇 裱花 家用"),
    g("厨房 火焰枪 烧烤 烘焙"),
    g("扎啤枪 酒头 酒吧 配件"),
    g("空调 清洗枪 高压"),
]


@pytest.mark.parametrize(ORDINARY_PARAMS, TOOLS_AND_TOYS_NAMED_GUN)
def test_tools_and_toys_named_gun_are_not_firearms(
    catalogue: GoodsCatalogue, description: str, category: str | None
) -> None:
    """Like the safe-listed 额温枪, 裱花枪, 玩具机枪 and cookie press gun: tools and
    toys, no firearm."""
    check_ordinary(catalogue, description, category)


FASHION_NAMES_AND_MERCH: list[Any] = [
    g("枪驳领 西装 外套 女 宽松"),
    g("阿森纳 枪手 球衣 主场 2024"),
    g("枪炮玫瑰 乐队 T恤 复古"),
    g("Sex Pistols T-shirt Never Mind the Bollocks"),
    g("Bullet For My Valentine band T-shirt"),
    g("Bullet Club T-shirt NJPW"),
    g("Machine Gun Kelly hoodie tour merch"),
    g("Anthrax band T-shirt Among the Living"),
    g("Imagine Dragons Radioactive T-shirt"),
    g("Velvet Revolver T-shirt Contraband"),
    g("gun club check blazer wool"),
    g("bullet bra vintage 1950s cone"),
    g("switchblade comb retro greaser"),
    g("海军刺绣 条纹 T恤"),
    g("美军刺绣 臂章 魔术贴"),
    g("棉麻古风 连衣裙 女 夏"),
    g("汉服 棉麻 古风 上衣"),
    g("亚麻 古着 衬衫 男 复古"),
    g("大红 珊瑚绒 毛毯 加厚"),
    g("酒红 珊瑚绒 睡衣 女 冬季"),
    g("红色罂粟花 印花 连衣裙"),
    g("罂粟花 耳环 复古"),
    g("烟花烫 卷发棒"),
]


@pytest.mark.parametrize(ORDINARY_PARAMS, FASHION_NAMES_AND_MERCH)
def test_fashion_styles_prints_and_band_merch_are_not_prohibited(
    catalogue: GoodsCatalogue, description: str, category: str | None
) -> None:
    """枪驳领 is a peak lapel, 海军刺绣 navy embroidery (no 军刺), 棉麻古风 linen (no 麻古),
    红珊瑚绒 a fleece, Sex Pistols a band."""
    check_ordinary(catalogue, description, category)


FOODS_AND_DRINKS: list[Any] = [
    g("小磨 香油 芝麻 古法 石磨 500ml"),
    g("黑芝麻 古法 石磨 芝麻酱"),
    g("台湾 大麻糬 花生 红豆"),
    g("超大 麻薯 欧包 早餐"),
    g("高邮 大麻鸭 咸鸭蛋 20枚"),
    g("香蕉 水蜜桃 冻干 混合 果干"),
    g("Perrier 巴黎水 天然气泡矿泉水 330ml 24瓶"),
    g("天然 气泡水 无糖 苏打"),
    g("液氮锁鲜 海参 即食"),
    g("液氮 速冻 牛排 原切"),
    g("氮气冷萃 咖啡 罐装 250ml"),
    g("健力士 氮气啤酒 440ml 罐"),
    g("安琪 酒精酵母 自酿 白酒 500g"),
    g("葡萄酒 酵母 酒精发酵 家用 自酿"),
    g("精酿 啤酒 酒精含量 5.2% 330ml"),
    g("无醇 啤酒 酒精浓度 0.5%"),
    g("醒酒 解酒糖 加速 酒精代谢"),
    g("gunpowder chutney podi 200g"),
    g("MTR gunpowder spice mix idli podi"),
    g("芝士炸弹 面包"),
    g("无亚硝酸盐 添加 火腿"),
    g("泡菜 亚硝酸盐 检测 试纸"),
]


@pytest.mark.parametrize(ORDINARY_PARAMS, FOODS_AND_DRINKS)
def test_foods_and_drinks_are_not_prohibited(
    catalogue: GoodsCatalogue, description: str, category: str | None
) -> None:
    """芝麻 古法 holds no 麻古, 大 麻糬 no 大麻, 天然气泡水 no 天然气, 液氮锁鲜 and 氮气冷萃 no gas in
    the parcel, 酒精含量 is a label."""
    check_ordinary(catalogue, description, category)


COSMETIC_INGREDIENTS: list[Any] = [
    g("染发膏 含乙醇胺 无氨"),
    g("香水 成分 苯乙醇 玫瑰"),
    g("爽肤水 苯氧基乙醇 防腐"),
    g("美黑 乳 二羟基丙酮 自然 古铜"),
    g("护手霜 丁羟甲苯 成分"),
    g("二丁基羟基甲苯 抗氧化 食品添加剂 标注"),
    g("滴露 消毒液 对氯间二甲苯酚 1.8L"),
    g("不含甲苯 指甲油 孕妇 可用"),
    g("无甲苯 甲醛 指甲油 12色"),
    g("toluene-free nail polish 15ml"),
    g("toluene free nail polish 5-free"),
    g("benzene-free sunscreen lotion SPF 50"),
    g("benzene free dry shampoo"),
    g("氧化锌粉 化妆品级 DIY"),
    g("二氧化钛粉 化妆品级 色粉"),
    g("柠檬酸镁粉 补镁 助眠"),
    g("甘氨酸镁 粉 补镁 成人"),
    g("宠物 硫磺 香波 除螨 狗狗"),
    g("上海 硫磺 药皂 除螨"),
    g("硫磺 沐浴露 除螨 控油"),
    g("hydrogen peroxide teeth whitening strips 28 pcs"),
    g("Crest 3D Whitestrips hydrogen peroxide 20 treatments"),
    g("hydrogen peroxide cream developer 20 volume 1L"),
    g("6% hydrogen peroxide developer for hair dye"),
    g("过氧化氢酶 面膜 补水"),
]


@pytest.mark.parametrize(ORDINARY_PARAMS, COSMETIC_INGREDIENTS)
def test_cosmetic_ingredients_and_negations_are_not_chemicals(
    catalogue: GoodsCatalogue, description: str, category: str | None
) -> None:
    """乙醇胺/苯乙醇/二羟基丙酮/丁羟甲苯 are other molecules, 不含甲苯 and toluene-free
    negations, 柠檬酸镁粉 a supplement, whitening strips and developer
    cosmetics."""
    check_ordinary(catalogue, description, category)


PRODUCT_NAMES: list[Any] = [
    g("Garnier Moisture Bomb sheet mask"),
    g("Replica By the Fireplace EDT 100ml"),
    g("Replica Jazz Club eau de toilette 100ml"),
    g("微笑 气垫 BB霜 遮瑕"),
    g("美国 Ivory 象牙 香皂 10块"),
    g("拒绝假货 专柜正品 面霜"),
    g("正品保证 打击假冒 精华液"),
]


@pytest.mark.parametrize(ORDINARY_PARAMS, PRODUCT_NAMES)
def test_cosmetic_product_names_are_not_prohibited(
    catalogue: GoodsCatalogue, description: str, category: str | None
) -> None:
    """Moisture Bomb is a Garnier mask, Replica a Margiela perfume line
    (margiela replica is safe-listed), 微笑 气垫 a cushion, Ivory a soap."""
    check_ordinary(catalogue, description, category)


MEDICINES_AND_PET_CARE: list[Any] = [
    g("盐酸 小檗碱片 黄连素 100片"),
    g("硝酸硫康唑 乳膏 脚气"),
    g("硝酸奥昔康唑 乳膏"),
    g("硝酸布康唑 阴道 乳膏"),
    g("硝酸益康唑 乳膏 皮炎"),
    g("硫酸新霉素 软膏"),
    g("硫酸妥布霉素 滴眼液"),
    g("大宠爱 猫 驱虫药 体内外 寄生虫"),
    g("狗狗 驱虫 预防 寄生虫 滴剂"),
    g("消毒湿巾 杀灭病菌 99.9% 80抽"),
    g("洗衣液 防止 病菌滋生 除菌"),
    g("鱼缸 亚硝酸盐 测试剂 水质"),
]


@pytest.mark.parametrize(ORDINARY_PARAMS, MEDICINES_AND_PET_CARE)
def test_medicines_and_pet_care_are_not_prohibited(
    catalogue: GoodsCatalogue, description: str, category: str | None
) -> None:
    """Like the safe-listed 硝酸咪康唑, 硫酸庆大霉素, 体内寄生虫 and 除病菌: medicines and
    claims, not acids or pathogens."""
    check_ordinary(catalogue, description, category)


HOME_AND_TOYS: list[Any] = [
    g("全身镜 落地 水银镜 高清"),
    g("浴室镜 水银镜面 防雾"),
    g("生漆 茶盘 实木 手工"),
    g("生漆 木碗 手工 漆器"),
    g("新房 除甲醛 除油漆味 活性炭"),
    g("去除 油漆味 竹炭包 500g"),
    g("酒精壁炉 嵌入式 家用 装饰"),
    g("乙醇壁炉 落地 仿真火"),
    g("ethanol fireplace tabletop indoor"),
    g("propane fire pit table 50000 BTU"),
    g("propane patio heater stainless"),
    g("煤油取暖器 家用"),
    g("打火机 保护套 皮质"),
    g("酒精分装瓶 空瓶 喷雾 便携"),
    g("仿真 红珊瑚 鱼缸 造景 树脂"),
    g("magic mushroom night light kids"),
    g("Super Mario magic mushroom plush"),
    g("water bottle rocket launcher kit for kids"),
    g("firecracker plush dog toy"),
    g("卖火柴的小女孩 绘本 儿童 精装"),
    g("公主 魔法 仙女棒 儿童 玩具 星星"),
    g("仙女棒 魔法棒 女孩 生日礼物"),
    g("搞笑 气球 生日 派对 装饰"),
    g("non radioactive anion bracelet"),
    g("非危化品 除垢剂 柠檬酸 500g"),
]


@pytest.mark.parametrize(ORDINARY_PARAMS, HOME_AND_TOYS)
def test_home_goods_books_and_toys_are_not_prohibited(
    catalogue: GoodsCatalogue, description: str, category: str | None
) -> None:
    """水银镜 is silvered glass, 生漆 茶盘 cured lacquer, an ethanol fireplace holds
    no fuel (like 汽油发电机), 卖火柴的小女孩 a book."""
    check_ordinary(catalogue, description, category)


# 4. Suspected bugs: prohibited goods let through, one test per kind of mistake


DRUGS: list[Any] = [
    p("御米壳 中药材 500g", "drugs"),
    p("大烟壳 火锅 调料", "drugs"),
    p("大烟膏 老料", "drugs"),
    p("CBD flower 3.5g", "drugs"),
    p("CBD软糖 25mg", "drugs"),
    p("CBD 油 10%", "drugs"),
    p("Delta-8 gummies 25mg", "drugs"),
    p("delta 8 vape cartridge", "drugs"),
    p("Adderall 30mg 60 tablets", "drugs"),
    p("OxyContin 80mg", "drugs"),
    p("oxycodone 30mg pills", "drugs"),
    p("rohypnol 2mg", "drugs"),
    p("codeine cough syrup 120ml", "drugs"),
    p("可待因 止咳水", "drugs"),
    p("复方磷酸可待因 口服液", "drugs"),
    p("羟考酮 缓释片", "drugs"),
    p("氟硝西泮 片", "drugs"),
    p("海乐神 0.25mg", "drugs"),
    p("听话水 无色无味", "drugs"),
    p("恰特草 100g", "drugs"),
]


@pytest.mark.parametrize(PROHIBITED_PARAMS, DRUGS)
def test_drugs_under_trade_names_and_aliases_are_caught(
    catalogue: GoodsCatalogue, description: str, prohibited_class: str
) -> None:
    """御米壳 and 大烟壳 are 罂粟壳, CBD flower and Delta-8 cannabis products,
    Adderall amphetamine, 海乐神 三唑仑, 听话水 a date-rape drug."""
    check_prohibited(catalogue, description, prohibited_class)


POISONS: list[Any] = [
    p("砒石 中药", "toxic"),
    p("三步倒 老鼠药 强力", "toxic"),
    p("耗子药 三步倒", "toxic"),
    p("呋喃丹 颗粒 500g", "toxic"),
    p("克无踪 除草剂 200ml", "toxic"),
    p("山奈钠 工业", "toxic"),
    p("火硝 500g", "oxidisers"),
]


@pytest.mark.parametrize(PROHIBITED_PARAMS, POISONS)
def test_poisons_under_trade_and_folk_names_are_caught(
    catalogue: GoodsCatalogue, description: str, prohibited_class: str
) -> None:
    """砒石 is crude arsenic, 三步倒 tetramine, 呋喃丹 the listed 克百威, 克无踪 百草枯, 山奈钠
    sodium cyanide, 火硝 potassium nitrate."""
    check_prohibited(catalogue, description, prohibited_class)


WILDLIFE: list[Any] = [
    p("鲮鲤甲 中药 100g", "endangered_wildlife"),
    p("豹骨 泡酒", "endangered_wildlife"),
    p("海龟 标本 摆件", "endangered_wildlife"),
    p("金钱鳘 花胶 老料", "endangered_wildlife"),
    p("黄唇鱼 鱼胶 野生", "endangered_wildlife"),
    p("阿卡珊瑚 戒面", "endangered_wildlife"),
    p("momo珊瑚 手串", "endangered_wildlife"),
    p("totoaba fish maw", "endangered_wildlife"),
    p("活体 仓鼠 一对", "banned_import_export"),
    p("柯基 幼犬 活体", "banned_import_export"),
    p("live hamster pair", "banned_import_export"),
]


@pytest.mark.parametrize(PROHIBITED_PARAMS, WILDLIFE)
def test_protected_wildlife_and_live_animals_are_caught(
    catalogue: GoodsCatalogue, description: str, prohibited_class: str
) -> None:
    """鲮鲤甲 is 穿山甲片, 金钱鳘/黄唇鱼/totoaba maw protected fish, 阿卡/momo 珊瑚 red coral;
    live animals are listed as 活体动物."""
    check_prohibited(catalogue, description, prohibited_class)


FIREWORKS: list[Any] = [
    p("掼炮 儿童 50盒", "explosives"),
    p("呲花 儿童 手持", "explosives"),
    p("电光花 手持 儿童", "explosives"),
    p("钻天猴 100支", "explosives"),
    p("闪光雷 10个", "explosives"),
    p("冷光焰火 婚礼 舞台", "explosives"),
    p("电光炮 一盒", "explosives"),
]


@pytest.mark.parametrize(PROHIBITED_PARAMS, FIREWORKS)
def test_childrens_fireworks_by_trade_names_are_caught(
    catalogue: GoodsCatalogue, description: str, prohibited_class: str
) -> None:
    """掼炮 is 摔炮, 呲花 and 电光花 hand-held sparklers, 钻天猴 窜天猴, 冷光焰火 冷焰火."""
    check_prohibited(catalogue, description, prohibited_class)


GASES: list[Any] = [
    p("高山气罐 230g 露营", "compressed_gases"),
    p("扁气罐 户外 炉头", "compressed_gases"),
    p("卡磁气罐 250g 8罐", "compressed_gases"),
    p("雷达 气雾杀虫剂 600ml", "compressed_gases"),
    p("压缩空气 除尘罐 键盘 清洁 400ml", "compressed_gases"),
    p("canned air duster 10 oz 2 pack", "compressed_gases"),
    p("运动 补氧 压缩氧气 便携 罐 1000ml", "compressed_gases"),
    p("奶油气瓶 580g 大钢瓶", "compressed_gases"),
]


@pytest.mark.parametrize(PROHIBITED_PARAMS, GASES)
def test_gas_canisters_and_aerosols_by_other_names_are_caught(
    catalogue: GoodsCatalogue, description: str, prohibited_class: str
) -> None:
    """高山气罐/扁气罐/卡磁气罐 are the listed 户外气罐 and 卡式炉气罐, 气雾杀虫剂 a 气雾剂, 除尘罐 and
    canned air compressed gas."""
    check_prohibited(catalogue, description, prohibited_class)


SOLVENTS: list[Any] = [
    p("去渍油 衣服 去油污 500ml", "flammable_liquids"),
    p("溶剂油 120号 1L", "flammable_liquids"),
    p("洗板水 500ml 电路板", "flammable_liquids"),
    p("开油水 1L", "flammable_liquids"),
    p("稀料 3L 桶装", "flammable_liquids"),
    p("naphtha 1 quart stain remover", "flammable_liquids"),
    p("mineral spirits 1 gallon", "flammable_liquids"),
    p("Coleman camp fuel 1 gallon", "flammable_liquids"),
]


@pytest.mark.parametrize(PROHIBITED_PARAMS, SOLVENTS)
def test_cleaning_solvents_and_fuels_by_trade_names_are_caught(
    catalogue: GoodsCatalogue, description: str, prohibited_class: str
) -> None:
    """去渍油 and 溶剂油 are naphtha, 洗板水 白电油, 开油水 and 稀料 天那水, mineral spirits
    white spirit."""
    check_prohibited(catalogue, description, prohibited_class)


COUNTERFEIT: list[Any] = [
    p("一比一复刻 口红 大牌", "counterfeit"),
    p("一比一 复刻 包包", "counterfeit"),
]


@pytest.mark.parametrize(PROHIBITED_PARAMS, COUNTERFEIT)
def test_counterfeit_grading_in_chinese_numerals_is_caught(
    catalogue: GoodsCatalogue, description: str, prohibited_class: str
) -> None:
    """一比一复刻 grades a copy as the listed 1比1复刻 does."""
    check_prohibited(catalogue, description, prohibited_class)
