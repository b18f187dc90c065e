"""The Chinese names of the fixed vocabularies shown on pages (translated by the catalogue like
every other text). Region and chain names are data and come from the database."""


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for text marked, not yet translated
    return text


TERMS: dict[str, str] = {
    # stages
    "planned": N_("谋划"),
    "negotiating": N_("洽谈"),
    "signed": N_("签约"),
    "started": N_("开工"),
    "operating": N_("投产"),
    "terminated": N_("终止"),
    # milestones
    "construction_start": N_("开工"),
    "operation_start": N_("投产"),
    "full_capacity": N_("达产"),
    # listing and claim states
    "open": N_("开放中"),
    "transferred": N_("已流转"),
    "withdrawn": N_("已撤回"),
    "expired": N_("已过期"),
    "pending": N_("待审批"),
    "approved": N_("已批准"),
    "rejected": N_("已驳回"),
    # kinds
    "manufacturing": N_("制造业"),
    "services": N_("服务业"),
    "agriculture": N_("农业"),
    "infrastructure": N_("基础设施"),
    "real_estate": N_("房地产"),
    "other": N_("其他"),
    # capital sources
    "local": N_("市内资金"),
    "out_of_city": N_("市外省内资金"),
    "out_of_province": N_("省外资金"),
    "foreign": N_("外资"),
    # books and roles
    "fiscal": N_("财政"),
    "statistics": N_("统计"),
    "assessment": N_("考核"),
    "city": N_("市招商服务中心"),
    "county": N_("县区招商局"),
    "policy": N_("政策研究"),
    "auditor": N_("审计"),
    "origin": N_("首谈地"),
    "host": N_("落地地"),
    # share modes (a mode `origin` or `host` reads as the party it gives everything to, above)
    "split": N_("按比例分成"),
    "dual": N_("双方全额计入"),
    # chain policies
    "first_origin": N_("归第一个首谈地"),
    "last_origin": N_("归最近的首谈地"),
    "all_origins": N_("各首谈地均分"),
    # audit outcomes
    "ok": N_("成功"),
    "denied": N_("拒绝"),
    "invalid": N_("无效"),
    "conflict": N_("冲突"),
    "failed": N_("失败"),
}

# currencies of the indicators' units
CURRENCIES: dict[str, str] = {"CNY": N_("元"), "USD": N_("美元")}
