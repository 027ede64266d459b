import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

PASSWORD_FILE = Path(settings.BASE_DIR) / ".admin-password"


class Command(BaseCommand):
    help = (
        "For a local site: create the superuser 'admin' if no superuser exists, "
        "and print how to log in. The password comes from ADMIN_PASSWORD or is "
        "generated and kept in .admin-password (ignored by git)."
    )

    def handle(self, *args, **options):
        User = get_user_model()
        if not User.objects.filter(is_superuser=True).exists():
            password = os.environ.get("ADMIN_PASSWORD") or secrets.token_urlsafe(12)
            User.objects.create_superuser("admin", "", password)
            PASSWORD_FILE.write_text(password + "\n")
            PASSWORD_FILE.chmod(0o600)
        port = os.environ.get("PORT", "8000")
        self.stdout.write(f"Admin: http://127.0.0.1:{port}/admin/  user: admin")
        if PASSWORD_FILE.exists():
            self.stdout.write(f"Password: {PASSWORD_FILE.read_text().strip()}")
        else:
            self.stdout.write(
                "A superuser already exists; set a new password with "
                "`.venv/bin/python manage.py changepassword admin`."
            )
