"""The services' sentences shown in Chinese: each known shape rewritten, vocabulary inside them
translated, and a sentence of no known shape shown as written."""

import re
from pathlib import Path

from pool.web.i18n import gettext_for
from pool.web.sentences import DOINGS, in_language, problems

ZH = gettext_for("zh_CN").gettext
SERVICES = Path(__file__).resolve().parents[2] / "pool" / "services"


def zh(sentence: str) -> str:
    return in_language(sentence, ZH, chinese=True)


def test_known_shapes_read_in_chinese() -> None:
    assert zh("Listing 3 is transferred, not open; it can no longer be claimed.") == (
        "挂牌 3 的状态为“已流转”，不再开放，不能再认领。"
    )
    assert zh("agreement value 'origin_tax_share': 60% is above the maximum 50%.") == (
        "协议项 origin_tax_share：60% 高于上限 50%。"
    )
    assert zh("luonan-bureau (county) may not approve claims; only city actors may.") == (
        "luonan-bureau（县区招商局）无权审批认领；只有 市招商服务中心 可以。"
    )
    assert (
        zh(
            "This lead is already registered as project LN-1 by luonan; a lead belongs to the first county "
            "that registered it."
        )
        == "该线索已由 luonan 登记为项目 LN-1；线索归最先登记的县区所有。"
    )
    assert zh("Nothing is settled yet; give the month with --through YYYY-MM.") == (
        "尚未结算：结算后这里显示分成推导。"
    )
    refusal = "a.csv: 2 bad rows; nothing was imported.\n  row 3: project 'X' is not registered\n  row 4: odd"
    assert zh(refusal) == "a.csv：2 行有误，未导入任何数据。\n  第 3 行：项目 'X' 未登记\n  第 4 行：odd"


def test_a_row_s_problems_are_translated_part_by_part() -> None:
    text = "project 'X' is not registered; repeats the project, period and metric of row 2"
    assert problems(text, ZH, chinese=True) == "项目 'X' 未登记；与第 2 行的项目、月份和指标重复"
    assert problems(text, ZH, chinese=False) == text


def test_unknown_sentences_and_english_readers_get_the_service_s_words() -> None:
    assert zh("Something nobody foresaw.") == "Something nobody foresaw."
    english = "Listing 3 is transferred, not open; it can no longer be claimed."
    assert in_language(english, ZH, chinese=False) == english


def test_every_permission_sentence_of_the_services_has_its_chinese() -> None:
    doings = set()
    for path in SERVICES.glob("*.py"):
        doings |= set(re.findall(r'doing="([^"]+)"', path.read_text("utf-8")))
    assert doings and doings <= set(DOINGS)
