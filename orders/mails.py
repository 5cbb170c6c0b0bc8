"""The mails an order sends, queued in the transaction of the write that causes them (a rolled-back checkout or
status change sends nothing): the confirmation to the buyer and the new-order notice to the seller at
checkout, and a message to the buyer on each status change listed in BUYER_STATUS_MAILS.

The templates are ours (orders/templates/orders/mail/); a shop's texts (its name, contact details, branding
fields) and the buyer's are values put into them, never templates: escaped in the HTML part, as written in the
text part (rendered with autoescaping off, so it carries no `&lt;`)."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.template import Context, Engine
from django.template.loader import render_to_string

from images.storage import object_url
from mail.services import MailDraft, mail_queue, mails_queue
from orders.models import Order, OrderItem
from shops.currencies import quantize_for_currency
from shops.models import Shop

TEMPLATES = "orders/mail"
# The text parts: the same template language and folder, with autoescaping off (plain text has nothing to
# escape; an `&amp;` there would be shown as such).
TEXT_ENGINE = Engine(dirs=[str(Path(__file__).resolve().parent / "templates")], autoescape=False)


@dataclass(frozen=True)
class StatusMail:
    kind: str
    # Formatted with {number} (the order number) and {shop} (its name).
    subject: str
    message: str


# The status changes a buyer hears of: entering a status listed here queues its mail (orders.services.orders.
# order_status_change, the one function every status change goes through); any other status sends nothing.
BUYER_STATUS_MAILS: dict[str, StatusMail] = {
    "paid": StatusMail(
        kind="order_paid",
        subject="Payment received for order {number}",
        message="We have received your payment. Thank you!",
    ),
    "fulfilled": StatusMail(
        kind="order_fulfilled",
        subject="Order {number} has been fulfilled",
        message="Your order has been fulfilled: it is on its way to you.",
    ),
    "cancelled": StatusMail(
        kind="order_cancelled",
        subject="Order {number} has been cancelled",
        message="Your order has been cancelled. If you have paid for it, you will be refunded.",
    ),
    "refunded": StatusMail(
        kind="order_refunded",
        subject="Order {number} has been refunded",
        message="Your order has been refunded.",
    ),
    "partially_refunded": StatusMail(
        kind="order_partially_refunded",
        subject="Order {number} has been partly refunded",
        message="Part of your order has been refunded.",
    ),
}


def money_text(amount: Decimal, currency: str) -> str:
    """An amount with its currency's ISO 4217 decimals and thousands separators: "1,234.50 USD",
    "1,200 JPY", "1.250 KWD"."""
    return f"{quantize_for_currency(amount, currency):,f} {currency}"


def _shop_context(shop: Shop) -> dict[str, Any]:
    logo_url = ""
    if shop.mail_show_logo and shop.profile_image.name:
        url = object_url(shop.profile_image.name)
        # A local storage's url is a path (no host to put in a mail): a logo only from a bucket's url.
        logo_url = url if url.startswith(("https://", "http://")) else ""
    return {
        "name": shop.name,
        "contact_email": shop.contact_email,
        "contact_phone": shop.contact_phone,
        "contact_website": shop.contact_website,
        "contact_address": shop.contact_address,
        "footer": shop.mail_footer,
        "logo_url": logo_url,
    }


def _order_context(order: Order, lines: Iterable[OrderItem]) -> dict[str, Any]:
    currency = order.currency
    return {
        "number": order.order_number,
        "customer_name": order.customer_name,
        "customer_email": order.customer_email,
        "customer_phone": order.customer_phone,
        "notes": order.notes,
        "shipping_address": [value for value in order.shipping_address.values() if value],
        "lines": [
            {
                "name": line.product_name,
                "sku": line.sku,
                "options": [f"{entry['variant_type_name']}: {entry['variant_option_name']}" for entry in line.options],
                "quantity": line.quantity,
                "unit_price": money_text(line.unit_price, currency),
                "total": money_text(line.subtotal_amount, currency),
            }
            for line in lines
        ],
        "totals": [
            ("Subtotal", money_text(order.subtotal_amount, currency)),
            ("Discount", money_text(order.discount_amount, currency)),
            ("Tax", money_text(order.tax_amount, currency)),
            ("Shipping", money_text(order.shipping_amount, currency)),
            ("Total", money_text(order.total_amount, currency)),
        ],
    }


def _text_tidy(text: str) -> str:
    """The text part without the blank lines and trailing spaces that template tags leave."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def _with_summary(context: dict[str, Any]) -> dict[str, Any]:
    """The context with the order's summary (its lines and totals: `_summary.txt` and `.html`) rendered once,
    for every mail rendered with it (a checkout's two mails show the same summary: rendered once, not twice)."""
    return {
        **context,
        "summary_text": TEXT_ENGINE.get_template(f"{TEMPLATES}/_summary.txt").render(
            Context(context, autoescape=False)
        ),
        # Rendered with autoescaping: safe to put in the HTML part as it is.
        "summary_html": render_to_string(f"{TEMPLATES}/_summary.html", context),
    }


