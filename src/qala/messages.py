"""Message codes with their text in kk, ru and en: the importer's problems, the roadmap's rules, the forms' refusals.

An error that a person may read on a page is a ``CodedError``: it carries a ``code`` and ``params``, its
``str()`` is the English sentence (the CLI prints it, scripts may match it), and ``message(lang)`` is the same
sentence in the page's language. ``catalog()`` is every code with its three texts: ``tests/test_messages.py``
walks it and checks that kk, ru and en are there with the same placeholders.
"""

from __future__ import annotations

import re
from typing import Any

from qala.documents.messages import DOCUMENTS
from qala.estimate.messages import ESTIMATES
from qala.roadmap.messages import NAMED_PARAMS, PARAM_NAMES, ROADMAP
from qala.scenario.messages import VARIANT, place

LANGS = ("kk", "ru", "en")

# the web forms' refusals outside the roadmap (accounts and tokens: store/users.py, store/tokens.py)
FORMS: dict[str, dict[str, str]] = {
    "user.password_short": {
        "en": "a password of at least {min} characters",
        "ru": "пароль не короче {min} символов",
        "kk": "кемінде {min} таңбадан тұратын құпиясөз",
    },
    "user.name_invalid": {
        "en": "a user name of 2-40 lowercase letters, digits, '.', '_' or '-'",
        "ru": "имя пользователя из 2–40 строчных латинских букв, цифр, «.», «_» или «-»",
        "kk": "2–40 кіші латын әрпінен, цифрдан, «.», «_» немесе «-» таңбасынан тұратын пайдаланушы аты",
    },
    "user.role_invalid": {
        "en": "a role among {roles}",
        "ru": "роль из списка: {roles}",
        "kk": "мына тізімдегі рөл: {roles}",
    },
    "user.exists": {
        "en": "user '{username}' exists already",
        "ru": "пользователь «{username}» уже существует",
        "kk": "«{username}» пайдаланушысы бұрыннан бар",
    },
    "user.unknown": {
        "en": "no user '{username}'",
        "ru": "нет пользователя «{username}»",
        "kk": "«{username}» пайдаланушысы жоқ",
    },
    "user.setup_link_invalid": {
        "en": "this setup link is not valid (it works once, before any admin exists)",
        "ru": "эта ссылка для настройки недействительна (она работает один раз, пока нет ни одного администратора)",
        "kk": "бұл баптау сілтемесі жарамсыз (ол бір рет қана, әкімші жоқ кезде ғана жұмыс істейді)",
    },
    "user.reset_link_invalid": {
        "en": "this link to set a password is not valid (it works once, for 24 hours)",
        "ru": "эта ссылка для установки пароля недействительна (она работает один раз в течение 24 часов)",
        "kk": "құпиясөз орнату сілтемесі жарамсыз (ол 24 сағат ішінде бір рет қана жұмыс істейді)",
    },
    "user.last_admin_role": {
        "en": "the last active administrator keeps the role: make another administrator first",
        "ru": "последний активный администратор сохраняет роль: сначала назначьте другого администратора",
        "kk": "соңғы белсенді әкімші рөлін сақтайды: алдымен басқа әкімші тағайындаңыз",
    },
    "user.last_admin_active": {
        "en": "the last active administrator cannot be deactivated",
        "ru": "последнего активного администратора нельзя отключить",
        "kk": "соңғы белсенді әкімшіні өшіруге болмайды",
    },
    "user.display_name": {
        "en": "a display name of at most {max} printable characters",
        "ru": "отображаемое имя не длиннее {max} печатных символов",
        "kk": "ұзындығы {max} басылатын таңбадан аспайтын көрсетілетін ат",
    },
    "token.days": {
        "en": "a token's life of 1 to {max} days, not {days}",
        "ru": "срок действия токена от 1 до {max} дней, а не {days}",
        "kk": "токеннің жарамдылық мерзімі 1 күннен {max} күнге дейін, {days} емес",
    },
    "token.unknown": {
        "en": "no token {id}",
        "ru": "нет токена {id}",
        "kk": "{id} токені жоқ",
    },
    "token.scopes": {
        "en": "scopes among {scopes} (got {got})",
        "ru": "области доступа из списка: {scopes} (указано: {got})",
        "kk": "мына тізімдегі қолжетімділік аялары: {scopes} (көрсетілгені: {got})",
    },
}


