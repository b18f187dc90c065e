"""The ledger check's sentences in Chinese, by shape (see `sentences`): what the ledger page says
when an entry, a kept sum, an input record or a stored input no longer agrees with the rest, or
when a checkpoint file is refused or no longer extended."""

from pool.web.labels import N_

INPUT_KINDS = {  # the kinds of input the input journal records
    "ruleset": N_("规则版本"),
    "project": N_("项目"),
    "transfer": N_("流转"),
    "agreement": N_("协议修订"),
    "cancel": N_("撤销流转"),
    "actual": N_("实绩修订"),
    "close": N_("关账"),
    "import": N_("实绩导入"),
}
_KIND = r"(?P<kind>ruleset|project|transfer|agreement|cancel|actual|close|import) (?P<ref>\d+)"
_PLACE = r"transfer (?P<transfer>\d+) share (?P<share>\S+) region (?P<region>\S+)"
_TAKEN = r"the checkpoint(?: taken \S+)?"

LEDGER_LINES: list[tuple[str, str]] = [
    # the ledger's entries and the sums kept beside them
    (
        r"entry (?P<n>\d+): the chain jumps from entry (?P<before>\d+) to \d+; entry (?P<missing>\d+) "
        r"is missing\.",
        N_("第 %(n)s 笔分录：分录链从第 %(before)s 笔跳到第 %(n)s 笔；缺少第 %(missing)s 笔。"),
    ),
    (
        r"entry (?P<n>\d+): its previous hash does not match the entry before it\.",
        N_("第 %(n)s 笔分录：所记的前一哈希与前一笔分录不符。"),
    ),
    (r"entry (?P<n>\d+): its hash does not match its content\.", N_("第 %(n)s 笔分录：哈希与内容不符。")),
    (
        r"entry (?P<n>\d+): its postings sum to (?P<sum>\S+), not zero\.",
        N_("第 %(n)s 笔分录：各条过账合计 %(sum)s，不为零。"),
    ),
    (r"(?P<n>\d+) postings belong to no entry\.", N_("%(n)s 条过账不属于任何分录。")),
    (
        r"account (?P<name>\S+): stored balance (?P<stored>\S+), but its postings sum to (?P<sum>\S+)\.",
        N_("账户 %(name)s：存储的余额为 %(stored)s，而其过账合计 %(sum)s。"),
    ),
    (
        r"account (?P<name>\S+): its columns say book (?P<book>\S+), region (?P<region>\S+), share "
        r"(?P<share>\S+), which its name does not\.",
        N_("账户 %(name)s：其各列记为账簿 %(book)s、地区 %(region)s、分成项 %(share)s，与账户名不符。"),
    ),
    (
        rf"{_PLACE}: stored position (?P<stored>\S+), but its postings sum to (?P<sum>\S+)\.",
        N_(
            "流转 %(transfer)s 分成项 %(share)s 地区 %(region)s："
            "存储的累计数为 %(stored)s，而其过账合计 %(sum)s。"
        ),
    ),
    (
        rf"{_PLACE}: postings sum to (?P<sum>\S+) but no position is stored\.",
        N_("流转 %(transfer)s 分成项 %(share)s 地区 %(region)s：过账合计 %(sum)s，但没有存储累计数。"),
    ),
    (
        rf"{_PLACE} in (?P<year>\d+): kept (?P<kept>\S+) \((?P<book>\w+)\), but the postings of the year "
        r"sum to (?P<sum>\S+) \((?P<posted_book>\w+)\)\.",
        N_(
            "流转 %(transfer)s 分成项 %(share)s 地区 %(region)s %(year)s 年：留存的年度数为 "
            "%(kept)s（%(book)s），而该年过账合计 %(sum)s（%(posted_book)s）。"
        ),
    ),
    (
        rf"{_PLACE} in (?P<year>\d+): the postings of the year sum to (?P<sum>\S+), but nothing is kept "
        r"for it\.",
        N_(
            "流转 %(transfer)s 分成项 %(share)s 地区 %(region)s %(year)s 年："
            "该年过账合计 %(sum)s，但没有留存年度数。"
        ),
    ),
    (
        r"payables of (?P<payer>\S+) to (?P<payee>\S+) in (?P<month>\S+) \((?P<unit>[^)]+)\): kept "
        r"(?P<kept>\S+), but the postings sum to (?P<sum>\S+)\.",
        N_("%(payer)s 应付 %(payee)s 的 %(month)s 款项（%(unit)s）：留存 %(kept)s，而过账合计 %(sum)s。"),
    ),
    # the input journal and the inputs it records
    (
        r"input record (?P<n>\d+): the input journal jumps from record (?P<before>\d+) to \d+; record "
        r"(?P<missing>\d+) is missing\.",
        N_("第 %(n)s 条输入记录：输入日志从第 %(before)s 条跳到第 %(n)s 条；缺少第 %(missing)s 条。"),
    ),
    (
        r"input record (?P<n>\d+): its previous hash does not match the record before it\.",
        N_("第 %(n)s 条输入记录：所记的前一哈希与前一条记录不符。"),
    ),
    (
        r"input record (?P<n>\d+): its body is not a record\.",
        N_("第 %(n)s 条输入记录：其内容不是一条记录。"),
    ),
    (
        r"input record (?P<n>\d+): its hash does not match its content\.",
        N_("第 %(n)s 条输入记录：哈希与内容不符。"),
    ),
    (
        rf"{_KIND} is stored but not in the input journal\.",
        N_("%(kind)s %(ref)s 已存储，但输入日志中没有记录。"),
    ),
    (
        rf"{_KIND} is in the input journal but no longer stored\.",
        N_("%(kind)s %(ref)s 在输入日志中有记录，但已不再存储。"),
    ),
    (
        rf"{_KIND}: its (?P<column>\w+) is (?P<stored>.+), but the input journal records (?P<recorded>.+)\.",
        N_("%(kind)s %(ref)s：其 %(column)s 为 %(stored)s，而输入日志记录的是 %(recorded)s。"),
    ),
    (
        r"import (?P<ref>\d+): its actual revisions are no longer those the input journal records: "
        r"(?P<n>\S+) with ids (?P<first>\S+) to (?P<last>\S+) and SHA-256 (?P<sha>\S+) stored, "
        r"(?P<rn>\S+) with ids (?P<rfirst>\S+) to (?P<rlast>\S+) and SHA-256 (?P<rsha>\S+) recorded; "
        r"one of them was changed, added or removed\.",
        N_(
            "实绩导入 %(ref)s：其实绩修订已不是输入日志所记的那些："
            "现存 %(n)s 条，编号 %(first)s 至 %(last)s，SHA-256 %(sha)s；"
            "日志记录 %(rn)s 条，编号 %(rfirst)s 至 %(rlast)s，SHA-256 %(rsha)s。"
            "其中有修订被改动、增加或删除。"
        ),
    ),
    (
        r"settlement run (?P<run>\d+): it records the input journal's head at record (?P<n>\d+) as "
        r"(?P<head>\S+), which the journal no longer recomputes\.",
        N_("结算批次 %(run)s：其记录的输入日志第 %(n)s 条处的哈希为 %(head)s，而输入日志重算的结果已不同。"),
    ),
    (
        r"ruleset (?P<ruleset>\S+) version (?P<version>\S+) \(ruleset (?P<ref>\d+)\): its text no longer "
        r"matches its sha256\.",
        N_("规则 %(ruleset)s 版本 %(version)s（规则版本 %(ref)s）：文本与其 sha256 不再相符。"),
    ),
    (
        r"actual of project (?P<project>\d+) (?P<month>\S+) (?P<metric>\S+): the current value \(amount "
        r"(?P<amount>\S+) as revision (?P<revision>\d+)\) is not its latest revision\.",
        N_(
            "项目 %(project)s %(month)s %(metric)s 的实绩：当前值（金额 %(amount)s，"
            "记为第 %(revision)s 版）不是其最新版本。"
        ),
    ),
    (
        r"actual of project (?P<project>\d+) (?P<month>\S+) (?P<metric>\S+): the current value \(no "
        r"current value\) is not its latest revision\.",
        N_("项目 %(project)s %(month)s %(metric)s 的实绩：没有当前值，与其最新版本不符。"),
    ),
    (
        r"project (?P<project>\d+): its host is stored as (?P<host>\S+), but its transfers put it in "
        r"(?P<expected>\S+)\.",
        N_("项目 %(project)s：存储的落地地为 %(host)s，而其流转表明落地地应为 %(expected)s。"),
    ),
    # a checkpoint the ledger and the input journal no longer extend
    (
        r"entry (?P<n>\d+): the checkpoint(?: taken (?P<at>\S+))? records (?P<entries>\d+) entries, but the "
        r"ledger now has only (?P<now>\d+); entries were removed\.",
        N_("第 %(n)s 笔分录：检查点记录了 %(entries)s 笔分录，而账本现在只有 %(now)s 笔；有分录被删除。"),
    ),
    (
        rf"entry (?P<n>\d+): {_TAKEN} ends at this entry, but the ledger no longer holds it\.",
        N_("第 %(n)s 笔分录：检查点止于这笔分录，但账本中已没有它。"),
    ),
    (
        rf"entry (?P<n>\d+): {_TAKEN} records its hash as (?P<head>\S+), but the ledger's history "
        r"recomputes it as (?P<now>\S+); entries up to \d+ were rewritten\.",
        N_(
            "第 %(n)s 笔分录：检查点记录的哈希为 %(head)s，而按账本历史重算为 %(now)s；"
            "第 %(n)s 笔及以前的分录被改写过。"
        ),
    ),
    (
        rf"input record (?P<n>\d+): {_TAKEN} records (?P<records>\d+) inputs, but the journal now has only "
        r"(?P<now>\d+); records were removed\.",
        N_(
            "第 %(n)s 条输入记录：检查点记录了 %(records)s 条输入，"
            "而输入日志现在只有 %(now)s 条；有记录被删除。"
        ),
    ),
    (
        rf"input record (?P<n>\d+): {_TAKEN} ends at it, but it is gone\.",
        N_("第 %(n)s 条输入记录：检查点止于这条记录，但它已不在输入日志中。"),
    ),
    (
        rf"input record (?P<n>\d+): {_TAKEN} records its hash as (?P<head>\S+), but the journal recomputes "
        r"it as (?P<now>\S+); inputs up to \d+ were rewritten\.",
        N_(
            "第 %(n)s 条输入记录：检查点记录的哈希为 %(head)s，而输入日志重算为 %(now)s；"
            "第 %(n)s 条及以前的输入被改写过。"
        ),
    ),
    # a checkpoint file refused
    (r"(?P<file>\S+) is not a checkpoint: it is not JSON\.", N_("%(file)s 不是检查点文件：内容不是 JSON。")),
    (
        r"(?P<file>\S+) is not a checkpoint: it is not a JSON object\.",
        N_("%(file)s 不是检查点文件：内容不是 JSON 对象。"),
    ),
    (
        r"(?P<file>\S+) is not a checkpoint: `(?P<field>\w+)` must be a whole number\.",
        N_("%(file)s 不是检查点文件：%(field)s 应为整数。"),
    ),
    (
        r"(?P<file>\S+) is not a checkpoint: `(?P<field>\w+)` must be a SHA-256 hash in hex\.",
        N_("%(file)s 不是检查点文件：%(field)s 应为十六进制的 SHA-256 哈希值。"),
    ),
    (
        r"(?P<file>\S+) is not a checkpoint: an empty ledger's head is 64 zeros\.",
        N_("%(file)s 不是检查点文件：空账本的 head 应为 64 个 0。"),
    ),
    (
        r"(?P<file>\S+) is not a checkpoint: `inputs` is given without `inputs_head`\.",
        N_("%(file)s 不是检查点文件：给出了 inputs，却没有 inputs_head。"),
    ),
]
