"""The mails an order sends, delivered by their jobs to the test run's real SMTP server (aiosmtpd): what each
says, to whom, from which name, with which reply-to; none for a rolled-back checkout or status change; status
mails only for the statuses listed in orders.mails.BUYER_STATUS_MAILS."""

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from devservices.smtp import ReceivedMail
from jobs.tests.running import queued_task_names, run_queued_jobs
from mail.models import OutboundMail
from mail.tests.inbox import inbox
from orders.mails import BUYER_STATUS_MAILS, order_status_mail_queue
from orders.models import Order, OrderStatus
from orders.services.checkout import cart_checkout
from orders.services.orders import order_status_change
from orders.tests.factories import CartFactory, CartItemFactory
from shops.models import Shop
from shops.tests.factories import ProductFactory, ShopFactory, variant_product

pytestmark = pytest.mark.django_db


def text_part(received: ReceivedMail) -> str:
    return received.part("text/plain").replace("\r\n", "\n")  # lines end in CRLF on the wire


def html_part(received: ReceivedMail) -> str:
    return received.part("text/html").replace("\r\n", "\n")


@pytest.fixture(autouse=True)
def _empty_inbox() -> None:
    inbox().clear()


@pytest.fixture
def mug_shop(user: Any) -> Shop:
    return ShopFactory(
        owner=user,
        name="Ann's Mugs",
        currency="USD",
        contact_email="hello@ann.example",
        contact_phone="+1 555 0100",
        contact_website="https://ann.example",
        contact_address="1 Main St\nSpringfield",
    )


def _checkout(shop: Shop, *lines: tuple[Any, Any, int], **customer: Any) -> Order:
    cart = CartFactory(shop=shop)
    for product, item, quantity in lines:
        CartItemFactory(cart=cart, product=product, inventory_item=item, quantity=quantity)
    fields = {"customer_name": "Ada Lovelace", "customer_email": "ada@example.com"} | customer
    return cart_checkout(token=cart.token, **fields).order


def _mug_and_tea_order(shop: Shop) -> Order:
    mug, _, _, items = variant_product(shop=shop, name="Mug", sku="MUG", price=Decimal("1234.5"))
    tea = ProductFactory(shop=shop, name="Tea", sku="TEA", price=Decimal("3.25"))
    return _checkout(
        shop,
        (mug, items[("M", "Red")], 2),
        (tea, None, 1),
        customer_phone="+44 20 7946 0000",
        notes="Leave at the door",
        shipping_address={"line1": "12 Analytical St", "city": "London", "postal_code": "N1 9GU"},
    )


SUMMARY_TEXT = """Order {number}

2 x Mug (SKU MUG-M-Red)
    Size: M
    Colour: Red
    2 x 1,234.50 USD = 2,469.00 USD

1 x Tea (SKU TEA)
    1 x 3.25 USD = 3.25 USD

Subtotal: 2,472.25 USD
Discount: 0.00 USD
Tax: 0.00 USD
Shipping: 0.00 USD
Total: 2,472.25 USD
"""

SHOP_TEXT = """--
Ann's Mugs
Email: hello@ann.example
Phone: +1 555 0100
Web: https://ann.example
1 Main St
Springfield
"""


def test_checkout_mails_the_buyer_a_confirmation_and_the_seller_a_notice(mug_shop: Shop, user: Any) -> None:
    order = _mug_and_tea_order(mug_shop)
    assert queued_task_names() == ["mail.deliver", "mail.deliver"]
    assert inbox().messages() == []  # nothing leaves inside the checkout

    run_queued_jobs()

    buyer, seller = inbox().messages()
    number = order.order_number
    assert buyer.envelope_to == ["ada@example.com"]
    assert str(buyer.message["From"]) == "Ann's Mugs <no-reply@localhost>"
    assert str(buyer.message["Reply-To"]) == "hello@ann.example"
    assert buyer.subject == f"Your order {number} at Ann's Mugs"
    assert text_part(buyer) == (
        "Hello Ada Lovelace,\n\n"
        "Thank you for your order at Ann's Mugs. We have received it and will let you know when it changes.\n\n"
        + SUMMARY_TEXT.format(number=number)
        + "\n"
        + SHOP_TEXT
    )
    html = html_part(buyer)
    assert "<td>Mug <small>(SKU MUG-M-Red)</small><br><small>Size: M</small><br><small>Colour: Red</small></td>" in html
    assert '<td style="text-align:right;white-space:nowrap;">1,234.50 USD</td>' in html
    assert "<strong>2,472.25 USD</strong>" in html
    assert '<br>Email: <a href="mailto:hello@ann.example">hello@ann.example</a>' in html
    assert "<br>1 Main St<br>Springfield</p>" in html
    assert "<img" not in html  # no profile image

    assert seller.envelope_to == [user.email]
    assert str(seller.message["From"]) == "Shop builder <no-reply@localhost>"
    assert str(seller.message["Reply-To"]) == "ada@example.com"
    assert seller.subject == f"New order {number} at Ann's Mugs: 2,472.25 USD"
    assert text_part(seller) == (
        f"New order {number} at Ann's Mugs.\n\n"
        + SUMMARY_TEXT.format(number=number)
        + "\nCustomer: Ada Lovelace <ada@example.com>\nPhone: +44 20 7946 0000\n\n"
        "Ship to:\n12 Analytical St\nLondon\nN1 9GU\n\n"
        "Notes:\nLeave at the door\n\n"
        "Reply to this mail to write to the customer.\n"
    )
    assert "<p>Ship to:<br>12 Analytical St<br>London<br>N1 9GU</p>" in html_part(seller)
    assert len({buyer.message_id, seller.message_id}) == 2
    assert sorted(OutboundMail.objects.values_list("kind", "reference", "state")) == [
        ("order_confirmation", f"order:{number}", "sent"),
        ("order_placed_seller", f"order:{number}", "sent"),
    ]


