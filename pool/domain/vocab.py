"""The business's fixed vocabularies, with their Chinese names for tables."""

LEVELS = ("city", "county")
KINDS = ("manufacturing", "services", "agriculture", "infrastructure", "real_estate", "other")
CAPITAL_SOURCES = ("local", "out_of_city", "out_of_province", "foreign")
STAGES = ("planned", "negotiating", "signed", "started", "operating", "terminated")
STAGE_NAMES = {
    "planned": "谋划",
    "negotiating": "洽谈",
    "signed": "签约",
    "started": "开工",
    "operating": "投产",
    "terminated": "终止",
}
MILESTONES = ("signed", "construction_start", "operation_start", "full_capacity")
BOOKS = ("fiscal", "statistics", "assessment")
BASELINE_TO = ("host", "origin")
MODES = ("split", "dual", "origin", "host")
CHAIN_POLICIES = ("first_origin", "last_origin", "all_origins")
CHAIN_TERMS = ("restart", "continue")
CHAIN_AGREEMENTS = ("each", "first")
