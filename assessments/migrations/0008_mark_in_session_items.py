"""Mark the shipped framework's in-session items (offered in the quick session reflection) in
databases that loaded it before `FrameworkItem.in_session` existed: a published version is
never edited through the app, so the marks fixtures/framework/comb-pd.yaml now carries are set
here, on every version of the framework with slug "comb-pd". A database without it is left as
it is."""

from django.db import migrations

FRAMEWORK_SLUG = "comb-pd"
IN_SESSION_KEYS = ["ST2", "ST4", "ST6", "ST7", "ST8", "S14"]


def mark(apps, schema_editor):
    FrameworkItem = apps.get_model("assessments", "FrameworkItem")
    FrameworkItem.objects.filter(
        version__framework__slug=FRAMEWORK_SLUG, key__in=IN_SESSION_KEYS
    ).update(in_session=True)


def unmark(apps, schema_editor):
    FrameworkItem = apps.get_model("assessments", "FrameworkItem")
    FrameworkItem.objects.filter(
        version__framework__slug=FRAMEWORK_SLUG, key__in=IN_SESSION_KEYS
    ).update(in_session=False)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0007_item_in_session"),
    ]

    operations = [migrations.RunPython(mark, unmark)]
