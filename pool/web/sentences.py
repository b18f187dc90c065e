"""The services' sentences in Chinese: the refusals and problems a county clerk or the city office
meets on the pages, matched by their shape and rewritten from the catalogue. Each Chinese text is
a catalogue entry (marked `N_`), so the English pages show the English of the same entry; a sentence
no shape matches is shown as the service wrote it."""

import re
from collections.abc import Callable

from pool.web.labels import N_, TERMS

Gettext = Callable[[str], str]

DOINGS = {
    "add actors": N_("添加操作员"),
    "amend transfers": N_("修改流转协议"),
    "cancel transfers": N_("撤销流转"),
    "edit projects": N_("修改项目"),
    "reissue tokens": N_("重新发放令牌"),
    "restore the database": N_("恢复数据库"),
    "approve claims": N_("审批认领"),
    "back up the database": N_("备份数据库"),
    "change a project's stage": N_("推进项目阶段"),
    "claim listings": N_("认领挂牌项目"),
    "close periods": N_("关账"),
    "export the ledger": N_("导出账本"),
    "import actuals": N_("导入实绩"),
    "import targets": N_("导入目标"),
    "publish assessment schemes": N_("发布考核方案"),
    "set the default ruleset": N_("设定默认规则"),
    "set targets": N_("设定目标"),
    "list actors": N_("查看操作员"),
    "list projects in the pool": N_("挂牌项目"),
    "publish rulesets": N_("发布规则"),
    "read the audit log": N_("查看审计日志"),
    "register projects": N_("登记项目"),
    "reject claims": N_("驳回认领"),
    "revoke actors": N_("停用操作员"),
    "settle": N_("结算"),
    "simulate rulesets": N_("模拟规则"),
    "take a ledger checkpoint": N_("生成账本检查点"),
    "verify the ledger": N_("核验账本"),
    "withdraw claims": N_("撤回认领"),
    "withdraw listings": N_("撤回挂牌"),
}
ACTIONS = {
    "claimed": N_("认领"),
    "approved": N_("批准"),
    "rejected": N_("驳回"),
    "withdrawn": N_("撤回"),
}
OBJECTS = {"project": N_("项目"), "listing": N_("挂牌"), "claim": N_("认领"), "transfer": N_("流转")}

