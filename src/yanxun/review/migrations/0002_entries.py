# Entries part of the review engine: a group's code letter and code counter; a draft entry
# has no code yet, so the uniqueness of codes leaves empty ones out.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('review', '0001_initial'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='entry',
            name='review_entry_code',
        ),
        migrations.AddField(
            model_name='competitiongroup',
            name='code_prefix',
            field=models.CharField(blank=True, max_length=2, verbose_name='作品编号字母'),
        ),
        migrations.AddField(
            model_name='competitiongroup',
            name='last_code',
            field=models.PositiveIntegerField(default=0, verbose_name='已用编号'),
        ),
        migrations.AlterField(
            model_name='entry',
            name='code',
            field=models.CharField(blank=True, max_length=12, verbose_name='作品编号'),
        ),
        migrations.AddConstraint(
            model_name='competitiongroup',
            constraint=models.UniqueConstraint(condition=models.Q(('code_prefix', ''), _negated=True), fields=('competition', 'code_prefix'), name='review_group_code_prefix'),
        ),
        migrations.AddConstraint(
            model_name='entry',
            constraint=models.UniqueConstraint(condition=models.Q(('code', ''), _negated=True), fields=('competition', 'code'), name='review_entry_code'),
        ),
    ]
