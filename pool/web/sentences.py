"""The services' sentences in Chinese: the refusals and problems a county clerk or the city office
meets on the pages, matched by their shape and rewritten from the catalogue. Each Chinese text is
a catalogue entry (marked `N_`), so the English pages show the English of the same entry; a sentence
no shape matches is shown as the service wrote it.

A group named `sentence` holds a sentence of its own, translated in turn (`amount: …`); a shape
whose inner sentence has no known shape does not match. The problems of one actuals row are joined
by `; `, which a problem may hold too, so a row is read as the longest runs of parts that match."""

import re
from collections.abc import Callable

from pool.web.labels import N_, TERMS
from pool.web.ledger_sentences import INPUT_KINDS, LEDGER_LINES
from pool.web.rule_sentences import RULE_LINES, SECTIONS

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
REGION_DOINGS = {  # what a county may do only for its own projects
    "change the stage of": N_("推进项目阶段"),
    "list": N_("挂牌项目"),
    "withdraw listing": N_("撤回挂牌"),
    "edit project": N_("修改项目"),
}
WHATS = {
    "an industry chain": N_("产业链"),
    "a kind of project": N_("项目类型"),
    "a capital source": N_("资金来源"),
    "a stage": N_("项目阶段"),
    "a role": N_("角色"),
    "a transfer's effective month": N_("流转生效月份"),
    "the month to settle": N_("结算月份"),
    "the month to close": N_("关账月份"),
}
OBJECTS = {"project": N_("项目"), "listing": N_("挂牌"), "claim": N_("认领"), "transfer": N_("流转")}

