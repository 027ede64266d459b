"""Small factories: each make_x(**kwargs) fills sensible defaults."""

from itertools import count

from budgets.models import Department, FiscalYear, Project, Section, Theme

_numbers = count(1)


def make_fiscal_year(**kwargs) -> FiscalYear:
    kwargs.setdefault("year", 2021)
    kwargs.setdefault("title", "令和3年度当初予算")
    kwargs.setdefault("is_published", True)
    return FiscalYear.objects.get_or_create(year=kwargs.pop("year"), defaults=kwargs)[0]


def make_theme(**kwargs) -> Theme:
    if "fiscal_year" not in kwargs:
        kwargs["fiscal_year"] = make_fiscal_year()
    kwargs.setdefault("number", 1)
    kwargs.setdefault("name", "新たな時代に対応した区民サービスへ転換する取組")
    return Theme.objects.create(**kwargs)


def make_section(**kwargs) -> Section:
    department = (
        kwargs.pop("department", None)
        or Department.objects.get_or_create(
            name=kwargs.pop("department_name", "企画経営部")
        )[0]
    )
    kwargs.setdefault("name", f"企画課{next(_numbers)}")
    return Section.objects.create(department=department, **kwargs)


def make_project(**kwargs) -> Project:
    theme = kwargs.pop("theme", None)
    fiscal_year = kwargs.pop("fiscal_year", None) or (
        theme.fiscal_year if theme else make_fiscal_year()
    )
    if theme is None:
        theme = fiscal_year.themes.first() or make_theme(fiscal_year=fiscal_year)
    kwargs.setdefault("section", make_section())
    kwargs.setdefault("no", next(_numbers))
    kwargs.setdefault("name", "電子書籍サービス資料整備")
    kwargs.setdefault("category", Project.Category.NEW)
    kwargs.setdefault("description", "電子書籍サービスを導入します。")
    kwargs.setdefault("requested", 27638)
    kwargs.setdefault("budgeted", 27638)
    if kwargs["category"] == Project.Category.LEVELUP:
        kwargs.setdefault("requested_levelup", 0)
        kwargs.setdefault("budgeted_levelup", 0)
    return Project.objects.create(fiscal_year=fiscal_year, theme=theme, **kwargs)


def make_staff(username: str, *groups: str, **kwargs):
    """A staff user in the staff groups named (財務担当, 閲覧), re-made from the
    migration's definition when a transactional test has flushed them."""
    from importlib import import_module

    from django.contrib.auth.models import Group, Permission, User

    staff_groups = import_module("budgets.migrations.0002_staff_groups")
    if Group.objects.filter(name__in=groups).count() < len(set(groups)):
        staff_groups.make_groups(Group, Permission)
    kwargs.setdefault("password", "not-used-123")
    user = User.objects.create_user(username, is_staff=True, **kwargs)
    user.groups.set(Group.objects.filter(name__in=groups))
    return user