@pytest.mark.parametrize(
    ("currency", "price", "unit", "line", "total"),
    [
        ("JPY", Decimal("1200"), "1,200 JPY", "3,600 JPY", "3,600 JPY"),
        ("USD", Decimal("12.5"), "12.50 USD", "37.50 USD", "37.50 USD"),
        ("KWD", Decimal("1.25"), "1.250 KWD", "3.750 KWD", "3.750 KWD"),
    ],
)
def test_amounts_have_the_decimals_of_the_shops_currency(
    user: Any, currency: str, price: Decimal, unit: str, line: str, total: str
) -> None:
    shop = ShopFactory(owner=user, currency=currency)
    order = _checkout(shop, (ProductFactory(shop=shop, name="Cup", sku="", price=price), None, 3))
    run_queued_jobs()

    for received in inbox().messages():
        text = text_part(received)
        assert f"3 x Cup\n    3 x {unit} = {line}\n" in text
        zero = money_zero(currency)
        assert f"Subtotal: {total}\nDiscount: {zero}\nTax: {zero}\nShipping: {zero}\nTotal: {total}\n" in text
        assert f'<td style="text-align:right;white-space:nowrap;">{unit}</td>' in html_part(received)
    assert inbox().messages()[1].subject == f"New order {order.order_number} at {shop.name}: {total}"


def money_zero(currency: str) -> str:
    return {"JPY": "0 JPY", "USD": "0.00 USD", "KWD": "0.000 KWD"}[currency]


def test_markup_in_a_product_or_shop_name_is_escaped_in_html_and_kept_as_written_in_text(user: Any) -> None:
    shop = ShopFactory(owner=user, name="Bob & <b>Co</b>", mail_footer="Tom & Jerry's\n<i>since 1940</i>")
    _checkout(shop, (ProductFactory(shop=shop, name="<script>alert(1)</script> Mug", sku=""), None, 1))
    run_queued_jobs()

    buyer = inbox().messages()[0]
    assert buyer.message["Reply-To"] is None  # the shop has no contact email
    text, html = text_part(buyer), html_part(buyer)
    assert "1 x <script>alert(1)</script> Mug\n" in text
    assert "Thank you for your order at Bob & <b>Co</b>." in text
    assert text.endswith("--\nBob & <b>Co</b>\n\nTom & Jerry's\n<i>since 1940</i>\n")
    for escape in ("&lt;", "&gt;", "&amp;", "&#x27;"):
        assert escape not in text
    for markup in ("<script>", "<b>Co", "<i>"):
        assert markup not in html
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt; Mug</td>" in html
    assert "<strong>Bob &amp; &lt;b&gt;Co&lt;/b&gt;</strong>" in html
    assert "Tom &amp; Jerry&#x27;s<br>&lt;i&gt;since 1940&lt;/i&gt;</p>" in html


def test_a_rolled_back_checkout_queues_and_sends_nothing(mug_shop: Shop) -> None:
    product = ProductFactory(shop=mug_shop)

    def checkout_then_fail() -> None:
        with transaction.atomic():
            _checkout(mug_shop, (product, None, 1))
            raise RuntimeError("the request failed after the checkout")

    with pytest.raises(RuntimeError):
        checkout_then_fail()

    assert (Order.objects.count(), OutboundMail.objects.count(), queued_task_names()) == (0, 0, [])
    run_queued_jobs()
    assert inbox().messages() == []


def test_a_refused_checkout_and_a_replayed_one_send_nothing(mug_shop: Shop) -> None:
    product = ProductFactory(shop=mug_shop, stock_status="limited", stock_quantity=1)
    with pytest.raises(ValidationError):
        _checkout(mug_shop, (product, None, 2))
    assert (OutboundMail.objects.count(), queued_task_names()) == (0, [])

    cart = CartFactory(shop=mug_shop)
    CartItemFactory(cart=cart, product=product, quantity=1)

    def checkout() -> bool:
        return cart_checkout(
            token=cart.token, customer_name="Ada", customer_email="ada@example.com", idempotency_key="k1"
        ).created

    assert (checkout(), checkout()) == (True, False)
    assert OutboundMail.objects.count() == 2


