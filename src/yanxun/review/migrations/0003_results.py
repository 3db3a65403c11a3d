# Results part of the review engine: flag acknowledgements, a competition seal, certificate dates.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('review', '0002_entries'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='award',
            name='certified_on',
            field=models.DateField(blank=True, null=True, verbose_name='发证日期'),
        ),
        migrations.AddField(
            model_name='competition',
            name='seal_image',
            field=models.FileField(blank=True, help_text='为空则用师干训证书的印章', upload_to='review/seal/', verbose_name='证书印章图片'),
        ),
        migrations.CreateModel(
            name='FlagAck',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('judge', '评委评分异常'), ('zscore', '评委评分无法标准化'), ('spread', '作品评分分歧大')], max_length=8, verbose_name='类型')),
                ('object_id', models.PositiveBigIntegerField()),
                ('note', models.CharField(max_length=300, verbose_name='处理说明')),
                ('acknowledged_at', models.DateTimeField(auto_now_add=True)),
                ('acknowledged_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='flag_acks', to='review.round')),
            ],
            options={
                'verbose_name': '预警处理',
                'verbose_name_plural': '预警处理',
                'ordering': ['round', 'kind', 'object_id'],
                'constraints': [models.UniqueConstraint(fields=('round', 'kind', 'object_id'), name='review_flag_ack_unique')],
            },
        ),
    ]
