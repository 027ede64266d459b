# Issue 13: each import keeps the file it read (budgets/source_files.py).

import budgets.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('budgets', '0006_amount_limit'),
    ]

    operations = [
        migrations.AddField(
            model_name='importevent',
            name='source',
            field=models.FileField(blank=True, editable=False, help_text='取り込みが読んだファイルそのもの（SHA-256 で名付けて保管）', max_length=200, storage=budgets.models.source_storage, upload_to='', verbose_name='読んだファイル'),
        ),
    ]
