"""The rule loader's and the case runner's sentences in Chinese, by shape (see `sentences`): the
message part of `FILE:LINE: key: message`, what a policy officer fixes a rule file from."""

from pool.web.labels import N_

SECTIONS = {  # where a key belongs, as the loader names the parts of a rule file
    "the top level": N_("顶层"),
    "a share": N_("分成项（shares 中的一项）"),
    "term": N_("期限（term）"),
    "a schedule step": N_("分成步骤（schedule 中的一项）"),
    "eligibility": N_("分成条件（eligibility）"),
    "an agreement declaration": N_("协议项声明（agreement 中的一项）"),
    "a metric": N_("指标（metrics 中的一项）"),
    "cap": N_("封顶（cap）"),
    "floor": N_("保底（floor）"),
    "base": N_("基数（base）"),
    "a metric name": N_("指标名"),
    "an agreement value's name": N_("协议项名"),
    "a region code": N_("地区代码"),
    "a share name": N_("分成项名"),
    "a name": N_("名称"),
}
_NAME = (
    "start with a lowercase letter a-z, then write lowercase letters, digits or '_' only, with no "
    "spaces or Chinese characters \\(put Chinese in a label\\)"
)

RULE_LINES: list[tuple[str, str]] = [
    (
        r"unknown key '(?P<key>[^']+)'; allowed here: (?P<a"
        r"llowed>[^(]+) \(did you mean '(?P<near>[^']+)'\?\)",
        N_("未知的键 %(key)s；此处可用：%(allowed)s（是否应为 %(near)s？）"),
    ),
    (
        r"unknown key '(?P<key>[^']+)'; allowed here: (?P<allowed>[^(]+)",
        N_("未知的键 %(key)s；此处可用：%(allowed)s"),
    ),
    (
        r"'(?P<key>[^']+)' does not belong here; it is a ke"
        r"y of (?P<homes>.+?); allowed here: (?P<allowed>.+)",
        N_("%(key)s 不应写在这里，它是%(homes)s的键；此处可用：%(allowed)s"),
    ),
    (
        r"(?P<value>.+) is not a ruleset id; write lowercase letters a-z, digits and '-' only, with no "
        r"spaces or Chinese characters, such as shangluo-default",
        N_(
            "%(value)s 不是有效的规则编号：只能用小写字母 a-z、数字和“-”，不含空格或汉字，如 shangluo-default"
        ),
    ),
    (
        r"(?P<value>.+) is not (?P<what>a metric name|an agreement value's name|a region code|a share name|"
        rf"a name); {_NAME}, such as (?P<example>\S+)",
        N_(
            "%(value)s 不是有效的%(what)s：以小写字母 a-z 开头，其后只用小写字"
            "母、数字或“_”，不含空格或汉字（中文写在 label 中），如 %(example)s"
        ),
    ),
    (
        r"(?P<value>.+) is not allowed here; write one of: (?P"
        r"<allowed>[^(]+) \(did you mean '(?P<near>[^']+)'\?\)",
        N_("%(value)s 不是此处可用的值；可选：%(allowed)s（是否应为 %(near)s？）"),
    ),
    (
        r"(?P<value>.+) is not allowed here; write one of: (?P<allowed>[^(]+)",
        N_("%(value)s 不是此处可用的值；可选：%(allowed)s"),
    ),
    (
        r"(?P<value>.+) is not a ratio; a ratio is one party's portion, not a proportion between two "
        r"parties: for (?P<pair>\S+) write (?P<first>\S+) for the first party's portion \(the other "
        r"(?P<other>\S+) follows\), as 50%, 0\.5 or 1/2",
        N_(
            "%(value)s 不是比例：比例是一方所占的份额，不是双方之比；%(pair)s 应写成 %"
            "(first)s（另一方的 %(other)s 随之确定），写法如 50%%、0.5 或 1/2"
        ),
    ),
    (
        r"(?P<value>.+) is not a ratio; it uses full-width characters \(such as ％ or ０-９\); write "
        r"(?P<fix>\S+) instead",
        N_("%(value)s 不是比例：使用了全角字符（如 ％ 或 ０-９）；请改写为 %(fix)s"),
    ),
    (
        r"not valid YAML: mapping values are not allowed here; a text containing ': ' \(a colon followed "
        r"by a space\) must be put in quotes, .*",
        N_(
            "不是有效的 YAML：含有“: ”（冒号后跟空格）的文本须加引号，"
            '如 title: "商洛: 税收分成"；或去掉冒号后的空格，或改用全角“：”。'
        ),
    ),
    (
        r"not valid YAML: .+; check the indentation: the keys of one mapping start in the same column, "
        r"with spaces\.",
        N_("不是有效的 YAML：请检查缩进，同一映射中的各键须用空格缩进到同一列。"),
    ),
    (
        r"not valid YAML: .+; the line holds a tab character; YAML indents with spaces only, so replace "
        r"each tab with spaces \(and quote a text that needs a tab\)\.",
        N_(
            "不是有效的 YAML：该行含有制表符；YAML 只能用空格缩进，"
            "请把每个制表符换成空格（需要制表符的文本请加引号）。"
        ),
    ),
    (
        r"not valid YAML: .+; a \{ or \[ opened on an earlier line is not closed; close it, and quote a "
        r"text with a comma\.",
        N_("不是有效的 YAML：前面某行的 { 或 [ 没有闭合；请补上闭合的括号，含逗号的文本请加引号。"),
    ),
    (r"not valid YAML: .+; a quotation mark is not closed\.", N_("不是有效的 YAML：有引号没有闭合。")),
    # rules check: what a rule file says that the pool cannot settle by
    (
        r"duplicate share name '(?P<name>[^']+)' \(also (?P<other>\S+)\)",
        N_("分成项名 %(name)s 重复（另见 %(other)s）"),
    ),
    (r"a flag cannot have a (?P<field>min|max)", N_("是非值（flag）不能有 %(field)s")),
    (r"min is above max", N_("min 高于 max")),
    (r"the default (?P<sentence>.+)", N_("默认值 %(sentence)s")),
    (r"a required value cannot have a default", N_("必填项（required）不能有 default")),
    (r"an optional (?P<type>\w+) value needs a default", N_("可选的 %(type)s 项须有 default")),
    (
        r"(?P<ref>agreement\.\S+) is an? (?P<type>\w+), but this needs an? (?P<kind>\w+)",
        N_("%(ref)s 的类型是 %(type)s，而此处需要 %(kind)s"),
    ),
    (
        r"'(?P<flag>[^']+)' is not declared under agreement as a flag",
        N_("%(flag)s 未在 agreement 中声明为是非值（flag）"),
    ),
    (
        r"(?P<kinds>.+) is both in kinds and in kinds_excluded; name a kind in one list",
        N_("%(kinds)s 同时出现在 kinds 和 kinds_excluded 中；一种项目类型只能写在其中一个列表里"),
    ),
    (
        r"(?P<key>\w+) cannot be used with mode (?P<mode>\w+)",
        N_("%(key)s 不能用于 mode 为 %(mode)s 的分成项"),
    ),
    (r"a split share needs a schedule", N_("split 方式的分成项须有 schedule")),
    (
        r"'(?P<start>[^']+)' is not a term start; use transfer, first_report or "
        r"milestone:signed\|construction_start\|operation_start\|full_capacity",
        N_(
            "%(start)s 不是有效的期限起点；可选：transfer、first_report 或 "
            "milestone:signed|construction_start|operation_start|full_capacity"
        ),
    ),
    (r"an extension needs a cap", N_("延长期限（extend_years_if_cap_unmet）须有 cap")),
    (
        r"schedule years overlap: year (?P<year>\d+) is covered twice",
        N_("schedule 的年份重叠：第 %(year)s 年被覆盖了两次"),
    ),
    (
        r"base metric '(?P<metric>[^']+)' is not declared under metrics",
        N_("基数指标 %(metric)s 未在 metrics 中声明"),
    ),
    (
        r"base metric '(?P<metric>[^']+)' is already in (?P<other>\S+); a base counts each metric once",
        N_("基数指标 %(metric)s 已在 %(other)s 中；基数中每个指标只计一次"),
    ),
    (
        r"base metric '(?P<metric>[^']+)' is both added and subtracted \(also (?P<other>\S+)\), so it "
        r"cancels out; a base names each metric once",
        N_("基数指标 %(metric)s 既被加上又被减去（另见 %(other)s），相互抵消；基数中每个指标只写一次"),
    ),
    (
        r"a share without a term needs an open-ended step such as `years: 6\+`",
        N_("没有期限（term）的分成项须有不设终止年的步骤，如 years: 6+"),
    ),
    (r"missing required key '(?P<key>[^']+)'", N_("缺少必填的键 %(key)s")),
    (
        r"(?P<value>.+) is not a flag; write true or false\.?",
        N_("%(value)s 不是是非值：请写 true 或 false。"),
    ),
    (
        r"origin and city portions add up to more than 100% even at their minimums",
        N_("首谈地与市的比例之和超过 100%%（即使都取下限）"),
    ),
    (r"origin and city portions add up to more than 100%", N_("首谈地与市的比例之和超过 100%%")),
    (
        r"agreement\.(?P<key>\S+) is not declared under agreement",
        N_("agreement.%(key)s 未在 agreement 中声明"),
    ),
    (
        r"effective_until (?P<until>\S+) is before effective_from (?P<start>\S+)",
        N_("effective_until %(until)s 早于 effective_from %(start)s"),
    ),
    (
        r"term year (?P<year>\d+) is not covered by any schedule step",
        N_("期限第 %(year)s 年没有 schedule 中的步骤覆盖"),
    ),
    (
        r"(?P<value>.+) is not a version; write up to (?P<n>\d+) letters, digits, '\.', '-' or '_', "
        r"starting with a letter or digit, such as \"2024\.1\"",
        N_('%(value)s 不是有效的版本号：最多 %(n)s 个字母、数字、“.”“-”或“_”，以字母或数字开头，如 "2024.1"'),
    ),
    # rule tests
    (
        r"share '(?P<share>[^']+)' is not in ruleset (?P<ruleset>\S+)",
        N_("规则 %(ruleset)s 中没有分成项 %(share)s"),
    ),
    (r"expected error containing (?P<text>'.*'), but it settled", N_("预期出错（含 %(text)s），但计算成功")),
    (r"expected amounts, but got the error: (?P<sentence>.+)", N_("预期得出金额，但出错：%(sentence)s")),
    (
        r"expected error containing (?P<text>'.*'), but got the error: (?P<sentence>.+)",
        N_("预期出错（含 %(text)s），但出错为：%(sentence)s"),
    ),
    (
        r"metric '(?P<metric>[^']+)' is not declared by ruleset (?P<ruleset>\S+)\.",
        N_("规则 %(ruleset)s 未声明指标 %(metric)s。"),
    ),
]