# (shape, Chinese); the named groups fill the placeholders.
LINES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"^(?P<file>.+): (?P<n>[\d,]+) bad rows?; nothing was imported\.$"),
        N_("%(file)s：%(n)s 行有误，未导入任何数据。"),
    ),
    (
        re.compile(
            r"^This lead is already registered as project (?P<code>\S+) by (?P<origin>\S+); a lead "
            r"belongs to the first county that registered it\.$"
        ),
        N_("该线索已由 %(origin)s 登记为项目 %(code)s；线索归最先登记的县区所有。"),
    ),
    (
        re.compile(
            r"^agreement value '(?P<key>[^']+)': (?P<value>\S+) is above the maximum (?P<bound>\S+)\.$"
        ),
        N_("协议项 %(key)s：%(value)s 高于上限 %(bound)s。"),
    ),
    (
        re.compile(
            r"^agreement value '(?P<key>[^']+)': (?P<value>\S+) is below the minimum (?P<bound>\S+)\.$"
        ),
        N_("协议项 %(key)s：%(value)s 低于下限 %(bound)s。"),
    ),
    (
        re.compile(r"^agreement value '(?P<key>[^']+)' is required by ruleset (?P<ruleset>.+)\.$"),
        N_("规则 %(ruleset)s 要求填写协议项 %(key)s。"),
    ),
    (
        re.compile(
            r"^Listing (?P<id>\d+) is (?P<status>\w+), not open; it can no longer be (?P<action>\w+)\.$"
        ),
        N_("挂牌 %(id)s 的状态为“%(status)s”，不再开放，不能再%(action)s。"),
    ),
    (
        re.compile(
            r"^Claim (?P<id>\d+) is (?P<status>\w+), not pending; it can no longer be (?P<action>\w+)\.$"
        ),
        N_("认领 %(id)s 的状态为“%(status)s”，不再待审批，不能再%(action)s。"),
    ),
    (
        re.compile(
            r"^(?P<region>\S+) already has a pending claim on listing (?P<id>\d+); one pending claim per "
            r"county per listing\.$"
        ),
        N_("%(region)s 对挂牌 %(id)s 已有一项待审批的认领；每个县区对每个挂牌只能有一项。"),
    ),
    (
        re.compile(
            r"^Listing (?P<id>\d+) is (?P<region>\S+)'s own;"
            r" a host cannot claim its own listing\.$"
        ),
        N_("挂牌 %(id)s 是 %(region)s 自己的；落地地不能认领自己的挂牌。"),
    ),
    (
        re.compile(r"^Nothing is settled yet; give the month with --through YYYY-MM\.$"),
        N_("尚未结算：结算后这里显示分成推导。"),
    ),
    (
        re.compile(r"^There is no (?P<object>project|listing|claim|transfer) '?(?P<id>[^']+?)'?\.$"),
        N_("没有%(object)s %(id)s。"),
    ),
    (
        re.compile(
            r"^(?P<who>\S+) \((?P<role>\w+)\) may not (?P<doing>.+); only (?P<roles>.+) actors may\.$"
        ),
        N_("%(who)s（%(role)s）无权%(doing)s；只有 %(roles)s 可以。"),
    ),
    (
        re.compile(
            r"^(?P<who>\S+) \((?P<role>[^)]+)\) may not (?P<doing>.+?)(?: \S+ of \S+)?; "
            r"that belongs to (?P<region>\S+) or the city\.$"
        ),
        N_("%(who)s（%(role)s）无权%(doing)s；这属于 %(region)s 或市招商服务中心。"),
    ),
    (
        re.compile(
            r"^(?P<value>.+) is not a period; write a month \(2025-05\), a quarter \(2025Q2\) or a "
            r"year \(2025\)\.$"
        ),
        N_("%(value)s 不是有效的期间：请写月份（如 2025-05）、季度（如 2025Q2）或年度（如 2025）。"),
    ),
    (
        re.compile(
            r"^There is no published assessment scheme (?P<name>.+); policy or the city publishes one "
            r"with `pool assessment publish FILE` \(`pool assessment list` lists them\)\.$"
        ),
        N_(
            "没有已发布的考核方案 %(name)s；考核方案由政策研究或市招商服务中心用 "
            "pool assessment publish 方案.yaml 发布（pool assessment list 列出已发布的方案）。"
        ),
    ),
    (
        re.compile(
            r"^Scheme (?P<scheme>\S+) (?P<version>\S+) assesses (?P<year>\d+), not (?P<asked>\d+); "
            r"name the scheme for that year\.$"
        ),
        N_(
            "考核方案 %(scheme)s %(version)s 考核的是 %(year)s 年度，不是 %(asked)s 年度；"
            "请选择该年度的方案。"
        ),
    ),
    (
        re.compile(
            r"^No version of the default ruleset (?P<ruleset>\S+) is published; its shares are the "
            r"indicators reports count\. Publish one with `pool rules publish FILE` first\.$"
        ),
        N_(
            "默认规则 %(ruleset)s 尚无已发布的版本，通报统计的指标即其分成项；"
            "请先用 pool rules publish 发布。"
        ),
    ),
]
PARTS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"^amount: '(?P<value>.*)' is not an amount "
            r"\(expected digits with at most two decimals, e\.g\. 1234\.50\)$"
        ),
        N_("金额 %(value)s 不是有效金额（应为数字，最多两位小数，如 1234.50）"),
    ),
    (re.compile(r"^project (?P<project>.+) is not registered$"), N_("项目 %(project)s 未登记")),
    (
        re.compile(r"^metric (?P<metric>.+) is not declared by a published ruleset$"),
        N_("指标 %(metric)s 未在已发布的规则中声明"),
    ),
    (
        re.compile(r"^repeats the project, period and metric of row (?P<row>\d+)$"),
        N_("与第 %(row)s 行的项目、月份和指标重复"),
    ),
    (
        re.compile(r"^period: '(?P<value>.*)' is not a month; the month must be 01 to 12$"),
        N_("月份 %(value)s 无效：月应为 01 至 12"),
    ),
    (
        re.compile(r"^period: '(?P<value>.*)' is not a month; write it as YYYY-MM, e\.g\. 2024-03$"),
        N_("月份 %(value)s 无效：请写成 YYYY-MM，如 2024-03"),
    ),
]
ROW = re.compile(r"^(?P<indent>\s*)row (?P<row>\d+): (?P<rest>.*)$")


def in_language(sentence: str, gettext: Gettext, *, chinese: bool) -> str:
    """The sentence for a reader of Chinese (`chinese`) or English. English readers get the
    service's own words; Chinese readers get the catalogue's Chinese where the shape is known."""
    if not chinese:
        return sentence
    return "\n".join(_line(line, gettext) for line in sentence.split("\n"))


def _line(line: str, gettext: Gettext) -> str:
    row = ROW.match(line)
    if row:
        parts = [_part(p, gettext) for p in row["rest"].split("; ")]
        return row["indent"] + gettext(N_("第 %(row)s 行：")) % {"row": row["row"]} + "；".join(parts)
    stripped = line.strip()
    for shape, chinese in LINES:
        found = shape.match(stripped)
        if found:
            return line[: len(line) - len(line.lstrip())] + gettext(chinese) % _words(
                found.groupdict(), gettext
            )
    return line


def _part(part: str, gettext: Gettext) -> str:
    for shape, chinese in PARTS:
        found = shape.match(part)
        if found:
            return gettext(chinese) % found.groupdict()
    return part


def _words(values: dict[str, str], gettext: Gettext) -> dict[str, str]:
    """Vocabulary inside a sentence in the reader's language: statuses, actions, roles, objects."""
    out = dict(values)
    for key, table in (
        ("status", TERMS),
        ("action", ACTIONS),
        ("object", OBJECTS),
        ("doing", DOINGS),
        ("role", TERMS),
    ):
        if key in out and out[key] in table:
            out[key] = gettext(table[out[key]])
    if "roles" in out:
        out["roles"] = "、".join(gettext(TERMS.get(r, r)) for r in out["roles"].split(" or "))
    return out


def problems(rest: str, gettext: Gettext, *, chinese: bool) -> str:
    """A row's problems (the part after `row N: `) in the reader's language."""
    if not chinese:
        return rest
    return "；".join(_part(p, gettext) for p in rest.split("; "))
