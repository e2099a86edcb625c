"""Item 9 of the 2016 rubric (教育内容坚持以理想信念教育为主) gets its rule: the share of
理想信念 among the education content categories the branch chose for its 党课 and study
records (issue #17). The item's text is unchanged."""

from django.db import migrations

STANDARD = "教育内容坚持以理想信念教育为主,并结合实际提升党员业务、文化等综合素质。"


def install(apps, schema_editor):
    Item = apps.get_model("assessment", "RubricItem")
    Item.objects.filter(section__version__code="2016", standard=STANDARD, rule="").update(
        rule="education_content", evaluation="auto"
    )


def remove(apps, schema_editor):
    Item = apps.get_model("assessment", "RubricItem")
    Item.objects.filter(section__version__code="2016", standard=STANDARD, rule="education_content").update(
        rule="", evaluation="manual"
    )


class Migration(migrations.Migration):
    dependencies = [("assessment", "0007_period_term_rules")]

    operations = [migrations.RunPython(install, remove)]