# (shape, Chinese); the named groups fill the placeholders.
SERVICE_LINES: list[tuple[str, str]] = [
    # projects, listings and claims
    (r"A project with code (?P<code>\S+) already exists\.", N_("项目编号 %(code)s 已存在。")),
    (r"The project name may not be empty\.", N_("项目名称不能为空。")),
    (
        r"(?P<value>.+) is not a project code; use up to (?P<n>\d+) letters, digits, '_', '\.' or '-', "
        r"starting with a letter or digit, e\.g\. (?P<example>\S+)\.",
        N_(
            "%(value)s 不是有效的项目编号：最多 %(n)s 个字母、数字"
            "、“_”“.”或“-”，以字母或数字开头，如 %(example)s。"
        ),
    ),
    (
        r"(?P<value>.+) is not (?P<what>an industry chain|a kind of project|a capital source|a stage|"
        r"a role); use one of (?P<choices>.+)\.",
        N_("%(value)s 不是有效的%(what)s；可选：%(choices)s。"),
    ),
    (
        r"This lead is already registered as project (?P<code>\S+) by (?P<origin>\S+); a lead "
        r"belongs to the first county that registered it\.",
        N_("该线索已由 %(origin)s 登记为项目 %(code)s；线索归最先登记的县区所有。"),
    ),
    (
        r"The claim window must be 1 to (?P<most>\d+) days, not (?P<days>.+)\.",
        N_("认领期限应为 1 至 %(most)s 天，而不是 %(days)s。"),
    ),
    (
        r"(?P<value>.+) is not a need; write KEY=VALUE, e\.g\. land_mu=120\.",
        N_("%(value)s 不是有效的需求：请写成 KEY=VALUE，如 land_mu=120。"),
    ),
    (
        r"A listing needs a --reason: why the host cannot keep the project\.",
        N_("挂牌须说明理由：落地地为何无法承接该项目。"),
    ),
    (
        r"Project (?P<code>\S+) already has open listing (?P<id>\d+)\.",
        N_("项目 %(code)s 已有开放中的挂牌 %(id)s。"),
    ),
    (
        r"Listing (?P<id>\d+) is (?P<status>\w+), not open; it can no longer be (?P<action>\w+)\.",
        N_("挂牌 %(id)s 的状态为“%(status)s”，不再开放，不能再%(action)s。"),
    ),
    (
        r"Claim (?P<id>\d+) is (?P<status>\w+), not pending; it can no longer be (?P<action>\w+)\.",
        N_("认领 %(id)s 的状态为“%(status)s”，不再待审批，不能再%(action)s。"),
    ),
    (
        r"(?P<region>\S+) already has a pending claim on listing (?P<id>\d+); one pending claim per "
        r"county per listing\.",
        N_("%(region)s 对挂牌 %(id)s 已有一项待审批的认领；每个县区对每个挂牌只能有一项。"),
    ),
    (
        r"Listing (?P<id>\d+) is (?P<region>\S+)'s own; a host cannot claim its own listing\.",
        N_("挂牌 %(id)s 是 %(region)s 自己的；落地地不能认领自己的挂牌。"),
    ),
    (
        r"Claim (?P<id>\d+) is (?P<region>\S+)'s; (?P<who>\S+) may not withdraw it\.",
        N_("认领 %(id)s 属于 %(region)s；%(who)s 不能撤回。"),
    ),
    (r"A rejection needs a --reason\.", N_("驳回须说明理由。")),
    (
        r"Nothing is settled yet; give the month with --through YYYY-MM\.",
        N_("尚未结算：结算后这里显示分成推导。"),
    ),
    (
        r"There is no (?P<object>project|listing|claim|transfer) '?(?P<id>[^']+?)'?\.",
        N_("没有%(object)s %(id)s。"),
    ),
    # agreement values
    (
        r"agreement value '(?P<key>[^']+)' is required by ruleset (?P<ruleset>.+)\.",
        N_("规则 %(ruleset)s 要求填写协议项 %(key)s。"),
    ),
    (r"agreement value '(?P<key>[^']+)': (?P<sentence>.+)", N_("协议项 %(key)s：%(sentence)s")),
    (r"(?P<value>\S+) is above the maximum (?P<bound>\S+?)\.?", N_("%(value)s 高于上限 %(bound)s。")),
    (r"(?P<value>\S+) is below the minimum (?P<bound>\S+?)\.?", N_("%(value)s 低于下限 %(bound)s。")),
    (
        r"(?P<value>.+) is not a ratio; write 50%, 0\.5 or 1/2\.?",
        N_("%(value)s 不是有效比例：请写成 50%%、0.5 或 1/2。"),
    ),
    # months and periods
    (
        r"(?P<value>.+) is not a month; the month must be 01 to 12\.?",
        N_("%(value)s 不是有效月份：月应为 01 至 12。"),
    ),
    (
        r"(?P<value>.+) is not a month; write it as YYYY-MM, e\.g\. 2024-03\.?",
        N_("%(value)s 不是有效月份：请写成 YYYY-MM，如 2024-03。"),
    ),
    # reports
    (
        r"(?P<value>.+) is not a period; write a month \(2025-05\), a quarter \(2025Q2\) or a "
        r"year \(2025\)\.",
        N_("%(value)s 不是有效的期间：请写月份（如 2025-05）、季度（如 2025Q2）或年度（如 2025）。"),
    ),
    (
        r"There is no published assessment scheme (?P<name>.+); policy or the city publishes one "
        r"with `pool assessment publish FILE` \(`pool assessment list` lists them\)\.",
        N_(
            "没有已发布的考核方案 %(name)s；考核方案须由政策研究或市招商服务中心先发布，"
            "这里可选的是已发布的方案。"
        ),
    ),
    (
        r"Scheme (?P<scheme>\S+) (?P<version>\S+) assesses (?P<year>\d+), not (?P<asked>\d+); "
        r"name the scheme for that year\.",
        N_(
            "考核方案 %(scheme)s %(version)s 考核的是 %(year)s 年度，不是 %(asked)s 年度；"
            "请选择该年度的方案。"
        ),
    ),
    (
        r"(?P<month>\S+) is after the current month; (?P<what>.+) is (?P<latest>\S+) at the latest\.",
        N_("%(month)s 晚于本月；%(what)s最晚为 %(latest)s。"),
    ),
    (
        r"No published version of ruleset (?P<ruleset>\S+) is in force in (?P<month>\S+); "
        r"published: (?P<spans>.+)\.",
        N_("规则 %(ruleset)s 在 %(month)s 没有生效的已发布版本；已发布：%(spans)s。"),
    ),
    (
        r"Ruleset (?P<ruleset>\S+) has no version (?P<version>'[^']*'); published: (?P<versions>.+)\.",
        N_("规则 %(ruleset)s 没有版本 %(version)s；已发布：%(versions)s。"),
    ),
    (
        r"(?P<month>\S+) is before (?P<last>\S+), the last settled period; settlement only moves forward\.",
        N_("%(month)s 早于上次结算的 %(last)s；结算只能向前推进。"),
    ),
    # actuals files and rows
    (
        r"(?P<file>[^\s:]+): (?P<n>[\d,]+) bad rows?; nothing was imported\.",
        N_("%(file)s：%(n)s 行有误，未导入任何数据。"),
    ),
    (
        r"(?P<file>[^\s:]+): row (?P<row>\d+): (?P<sentence>.+) Nothing was imported\.",
        N_("%(file)s 第 %(row)s 行：%(sentence)s 未导入任何数据。"),
    ),
    (
        r"(?P<file>[^\s:]+): (?P<sentence>.+) Nothing was imported\.",
        N_("%(file)s：%(sentence)s 未导入任何数据。"),
    ),
    (r"(?P<sentence>.+) Nothing was imported\.", N_("%(sentence)s 未导入任何数据。")),
    (
        r"(?P<file>\S+) has a header but no rows; nothing was imported\.",
        N_("%(file)s 只有表头，没有数据行；未导入任何数据。"),
    ),
    (
        r"the file is empty; the first row must be the header (?P<header>\S+)\.",
        N_("文件是空的；第一行应为表头 %(header)s。"),
    ),
    (
        r"the header must be project,period,metric,amount \(项目编号,月份,指标,金额\) with an optional "
        r"note \(备注\) column, not (?P<value>.+)\.",
        N_(
            "表头应为 project,period,metric,amount（项目编号"
            ",月份,指标,金额），可加 note（备注）列，而不是 %(value)s。"
        ),
    ),
    (
        r"line (?P<line>\d+) is not (?P<encoding>\S+) text; save the file as CSV UTF-8, or name its "
        r"encoding with --encoding \(utf-8, gbk, gb18030\)\.",
        N_("第 %(line)s 行不是 %(encoding)s 文本；请将文件另存为 UTF-8 编码的 CSV。"),
    ),
    (r"not a readable XLSX workbook \((?P<why>[^)]*)\)\.", N_("不是可读取的 XLSX 工作簿（%(why)s）。")),
    (
        r"line (?P<line>\d+) holds a NUL character; this is not a text file\.",
        N_("第 %(line)s 行含有 NUL 字符；这不是文本文件。"),
    ),
    (r"an actuals file must be \.csv or \.xlsx\.", N_("实绩文件须为 .csv 或 .xlsx。")),
    (
        r"Metrics the published rulesets declare: (?P<metrics>.+)\.",
        N_("已发布的规则声明的指标：%(metrics)s。"),
    ),
    (r"period: (?P<sentence>.+)", N_("月份：%(sentence)s")),
    (r"amount: (?P<sentence>.+)", N_("金额：%(sentence)s")),
    (
        r"(?P<value>.+) is not an amount \(expected digits with at most two decimals, e\.g\. 1234\.50\)\.?",
        N_("%(value)s 不是有效金额（应为数字，最多两位小数，如 1234.50）。"),
    ),
    (r"(?P<value>.+) has more than two decimals\.?", N_("%(value)s 超过两位小数。")),
    (
        r"(?P<value>.+) uses an exponent; write the amount in full\.?",
        N_("%(value)s 使用了科学计数法；请写出完整金额。"),
    ),
    (
        r"(?P<value>.+) is negative; amounts may not be negative, except of a metric its ruleset declares "
        r"`signed: true` \(refunds, 退库\), and (?P<metric>\S+) is not one",
        N_("%(value)s 为负数；只有规则声明为 signed: true 的指标（退税、退库）可以为负，%(metric)s 不是。"),
    ),
    (r"project (?P<project>.+) is not registered", N_("项目 %(project)s 未登记")),
    (
        r"metric (?P<metric>.+) is not declared by a published ruleset",
        N_("指标 %(metric)s 未在已发布的规则中声明"),
    ),
    (
        r"repeats the project, period and metric of row (?P<row>\d+)",
        N_("与第 %(row)s 行的项目、月份和指标重复"),
    ),
    (
        r"(?P<key>\S+ \S+ \S+) is stored as (?P<stored>\S+) \(revision (?P<revision>\d+)\); (?P<amount>\S+) "
        r"would restate it: use --restate --reason TEXT to restate",
        N_(
            "%(key)s 已存为 %(stored)s（第 %(revision)s "
            "版）；%(amount)s 将更正该值：请勾选“更正已导入的数值”并填写理由"
        ),
    ),
    (
        r"(?P<month>\S+) is closed \(periods through (?P<through>\S+) are\); a new value there is a "
        r"restatement: use --restate --reason TEXT to restate",
        N_(
            "%(month)s 已关账（%(through)s 及以前各月均已"
            "关账）；在此录入新值属于更正：请勾选“更正已导入的数值”并填写理由"
        ),
    ),
    # actors
    (r"An actor named '(?P<name>[^']+)' already exists\.", N_("已有名为 %(name)s 的操作员。")),
    (r"A county actor needs --region, the county it acts for\.", N_("县区操作员须指定所属县区。")),
    (
        r"(?P<value>.+) is not an actor name; use letters, digits, Chinese characters, '\.', '_', '-' or "
        r"'@', starting with a letter or digit\.",
        N_("%(value)s 不是有效的操作员名称：可用字母、数字、汉字、“.”“_”“-”或“@”，以字母或数字开头。"),
    ),
    (
        r"There is no actor named '(?P<name>[^']+)'; see `pool actor list`\.",
        N_("没有名为 %(name)s 的操作员。"),
    ),
    # permissions
    (
        r"(?P<who>\S+) \((?P<role>\w+)\) may not (?P<doing>.+); only (?P<roles>.+) actors may\.",
        N_("%(who)s（%(role)s）无权%(doing)s；只有 %(roles)s 可以。"),
    ),
    (
        r"(?P<who>\S+) \((?P<role>\w+)(?:, \S+)?\) may not "
        r"(?P<doing>change the stage of|list|withdraw listing|edit project) (?P<what>\S+?),? "
        r"(?:hosted by|of) (?P<host>\S+); that belongs to (?P<region>\S+) or the city\.",
        N_(
            "%(who)s（%(role)s）无权%(doing)s（%(what)s，"
            "落地地 %(host)s）；这属于 %(region)s 或市招商服务中心。"
        ),
    ),
]
LINES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(f"^(?:{shape})$"), chinese) for shape, chinese in SERVICE_LINES + RULE_LINES + LEDGER_LINES
]
SPAN = re.compile(r"(?P<version>\S+) \((?P<start>\S+) to (?P<end>\S+)\)")
ROW = re.compile(r"^(?P<indent>\s*)row (?P<row>\d+): (?P<rest>.*)$")


