"""Product images are numbered from 1 (the existing frontend takes sort_order 1 as the card image)."""

from django.db import migrations

# One statement: the (product, position) unique constraint is deferred, so the swap is checked at the end.
RENUMBER = """
UPDATE shops_productimage AS image SET position = numbered.position + {offset}
FROM (
    SELECT id, row_number() OVER (PARTITION BY product_id ORDER BY position, id) AS position
    FROM shops_productimage
) AS numbered
WHERE image.id = numbered.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("shops", "0002_commerce_and_image_renditions"),
    ]

    operations = [
        migrations.RunSQL(sql=RENUMBER.format(offset=0), reverse_sql=RENUMBER.format(offset=-1)),
    ]
