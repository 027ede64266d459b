from pathlib import Path

import pytest

from budgets.importing import import_table

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "r03_shinki_levelup.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Start every test with an empty cache: the database is rolled back between
    tests, so a page cached by an earlier test would describe rows that are gone."""
    from budgets import caching

    caching.reset()


@pytest.fixture(autouse=True)
def site_language():
    """Start every test in the site's language: a request through LocaleMiddleware
    leaves its language active in the thread, so an earlier test's English page
    would turn the next test's import messages into English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def quick_password_hashing(settings):
    """Hash test users' passwords with MD5: PBKDF2's 1,000,000 rounds cost each test
    that makes a staff user about half a second, and no test is about the hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def private_uploads(settings, tmp_path):
    """Keep every test's admin uploads in a folder of its own, not the project's."""
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            **settings.STORAGES["uploads"],
            "OPTIONS": {"location": tmp_path / "uploads"},
        },
        # and the files imports keep (budgets/source_files.py)
        "sources": {
            **settings.STORAGES["sources"],
            "OPTIONS": {"location": tmp_path / "sources"},
        },
    }
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "incoming")
    (tmp_path / "incoming").mkdir()
    return tmp_path


@pytest.fixture(autouse=True)
def private_open_data(settings, tmp_path):
    """Keep every test's builds of /data/ in a folder of its own, and start no
    background build (it would read the project's database, not the test's)."""
    settings.OPEN_DATA_ROOT = tmp_path / "opendata"
    settings.OPEN_DATA_BUILD_AFTER_CHANGE = False
    return settings.OPEN_DATA_ROOT


@pytest.fixture
def seed_bytes() -> bytes:
    return SEED.read_bytes()


@pytest.fixture
def seed_text(seed_bytes) -> str:
    return seed_bytes.decode("utf-8")


@pytest.fixture
def fy2021(db, seed_bytes):
    """The FY2021 table imported from the real seed and published."""
    report = import_table(seed_bytes, filename=SEED.name, publish=True)
    assert report.ok, report.problems
    from budgets.models import FiscalYear

    return FiscalYear.objects.get(year=2021)
