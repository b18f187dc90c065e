"""Investor names fold to one key whatever legal form, bracketed aside or width they are typed
with; distinct cores stay distinct."""

from hypothesis import given
from hypothesis import strategies as st

from pool.domain.names import fold, fold_company

# Cores drawn from characters no legal form ends with, so a form never eats into them.
CORE = st.text(alphabet="金钼陕西秦岭商洛华能电建新材料绿色食品abcxyz", min_size=1, max_size=12)
FORMS = st.sampled_from(
    [
        "",
        "有限公司",
        "有限责任公司",
        "股份有限公司",
        "集团有限公司",
        "集团股份有限公司",
        "(中国)有限公司",
        "（中国）有限公司",
        "集团",
        "股份",
        " Co., Ltd.",
        " Group Limited",
        " Inc.",
    ]
)


@given(CORE, FORMS, FORMS)
def test_legal_forms_and_asides_fold_away(core: str, first: str, second: str) -> None:
    assert fold_company(core + first) == fold_company(core + second) == fold_company(core)


@given(CORE, CORE, FORMS)
def test_different_cores_stay_different(a: str, b: str, form: str) -> None:
    if fold_company(a) != fold_company(b):
        assert fold_company(a + form) != fold_company(b + form)


@given(st.text(max_size=30))
def test_never_folds_to_nothing_that_was_something(text: str) -> None:
    if fold(text):
        assert fold_company(text)
