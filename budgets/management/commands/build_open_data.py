"""Build the files of /data/ for the current data version (budgets.opendata_build)."""

from django.core.management.base import BaseCommand

from budgets import opendata_build


class Command(BaseCommand):
    help = (
        "Write every file of /data/ (each published year and all of them, as CSV, "
        "cp932 CSV, XLSX and JSON) for the current data version into "
        "OPEN_DATA_ROOT, unless built already. Started in the background after "
        "every change commits; run it after a deploy with --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="build anew even if the current data version has a build",
        )

    def handle(self, *args, force: bool = False, **options):
        build = opendata_build.build_open_data(force=force)
        if build is None:
            self.stdout.write("Another build is running; it builds the latest data.")
        else:
            self.stdout.write(
                f"Files of /data/ for data version {build.version}: {build.path}"
            )