def in_language(
    sentence: str, gettext: Gettext, *, chinese: bool, labels: dict[str, str] | None = None
) -> str:
    """The sentence for a reader of Chinese (`chinese`) or English. English readers get the
    service's own words; Chinese readers get the catalogue's Chinese where the shape is known,
    with an agreement value named by its label (`labels`, by key) beside its key."""
    if not chinese:
        return sentence
    return "\n".join(_line(line, gettext, labels or {}) for line in sentence.split("\n"))


def _line(line: str, gettext: Gettext, labels: dict[str, str]) -> str:
    indent = line[: len(line) - len(line.lstrip())]
    row = ROW.match(line)
    if row:
        return indent + gettext(N_("第 %(row)s 行：")) % {"row": row["row"]} + _parts(row["rest"], gettext)
    found = _said(line.strip(), gettext, labels)
    return line if found is None else indent + found


def _said(text: str, gettext: Gettext, labels: dict[str, str]) -> str | None:
    """`text` in Chinese, or None when no shape matches it."""
    for shape, chinese in LINES:
        found = shape.match(text)
        if not found:
            continue
        values = _words(found.groupdict(), gettext, labels)
        if values is None:
            continue
        out = gettext(chinese) % values
        return out if text.endswith(".") or not out.endswith("。") else out[:-1]
    return None


