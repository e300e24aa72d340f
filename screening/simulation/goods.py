"""What simulated parcels hold: goods by category (realistic values, weights), brands, prohibited terms."""

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_DATA = Path(__file__).resolve().parents[2] / "features" / "data"


@dataclass(frozen=True, slots=True)
class Goods:
    """One kind of goods: its description, category, median unit value (CNY) and unit weight (kg)."""

    description: str
    category: str
    unit_cny: float
    unit_kg: float
    hs_code: str


GOODS: tuple[Goods, ...] = (
    Goods("奶粉 milk powder", "food", 220, 0.9, "040221"),
    Goods("零食礼盒 snack box", "food", 60, 0.8, "190590"),
    Goods("茶叶 tea", "food", 180, 0.3, "090210"),
    Goods("保健品 health supplements", "food", 300, 0.3, "210690"),
    Goods("面霜 face cream", "cosmetics", 420, 0.15, "330499"),
    Goods("精华液 serum", "cosmetics", 520, 0.12, "330499"),
    Goods("口红 lipstick", "cosmetics", 260, 0.05, "330410"),
    Goods("面膜 facial mask", "cosmetics", 150, 0.3, "330499"),
    Goods("蓝牙耳机 bluetooth earphones", "electronics", 600, 0.15, "851830"),
    Goods("手机 mobile phone", "electronics", 4200, 0.4, "851713"),
    Goods("平板电脑 tablet computer", "electronics", 3200, 0.6, "847130"),
    Goods("充电宝 power bank", "electronics", 150, 0.3, "850760"),
    Goods("相机镜头 camera lens", "electronics", 5200, 0.7, "900211"),
    Goods("纯棉T恤 cotton T-shirt", "apparel_shoes", 80, 0.25, "610910"),
    Goods("运动鞋 sneakers", "apparel_shoes", 450, 1.0, "640411"),
    Goods("羽绒服 down jacket", "apparel_shoes", 800, 1.2, "620193"),
    Goods("手提包 handbag", "bags_leather", 900, 0.9, "420221"),
    Goods("钱包 wallet", "bags_leather", 300, 0.2, "420231"),
    Goods("感冒药 cold medicine", "medicine", 60, 0.2, "300490"),
    Goods("维生素片 vitamin tablets", "medicine", 150, 0.3, "300450"),
    Goods("儿童玩具 children's toy", "children_products", 120, 0.6, "950300"),
    Goods("婴儿推车 baby stroller", "children_products", 1200, 8.0, "871500"),
    Goods("刹车片 brake pads", "auto_parts", 300, 2.0, "870830"),
    Goods("机油滤清器 oil filter", "auto_parts", 80, 0.5, "842123"),
    Goods("图书 books", "publications", 60, 0.6, "490199"),
    Goods("血压计 blood pressure monitor", "medical_devices", 300, 0.8, "901890"),
    Goods("蔬菜种子 vegetable seeds", "agri_inputs", 30, 0.2, "120991"),
    Goods("瓷砖 ceramic tiles", "building_materials", 200, 10.0, "690721"),
    Goods("日用品 household goods", "general", 80, 1.0, "392490"),
    Goods("厨具 kitchenware", "general", 150, 1.5, "732393"),
    Goods("手表 wristwatch", "general", 900, 0.2, "910211"),
)

DOCUMENTS = Goods("文件 documents", "documents", 0, 0.2, "490110")
# Goods that ant-moving rings split (high value per parcel, easy to resell).
RING_GOODS: tuple[str, ...] = (
    "面霜 face cream", "精华液 serum", "奶粉 milk powder", "蓝牙耳机 bluetooth earphones",
    "保健品 health supplements", "口红 lipstick",
)  # fmt: skip
# Goods declared far under their value.
UNDERVALUED_GOODS: tuple[str, ...] = ("手机 mobile phone", "平板电脑 tablet computer", "相机镜头 camera lens")
# Harmless-sounding descriptions used to hide prohibited goods.
COVER_DESCRIPTIONS: tuple[str, ...] = (
    "工艺品 handicraft",
    "日用品 household goods",
    "配件 spare parts",
    "礼品 gift",
)

BY_DESCRIPTION: dict[str, Goods] = {g.description: g for g in GOODS}


@dataclass(frozen=True, slots=True)
class Brand:
    """A protected brand alias with the category it is sold in and its price floor (CNY per unit)."""

    brand: str
    alias: str
    category: str
    floor_cny: float


def brands() -> tuple[Brand, ...]:
    """Brand aliases with a price floor in a named category, from features/data/brands.csv."""
    with (_DATA / "brands.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return tuple(
        Brand(r["brand"], r["alias"], r["category"], float(r["floor_cny"]))
        for r in rows
        if r["floor_cny"] and r["category"] != "*" and r["category"] != "general"
    )


def prohibited_terms(rng: np.random.Generator, count: int = 40) -> tuple[str, ...]:
    """A sample of Chinese prohibited terms from features/data/prohibited.csv (excluding counterfeit)."""
    with (_DATA / "prohibited.csv").open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["lang"] == "zh" and r["class"] != "counterfeit"]
    chosen = rng.choice(len(rows), size=min(count, len(rows)), replace=False)
    return tuple(rows[i]["term"] for i in sorted(chosen))


BRAND_GOODS: dict[str, tuple[str, ...]] = {
    "bags_leather": ("手提包 handbag", "钱包 wallet", "背包 backpack"),
    "apparel_shoes": ("运动鞋 sneakers", "外套 jacket", "围巾 scarf"),
    "cosmetics": ("香水 perfume", "口红 lipstick", "面霜 face cream"),
    "electronics": ("耳机 earphones", "手机 mobile phone", "吹风机 hair dryer"),
    "food": ("白酒 liquor",),
    "children_products": ("积木 building blocks",),
}
