# ruff: noqa: E501 - a table of translated sentences
"""Message codes of the roadmap's rules, with their text in kk, ru and en (``qala.messages`` renders them).

The English text is what ``RoadmapError`` says (the CLI prints it, tests match it); kk and ru are the same rule
in the editor's language. Parameters named ``status``, ``from``, ``to`` and ``allowed`` hold status codes and
``field`` a field name: they are shown by their names in the language (``PARAM_NAMES``).
"""

from __future__ import annotations

ROADMAP: dict[str, dict[str, str]] = {
    "roadmap.date_range": {
        "en": "{field}: a date between {min} and {max}, not {value}",
        "ru": "{field}: дата от {min} до {max}, а не {value}",
        "kk": "{field}: {min} мен {max} аралығындағы күн болуы керек, {value} емес",
    },
    "roadmap.date_invalid": {
        "en": "{field}: a date such as 2019-06-30, got {value}",
        "ru": "{field}: дата вида 2019-06-30, а указано {value}",
        "kk": "{field}: 2019-06-30 түріндегі күн болуы керек, көрсетілгені {value}",
    },
    "roadmap.cli_dates": {
        "en": "dates such as 2025-01-31 ({detail})",
        "ru": "даты вида 2025-01-31 ({detail})",
        "kk": "2025-01-31 түріндегі күндер ({detail})",
    },
    "roadmap.unknown_activity": {
        "en": "unknown activity code '{activity}'; the roadmap has {known}",
        "ru": "неизвестный код мероприятия «{activity}»; в дорожной карте есть {known}",
        "kk": "«{activity}» іс-шара коды белгісіз; жол картасында бары: {known}",
    },
    "roadmap.status_unknown": {
        "en": "status must be one of {allowed}, not '{status}'",
        "ru": "статус должен быть одним из: {allowed}, а не «{status}»",
        "kk": "мәртебе мыналардың бірі болуы керек: {allowed}, «{status}» емес",
    },
    "roadmap.status_overdue": {
        "en": "status must be one of {allowed} ('overdue' is computed from the due date, not set), not '{status}'",
        "ru": "статус должен быть одним из: {allowed} («просрочено» вычисляется по сроку, его не задают), а не «{status}»",
        "kk": "мәртебе мыналардың бірі болуы керек: {allowed} («мерзімі өтіп кетті» мерзімнен есептеледі, оны қоймайды), «{status}» емес",
    },
    "roadmap.transition": {
        "en": "an activity that is {from} can become {allowed}, not {to}",
        "ru": "мероприятие в статусе «{from}» может стать: {allowed}, но не «{to}»",
        "kk": "«{from}» мәртебесіндегі іс-шара мынаған ауыса алады: {allowed}, бірақ «{to}» емес",
    },
    "roadmap.progress_range": {
        "en": "progress must be between 0 and 100 %, not {value}",
        "ru": "выполнение должно быть от 0 до 100 %, а не {value}",
        "kk": "орындалуы 0 мен 100 % аралығында болуы керек, {value} емес",
    },
    "roadmap.progress_invalid": {
        "en": "progress as a number between 0 and 100, such as 75,5 or 75.5, not '{value}'",
        "ru": "выполнение числом от 0 до 100, например 75,5, а не «{value}»",
        "kk": "орындалуы 0 мен 100 аралығындағы санмен, мысалы 75,5, «{value}» емес",
    },
    "roadmap.done_progress": {
        "en": "a done activity has progress 100 %",
        "ru": "у выполненного мероприятия выполнение 100 %",
        "kk": "орындалған іс-шараның орындалуы 100 %",
    },
    "roadmap.planned_progress": {
        "en": "a planned activity has progress 0 %; set it in progress first",
        "ru": "у запланированного мероприятия выполнение 0 %; сначала переведите его в статус «выполняется»",
        "kk": "жоспарланған іс-шараның орындалуы 0 %; алдымен оны «орындалуда» мәртебесіне ауыстырыңыз",
    },
    "roadmap.due_before_start": {
        "en": "the due date {due} is before the start {start}",
        "ru": "срок {due} раньше начала {start}",
        "kk": "{due} мерзімі {start} басталу күнінен ерте",
    },
    "roadmap.nothing_to_change": {
        "en": "nothing to change: give a status, a progress or dates",
        "ru": "нечего менять: укажите статус, выполнение или даты",
        "kk": "өзгертетін ештеңе жоқ: мәртебені, орындалуын немесе күндерді көрсетіңіз",
    },
    "roadmap.reason_required": {
        "en": "write why the change is made; the history keeps the reason for every change.",
        "ru": "напишите, зачем вносится изменение; история хранит причину каждого изменения.",
        "kk": "өзгеріс не үшін енгізілетінін жазыңыз; тарих әр өзгерістің себебін сақтайды.",
    },
    "roadmap.comment_empty": {
        "en": "a comment needs text",
        "ru": "в комментарии нужен текст",
        "kk": "пікірге мәтін қажет",
    },
    "roadmap.comment_too_long": {
        "en": "a comment of at most {max} characters",
        "ru": "комментарий не длиннее {max} символов",
        "kk": "ұзындығы {max} таңбадан аспайтын пікір",
    },
    "roadmap.no_roadmap": {
        "en": "city '{city}' has no roadmap",
        "ru": "у города «{city}» нет дорожной карты",
        "kk": "«{city}» қаласының жол картасы жоқ",
    },
    "roadmap.names": {
        "en": "{field}: text in en, ru and kk",
        "ru": "{field}: текст на en, ru и kk",
        "kk": "{field}: en, ru және kk тілдеріндегі мәтін",
    },
    "roadmap.seed_status": {
        "en": "{field}: status one of {allowed}",
        "ru": "{field}: статус — один из: {allowed}",
        "kk": "{field}: мәртебе мыналардың бірі: {allowed}",
    },
    "roadmap.owner": {
        "en": "{field}: owner must be an organisation code",
        "ru": "{field}: ответственный должен быть кодом организации",
        "kk": "{field}: жауапты тарап ұйым коды болуы керек",
    },
    "roadmap.partner": {
        "en": "{field}: unknown partner '{partner}'",
        "ru": "{field}: неизвестный партнёр «{partner}»",
        "kk": "{field}: «{partner}» серіктесі белгісіз",
    },
    "roadmap.responsible": {
        "en": "{field}: unknown responsible person '{person}'",
        "ru": "{field}: неизвестное ответственное лицо «{person}»",
        "kk": "{field}: «{person}» жауапты тұлғасы белгісіз",
    },
}
# status codes and field names as the page shows them (the activity page uses the same words)
PARAM_NAMES: dict[str, dict[str, str]] = {
    "planned": {"en": "planned", "ru": "запланировано", "kk": "жоспарланған"},
    "in_progress": {"en": "in_progress", "ru": "выполняется", "kk": "орындалуда"},
    "done": {"en": "done", "ru": "выполнено", "kk": "орындалды"},
    "cancelled": {"en": "cancelled", "ru": "отменено", "kk": "тоқтатылды"},
    "overdue": {"en": "overdue", "ru": "просрочено", "kk": "мерзімі өтіп кетті"},
    "start": {"en": "start", "ru": "начало", "kk": "басталуы"},
    "due": {"en": "due", "ru": "срок", "kk": "мерзімі"},
}
NAMED_PARAMS = ("status", "from", "to", "allowed", "field")
