"""A shop's payment settings: what it takes (manual with its instructions; Stripe once connected), and the
Stripe Connect onboarding of its account (Stripe's hosted pages, through an account link)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from api.compiled import CompiledQuery
from payments import gateway
from payments.models import ShopPaymentSettings
from shops.models import Shop

# Read by every checkout: compiled once per process (api.compiled). The stand-in: no id is negative.
_SETTINGS_OF_SHOP = CompiledQuery(
    lambda shop_id: ShopPaymentSettings.objects.filter(shop_id=shop_id).order_by("pk")[:1], shop_id=-1
)


def payment_settings_get(*, shop: Shop) -> ShopPaymentSettings:
    """The shop's settings; the defaults (manual payments, no instructions) when it never changed them."""
    found = _SETTINGS_OF_SHOP.run(shop_id=shop.id)
    if not found:
        return ShopPaymentSettings(shop=shop)
    found[0].shop = shop  # the caller's, as a default one has it
    return found[0]


@transaction.atomic
def payment_settings_update(
    *,
    shop: Shop,
    manual_enabled: bool | None = None,
    manual_instructions: str | None = None,
    stripe_enabled: bool | None = None,
) -> ShopPaymentSettings:
    shop_settings, _ = ShopPaymentSettings.objects.select_for_update().get_or_create(shop=shop)
    if manual_enabled is not None:
        shop_settings.manual_enabled = manual_enabled
    if manual_instructions is not None:
        shop_settings.manual_instructions = manual_instructions
    if stripe_enabled is not None:
        if stripe_enabled and not shop_settings.stripe_charges_enabled:
            raise ValidationError({"stripe_enabled": ["Connect a Stripe account that can take charges first."]})
        shop_settings.stripe_enabled = stripe_enabled
    shop_settings.full_clean()
    shop_settings.save()
    return shop_settings


def stripe_connect_start(*, shop: Shop) -> str:
    """The url of Stripe's onboarding for the shop's connected account (created on the first call)."""
    if not gateway.stripe_available():
        raise ValidationError("This platform takes no card payments (STRIPE_SECRET_KEY is not set).")
    with transaction.atomic():
        shop_settings, _ = ShopPaymentSettings.objects.select_for_update().get_or_create(shop=shop)
        if not shop_settings.stripe_account_id:
            # Keyed on the shop's id: two clicks make one account.
            account = gateway.account_create(shop_id=shop.id, email=shop.contact_email or shop.owner.email)
            shop_settings.stripe_account_id = account.id
            shop_settings.save(update_fields=["stripe_account_id", "updated_at"])
    back = f"{settings.FRONTEND_URL}/dashboard/shops/{shop.id}/payments"
    link = gateway.account_link_create(
        account=shop_settings.stripe_account_id, return_url=f"{back}?stripe=done", refresh_url=f"{back}?stripe=retry"
    )
    return str(link.url)


def stripe_account_refresh(*, shop: Shop) -> ShopPaymentSettings:
    """Read the connected account's state from Stripe (after the seller comes back from onboarding)."""
    shop_settings = payment_settings_get(shop=shop)
    if not shop_settings.stripe_account_id:
        return shop_settings
    account = gateway.account_retrieve(account=shop_settings.stripe_account_id)
    return stripe_account_update(account_id=account.id, charges_enabled=bool(account.charges_enabled))


@transaction.atomic
def stripe_account_update(*, account_id: str, charges_enabled: bool) -> ShopPaymentSettings:
    """What Stripe says of a connected account (the refresh above, or an `account.updated` event). Stripe
    turns on by itself when the account becomes able to take charges, and off when it no longer can."""
    shop_settings = ShopPaymentSettings.objects.select_for_update().get(stripe_account_id=account_id)
    if charges_enabled != shop_settings.stripe_charges_enabled:
        shop_settings.stripe_charges_enabled = charges_enabled
        shop_settings.stripe_enabled = charges_enabled
        shop_settings.save(update_fields=["stripe_charges_enabled", "stripe_enabled", "updated_at"])
    return shop_settings
