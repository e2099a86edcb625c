# Notice now lives in the kernel app (wujin_branch.models); its table stays (see kernel 0001).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("review", "0002_notice_key"), ("kernel", "0001_initial")]

    operations = [migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="Notice")])]