def _render(template: str, context: dict[str, Any]) -> tuple[str, str]:
    """The text and HTML parts of `template`, its context made by `_with_summary`."""
    text = TEXT_ENGINE.get_template(f"{TEMPLATES}/{template}.txt").render(Context(context, autoescape=False))
    html = render_to_string(f"{TEMPLATES}/{template}.html", context)
    return _text_tidy(text), html


def _sender_name(shop: Shop) -> str:
    return shop.mail_sender_name or shop.name


def order_placed_mails_queue(*, order: Order, lines: list[OrderItem], seller_email: str) -> None:
    """The buyer's confirmation (from the shop's name, reply to its contact email) and the seller's notice
    (to `seller_email`, reply to the buyer). Called by checkout, in its transaction."""
    shop = order.shop
    context = _with_summary({"shop": _shop_context(shop), "order": _order_context(order, lines)})
    reference = f"order:{order.order_number}"
    text, html = _render("order_confirmation", context)
    confirmation = MailDraft(
        kind="order_confirmation",
        to=order.customer_email,
        subject=f"Your order {order.order_number} at {shop.name}",
        text_body=text,
        html_body=html,
        reply_to=shop.contact_email,
        sender_name=_sender_name(shop),
        reference=reference,
    )
    text, html = _render("order_placed_seller", context)
    notice = MailDraft(
        kind="order_placed_seller",
        to=seller_email,
        subject=f"New order {order.order_number} at {shop.name}: {context['order']['totals'][-1][1]}",
        text_body=text,
        html_body=html,
        reply_to=order.customer_email,
        reference=reference,
    )
    mails_queue([confirmation, notice])


def order_status_mail_queue(*, order: Order) -> None:
    """The buyer's message for the status the order has just entered, when BUYER_STATUS_MAILS lists it."""
    status_mail = BUYER_STATUS_MAILS.get(order.status)
    if status_mail is None:
        return
    _status_mail_queue(
        order=order, status_mail=status_mail, to=order.customer_email, greeting_name=order.customer_name, buyer=True
    )


@dataclass(frozen=True)
class PaymentMails:
    # The buyer's message, unless the order's status change already sends one (BUYER_STATUS_MAILS).
    buyer: StatusMail | None
    seller: StatusMail


# What a card payment's outcome mails (payments/services/state.py calls this, in the transaction that records
# the outcome). `paid` and a full refund move the order, whose status mail tells the buyer.
PAYMENT_MAILS: dict[str, PaymentMails] = {
    "paid": PaymentMails(
        buyer=None,
        seller=StatusMail(
            kind="payment_paid_seller",
            subject="Order {number} is paid",
            message="The buyer's card payment for this order has succeeded: it is ready to fulfil.",
        ),
    ),
    "failed": PaymentMails(
        buyer=StatusMail(
            kind="payment_failed",
            subject="Your payment for order {number} did not go through",
            message="Your card payment did not go through and nothing was charged. You can try again with "
            "another card; the order is kept for you until it expires.",
        ),
        seller=StatusMail(
            kind="payment_failed_seller",
            subject="A payment attempt for order {number} failed",
            message="A card payment attempt for this order failed; the buyer may try again.",
        ),
    ),
    "partially_refunded": PaymentMails(
        buyer=BUYER_STATUS_MAILS["partially_refunded"],
        seller=StatusMail(
            kind="payment_partially_refunded_seller",
            subject="Order {number} has been partly refunded",
            message="Part of this order's payment has been refunded to the buyer.",
        ),
    ),
    "refunded": PaymentMails(
        buyer=None,
        seller=StatusMail(
            kind="payment_refunded_seller",
            subject="Order {number} has been refunded",
            message="This order's payment has been refunded to the buyer in full.",
        ),
    ),
}


def _status_mail_queue(*, order: Order, status_mail: StatusMail, to: str, greeting_name: str, buyer: bool) -> None:
    """One status message: to the buyer from the shop's name (replies to the shop), or to the seller from the
    platform (replies to the buyer)."""
    shop = order.shop
    context = _with_summary(
        {
            "shop": _shop_context(shop),
            "order": _order_context(order, OrderItem.objects.filter(order=order)),
            "message": status_mail.message,
            "greeting_name": greeting_name,
        }
    )
    text, html = _render("order_status", context)
    mail_queue(
        kind=status_mail.kind,
        to=to,
        subject=status_mail.subject.format(number=order.order_number, shop=shop.name),
        text_body=text,
        html_body=html,
        reply_to=shop.contact_email if buyer else order.customer_email,
        sender_name=_sender_name(shop) if buyer else "",
        reference=f"order:{order.order_number}",
    )


def order_payment_mails_queue(*, order: Order, outcome: str) -> None:
    """The buyer's and the seller's (the shop owner's account email) mails for a payment `outcome`, a key of
    PAYMENT_MAILS."""
    mails = PAYMENT_MAILS[outcome]
    if mails.buyer is not None:
        _status_mail_queue(
            order=order, status_mail=mails.buyer, to=order.customer_email, greeting_name=order.customer_name, buyer=True
        )
    owner = order.shop.owner
    _status_mail_queue(
        order=order, status_mail=mails.seller, to=owner.email, greeting_name=owner.get_username(), buyer=False
    )