def catalog() -> dict[str, dict[str, str]]:
    """Every message code (importer, roadmap, forms) with its kk, ru and en text."""
    from qala.ingest.messages import CODES  # noqa: PLC0415 - the importer's table, loaded when asked for

    return {
        **{code: texts for code, (_, texts) in CODES.items()},
        **ROADMAP,
        **FORMS,
        **VARIANT,
        **DOCUMENTS,
        **ESTIMATES,
    }


def _value(name: str, value: Any, lang: str) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_value(name, v, lang) for v in value)
    if name in NAMED_PARAMS and str(value) in PARAM_NAMES:
        return PARAM_NAMES[str(value)].get(lang) or str(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 1000:
        return f"{value:,}".replace(",", "\u00a0" if lang in ("kk", "ru") else ",")
    if isinstance(value, float):
        shown = f"{value:g}"
        return shown.replace(".", ",") if lang in ("kk", "ru") else shown
    return str(value)


def text(code: str, params: dict[str, Any], lang: str) -> str:
    """The message of ``code`` in ``lang`` (English for another language), its placeholders filled."""
    texts = ROADMAP.get(code) or FORMS.get(code) or VARIANT.get(code) or DOCUMENTS.get(code) or ESTIMATES.get(code)
    if texts is None:
        from qala.ingest import messages as importer  # noqa: PLC0415

        return importer.text(code, params, lang)
    template = texts.get(lang) or texts["en"]
    values = dict.fromkeys(re.findall(r"\{(\w+)\}", template), "")
    values.update({k: _value(k, v, lang) for k, v in params.items()})
    if (code in VARIANT or code in ESTIMATES) and lang in (
        "kk",
        "ru",
    ):  # a quoted name ('nope', as Python shows it) in «» quotes
        values = {k: re.sub(r"^'(.*)'$", r"«\1»", v) for k, v in values.items()}
    return template.format(**values)


class CodedError(ValueError):
    """A refusal a person reads: a code, its parameters and an HTTP status; ``str()`` is the English sentence."""

    def __init__(self, code: str, http_status: int = 400, /, **params: Any) -> None:
        self.code, self.params, self.status = code, params, http_status
        super().__init__(text(code, params, "en"))

    def message(self, lang: str) -> str:
        return text(self.code, self.params, lang)

    def to_dict(self, lang: str) -> dict[str, Any]:
        """The JSON body of the refusal: English ``detail``, ``code``, ``params`` and ``message`` in ``lang``."""
        params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.params.items()}
        return {"detail": str(self), "code": self.code, "params": params, "message": self.message(lang)}


def error_body(exc: Exception, lang: str) -> dict[str, Any]:
    """Any refusal as JSON: a ``CodedError`` as it is; an older English sentence through the importer's patterns."""
    if isinstance(exc, CodedError):
        return exc.to_dict(lang)
    code = getattr(exc, "code", None)
    params = getattr(exc, "params", None)
    from qala.ingest import messages as importer  # noqa: PLC0415

    if not code:
        code, params = importer.classify(str(exc))
    return {"detail": str(exc), "code": code, "params": params or {}, "message": text(code, params or {}, lang)}


def message_of(exc: Exception, lang: str) -> str:
    return error_body(exc, lang)["message"]


class Problem(str):
    """One problem of a list (a model, a variant): the English line ``where: sentence`` as it always was, with a
    ``code``, ``params`` and the line in another language (``message(lang)``)."""

    code: str
    params: dict[str, Any]
    where: str

    sep: str

    def __new__(cls, where: str, code: str, sep: str = ": ", /, **params: Any) -> Problem:
        self = super().__new__(cls, f"{where}{sep}{text(code, params, 'en')}" if where else text(code, params, "en"))
        self.where, self.code, self.params, self.sep = where, code, params, sep
        return self

    def message(self, lang: str) -> str:
        shown = text(self.code, self.params, lang)
        return f"{place(self.where, lang)}{self.sep}{shown}" if self.where else shown

    def __reduce__(self) -> tuple[Any, ...]:  # a problem crosses a process (pickle) with its code
        return (_problem, (self.where, self.code, self.sep, self.params))

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {"where": self.where, "code": self.code, "params": self.params, "message": self.message(lang)}


def _problem(where: str, code: str, sep: str, params: dict[str, Any]) -> Problem:
    return Problem(where, code, sep, **params)


def problem_list(problems: list[str], lang: str) -> list[dict[str, Any]]:
    """Each problem of a list as ``where``, ``code``, ``params`` and ``message`` (a line without a code yet is
    ``invalid``, its message the English line)."""
    return [
        p.to_dict(lang)
        if isinstance(p, Problem)
        else {"where": "", "code": "invalid", "params": {"detail": str(p)}, "message": str(p)}
        for p in problems
    ]
