"""Plans and their limits, in one place: what each plan allows and which plan a user is on."""

from dataclasses import dataclass

from accounts.models import Plan, User
from api.errors import RefusedWithFields


@dataclass(frozen=True)
class PlanLimits:
    """None means unlimited."""

    max_shops: int | None
    max_products_per_shop: int | None


LIMITS: dict[str, PlanLimits] = {
    Plan.FREE: PlanLimits(max_shops=1, max_products_per_shop=20),
    Plan.PRO: PlanLimits(max_shops=5, max_products_per_shop=100),
    Plan.ENTERPRISE: PlanLimits(max_shops=None, max_products_per_shop=None),
}


# The platform's fee on each card payment of a shop whose owner is on the plan, in basis points (1/100 of a
# percent): Stripe's `application_fee_amount`, kept by the platform from the seller's charge.
PLATFORM_FEE_BASIS_POINTS: dict[str, int] = {Plan.FREE: 200, Plan.PRO: 100, Plan.ENTERPRISE: 0}


def platform_fee_basis_points(user: User) -> int:
    return PLATFORM_FEE_BASIS_POINTS[plan_of(user)]


class PlanLimitReached(RefusedWithFields):
    """A create that the user's plan does not allow. `extra` goes into the 400 body beside `detail`
    (`{"detail": "...", "max_shops": 1}`), as the existing frontend reads it (`api.exceptions`)."""

    def __init__(self, message: str, *, extra: dict[str, int]) -> None:
        super().__init__(message, code="plan_limit", fields=extra)


def plan_of(user: User) -> str:
    """The user's plan; an empty or unknown account type is the free plan (fail closed)."""
    return user.account_type if user.account_type in LIMITS else Plan.FREE


def limits_of(user: User) -> PlanLimits:
    return LIMITS[plan_of(user)]


def check_can_add_shop(*, user: User, current: int) -> None:
    """Precondition: the caller holds a lock that serialises shop creates of `user` and counted `current`
    under it."""
    limit = limits_of(user).max_shops
    if limit is not None and current >= limit:
        raise PlanLimitReached(f"Shop limit reached for your plan ('{plan_of(user)}').", extra={"max_shops": limit})


def check_can_add_product(*, user: User, current: int) -> None:
    """Precondition: the caller holds a lock that serialises product creates in the shop and counted
    `current` under it."""
    limit = limits_of(user).max_products_per_shop
    if limit is not None and current >= limit:
        raise PlanLimitReached(
            f"Product limit reached for your plan ('{plan_of(user)}').", extra={"max_products": limit}
        )
