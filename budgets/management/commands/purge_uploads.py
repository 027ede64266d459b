"""Remove the admin's expired uploads and what killed workers left (for cron)."""

from django.core.management.base import BaseCommand

from budgets import uploads


class Command(BaseCommand):
    help = (
        "Remove the admin's uploads not confirmed within UPLOAD_EXPIRY_SECONDS, "
        "files of the upload store that no upload names, and Django's spooled "
        "upload files older than that. Safe to run at any time, e.g. every 10 "
        "minutes from cron; the admin also runs it on every new upload."
    )

    def handle(self, *args, **options):
        removed = uploads.purge_expired()
        self.stdout.write(f"Removed {removed} file(s).")
