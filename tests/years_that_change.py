"""The FY2022 table built from the FY2021 seed with each kind of change a year
brings (組織改正, renamed, split, merged and new projects)."""

from tests.tables import project_line, seed_cells, to_text

RENAMED_DEPARTMENT = ("防災危機管理室", "防災危機管理部")
MOVED_SECTION = ("教育推進部", "図書文化財課", "産業・地域振興支援部")
RENAMED_PROJECT = (2, "シティプロモーション推進事業", "シティプロモーション支援事業")
SPLIT = (1, "融資事業", "融資事業（運転資金）", "融資事業（設備資金）")
MERGED = (23, 24, "リサイクル活動・リサイクルチャレンジ事業")
NEW_PROJECT = "区民参加型ドローン実証事業"


def fy2022_rows(seed_text: str) -> list[list[str]]:
    rows = seed_cells(seed_text.replace("令和3年度", "令和4年度"))

    def cells(no: int) -> list[str]:
        return rows[project_line(rows, no) - 1]

    for line in rows:
        if len(line) == 10 and line[1] == RENAMED_DEPARTMENT[0]:
            line[1] = RENAMED_DEPARTMENT[1]
        if len(line) == 10 and line[1:3] == list(MOVED_SECTION[:2]):
            line[1] = MOVED_SECTION[2]
    cells(RENAMED_PROJECT[0])[3] = RENAMED_PROJECT[2]
    loans = cells(SPLIT[0])
    loans[3] = SPLIT[2]
    second = [*loans]
    second[0], second[3] = "33", SPLIT[3]
    first_merged, second_merged, merged_name = MERGED
    merged = cells(first_merged)
    merged[3] = merged_name
    merged[4:] = cells(second_merged)[4:]  # the continuing one's category and sums
    merged[5] = cells(first_merged)[5] + cells(second_merged)[5]
    rows.remove(cells(second_merged))
    drone = [*cells(18)]
    drone[0], drone[3], drone[4] = "34", NEW_PROJECT, "新規"
    drone[5] = "区民が参加してドローンによる上空からの被害確認を試行します。"
    drone[6:] = ["12,000", "-", "9,800", "-"]
    rows += [second, drone]
    return rows


def fy2022_table(seed_text: str) -> bytes:
    return to_text(fy2022_rows(seed_text))