STATUS_PATHS = [
    ([OrderStatus.PAID], "Payment received for order {number}", "We have received your payment. Thank you!"),
    (
        [OrderStatus.PAID, OrderStatus.FULFILLED],
        "Order {number} has been fulfilled",
        "Your order has been fulfilled: it is on its way to you.",
    ),
    (
        [OrderStatus.CANCELLED],
        "Order {number} has been cancelled",
        "Your order has been cancelled. If you have paid for it, you will be refunded.",
    ),
    ([OrderStatus.PAID, OrderStatus.REFUNDED], "Order {number} has been refunded", "Your order has been refunded."),
]


@pytest.mark.parametrize(("path", "subject", "message"), STATUS_PATHS)
def test_each_status_change_that_matters_mails_the_buyer(
    mug_shop: Shop, path: list[str], subject: str, message: str
) -> None:
    order = _mug_and_tea_order(mug_shop)
    run_queued_jobs()
    inbox().clear()

    for status in path:
        order_status_change(order=order, status=status)
    run_queued_jobs()

    received = inbox().messages()
    assert [mail.subject for mail in received] == [
        BUYER_STATUS_MAILS[status].subject.format(number=order.order_number, shop="") for status in path
    ]
    last = received[-1]
    assert last.subject == subject.format(number=order.order_number)
    assert last.envelope_to == ["ada@example.com"]
    assert str(last.message["From"]) == "Ann's Mugs <no-reply@localhost>"
    assert str(last.message["Reply-To"]) == "hello@ann.example"
    assert text_part(last) == (
        f"Hello Ada Lovelace,\n\n{message}\n\n" + SUMMARY_TEXT.format(number=order.order_number) + "\n" + SHOP_TEXT
    )
    assert f"<p>{message}</p>" in html_part(last)


def test_the_same_status_again_and_a_refused_change_send_nothing(mug_shop: Shop) -> None:
    order = _mug_and_tea_order(mug_shop)
    run_queued_jobs()
    order_status_change(order=order, status=OrderStatus.PENDING)
    with pytest.raises(ValidationError):
        order_status_change(order=order, status=OrderStatus.FULFILLED)  # pending -> fulfilled is not allowed
    assert queued_task_names() == []
    assert OutboundMail.objects.count() == 2


def test_a_rolled_back_status_change_sends_nothing(mug_shop: Shop) -> None:
    order = _mug_and_tea_order(mug_shop)
    run_queued_jobs()

    def change_then_fail() -> None:
        with transaction.atomic():
            order_status_change(order=order, status=OrderStatus.PAID)
            raise RuntimeError("the payment capture failed after the change")

    with pytest.raises(RuntimeError):
        change_then_fail()

    assert queued_task_names() == []
    assert OutboundMail.objects.count() == 2


def test_only_the_listed_statuses_mail_and_a_new_listed_status_needs_no_other_change(mug_shop: Shop) -> None:
    assert set(BUYER_STATUS_MAILS) == {"paid", "fulfilled", "cancelled", "refunded", "partially_refunded"}
    order = _mug_and_tea_order(mug_shop)
    run_queued_jobs()
    inbox().clear()

    order_status_mail_queue(order=order)  # pending: the buyer had the confirmation already
    assert queued_task_names() == []
    # A status the payments app may add: being in the table is all it takes.
    order.status = "partially_refunded"
    order_status_mail_queue(order=order)
    run_queued_jobs()
    [received] = inbox().messages()
    assert received.subject == f"Order {order.order_number} has been partly refunded"
    assert "Part of your order has been refunded.\n" in text_part(received)


def test_branding_sets_the_sender_name_the_footer_and_the_logo(user: Any, mug_shop: Shop) -> None:
    mug_shop.mail_sender_name = "Ann from Ann's Mugs"
    mug_shop.mail_footer = "Free returns for 30 days.\nSee you soon"
    mug_shop.profile_image.name = "shop_images/logo.webp"
    mug_shop.save()
    _checkout(mug_shop, (ProductFactory(shop=mug_shop), None, 1))
    run_queued_jobs()

    buyer, seller = inbox().messages()
    assert str(buyer.message["From"]) == "Ann from Ann's Mugs <no-reply@localhost>"
    assert text_part(buyer).endswith("Springfield\n\nFree returns for 30 days.\nSee you soon\n")
    html = html_part(buyer)
    assert '<p style="font-size:12px;color:#777;">Free returns for 30 days.<br>See you soon</p>' in html
    [logo] = [line for line in html.splitlines() if "<img" in line]
    assert logo.startswith('<p><img src="http')
    assert "/shop_images/logo.webp" in logo
    assert 'alt="Ann&#x27;s Mugs"' in logo
    assert str(seller.message["From"]) == "Shop builder <no-reply@localhost>"  # the seller's notice is ours

    inbox().clear()
    Shop.objects.filter(id=mug_shop.id).update(mail_show_logo=False)
    _checkout(mug_shop, (ProductFactory(shop=mug_shop), None, 1))
    run_queued_jobs()
    assert "<img" not in html_part(inbox().messages()[0])
