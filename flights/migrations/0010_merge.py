"""Joins the three branches that each followed 0008_merge (feed profiles, the footer's index, the
coarse rollups); no operations of its own."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("flights", "0009_h10b_feed_profile"),
        ("flights", "0009_h14l_real_updated_index"),
        ("flights", "0009_h14p_coarse_rollups"),
    ]

    operations = []