def _parts(rest: str, gettext: Gettext) -> str:
    """A row's problems, joined by `; `, each in Chinese: at each place the longest run of parts
    that matches a shape, else one part as written."""
    pieces = rest.split("; ")
    out, i = [], 0
    while i < len(pieces):
        for j in range(len(pieces), i, -1):
            found = _said("; ".join(pieces[i:j]), gettext, {})
            if found is not None:
                out.append(found)
                i = j
                break
        else:
            out.append(pieces[i])
            i += 1
    return "；".join(out)


def _words(values: dict[str, str], gettext: Gettext, labels: dict[str, str]) -> dict[str, str] | None:
    """Vocabulary inside a sentence in the reader's language: statuses, actions, roles, objects,
    an agreement value's label before its key, and an inner sentence (None if it has no shape)."""
    out = {k: v for k, v in values.items() if v is not None}
    if "sentence" in out:
        inner = _said(out["sentence"], gettext, labels)
        if inner is None:
            return None
        out["sentence"] = inner
    if labels.get(out.get("key", "")):
        out["key"] = f"{labels[out['key']]}（{out['key']}）"
    for key, table in (
        ("status", TERMS),
        ("action", ACTIONS),
        ("object", OBJECTS),
        ("doing", {**DOINGS, **REGION_DOINGS}),
        ("role", TERMS),
        ("what", {**WHATS, **SECTIONS}),
        ("kind", INPUT_KINDS),
    ):
        if key in out and out[key] in table:
            out[key] = gettext(table[out[key]])
    if "roles" in out:
        out["roles"] = "、".join(gettext(TERMS.get(r, r)) for r in out["roles"].split(" or "))
    if "homes" in out:
        out["homes"] = gettext(N_("或")).join(gettext(SECTIONS.get(h, h)) for h in out["homes"].split(" or "))
    if "spans" in out:
        out["spans"] = SPAN.sub(lambda m: _span(m, gettext), out["spans"])
    return out


def _span(found: re.Match[str], gettext: Gettext) -> str:
    if found["end"] == "open":
        return gettext(N_("%(version)s（%(start)s 起）")) % found.groupdict()
    return gettext(N_("%(version)s（%(start)s 至 %(end)s）")) % found.groupdict()


def problems(rest: str, gettext: Gettext, *, chinese: bool) -> str:
    """A row's problems (the part after `row N: `) in the reader's language."""
    if not chinese:
        return rest
    return _parts(rest, gettext)
