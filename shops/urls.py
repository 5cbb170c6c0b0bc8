from django.urls import path

from shops.apis import owner, storefront, uploads

product = "<int:shop_id>/products/<int:product_id>/"

urlpatterns = [
    path("", owner.ShopListApi.as_view(), name="shop-list"),
    path("<int:shop_id>/", owner.ShopDetailApi.as_view(), name="shop-detail"),
    path("<int:shop_id>/profile-image/", owner.ShopProfileImageApi.as_view(), name="shop-profile-image"),
    path("<int:shop_id>/cover-image/", owner.ShopCoverImageApi.as_view(), name="shop-cover-image"),
    path("<int:shop_id>/categories/", owner.CategoryListApi.as_view(), name="category-list"),
    path(
        "<int:shop_id>/categories/<int:category_id>/",
        owner.CategoryDetailApi.as_view(),
        name="category-detail",
    ),
    path("<int:shop_id>/products/", owner.ProductListApi.as_view(), name="product-list"),
    path(product, owner.ProductDetailApi.as_view(), name="product-detail"),
    path(f"{product}images/", owner.ProductImageListApi.as_view(), name="product-image-list"),
    path(f"{product}images/upload/", owner.ProductImageUploadApi.as_view(), name="product-image-upload"),
    path(f"{product}images/reorder/", owner.ProductImageReorderApi.as_view(), name="product-image-reorder"),
    path(f"{product}images/upload-url/", uploads.ProductImageUploadUrlApi.as_view(), name="product-image-upload-url"),
    path(f"{product}images/complete/", uploads.ProductImageCompleteApi.as_view(), name="product-image-complete"),
    path("uploads/<str:token>/", uploads.LocalDirectUploadApi.as_view(), name="direct-upload-local"),
    path(f"{product}images/<int:image_id>/", owner.ProductImageDetailApi.as_view(), name="product-image-detail"),
    # The public storefront.
    path("slug/<slug:shop_slug>/", storefront.PublicShopApi.as_view(), name="storefront-shop"),
    path(
        "slug/<slug:shop_slug>/products/",
        storefront.PublicProductListApi.as_view(),
        name="storefront-product-list",
    ),
    path(
        "slug/<slug:shop_slug>/products/<slug:product_slug>/",
        storefront.PublicProductDetailApi.as_view(),
        name="storefront-product-detail",
    ),
    path(
        "slug/<slug:shop_slug>/categories/",
        storefront.PublicCategoryListApi.as_view(),
        name="storefront-category-list",
    ),
]
