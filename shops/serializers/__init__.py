"""How shops, categories, products and images look in JSON (owner and public views), one module each."""

from shops.serializers.fields import MoneyField, money
from shops.serializers.images import ProductImageSerializer, PublicGridImageSerializer, PublicProductImageSerializer
from shops.serializers.products import (
    InventoryItemSerializer,
    ProductSerializer,
    PublicInventoryItemSerializer,
    PublicProductListItemSerializer,
    PublicProductSerializer,
    PublicShopProductSerializer,
    VariantOptionSerializer,
    VariantTypeSerializer,
)
from shops.serializers.shops import (
    CategorySerializer,
    FeaturedCategorySerializer,
    PublicCategorySerializer,
    PublicShopSerializer,
    PublicShopWithProductsSerializer,
    ShopSerializer,
)

__all__ = [
    "CategorySerializer",
    "FeaturedCategorySerializer",
    "InventoryItemSerializer",
    "MoneyField",
    "ProductImageSerializer",
    "ProductSerializer",
    "PublicCategorySerializer",
    "PublicGridImageSerializer",
    "PublicInventoryItemSerializer",
    "PublicProductImageSerializer",
    "PublicProductListItemSerializer",
    "PublicProductSerializer",
    "PublicShopProductSerializer",
    "PublicShopSerializer",
    "PublicShopWithProductsSerializer",
    "ShopSerializer",
    "VariantOptionSerializer",
    "VariantTypeSerializer",
    "money",
]
