"""Message codes of the strategic documents (reading a file, its details, the search), in kk, ru and en.

The English text is the sentence ``qala documents`` prints; numbers that are not quantities (a year, a byte's
position) arrive as text so that they keep their digits as written.
"""

from __future__ import annotations

DOCUMENTS: dict[str, dict[str, str]] = {
    "document.format": {
        "en": "{name}: unsupported format ({shown}); use .txt (UTF-8), .html/.htm or .pdf",
        "ru": "{name}: формат не поддерживается ({shown}); используйте .txt (UTF-8), .html/.htm или .pdf",
        "kk": "{name}: пішімге қолдау жоқ ({shown}); .txt (UTF-8), .html/.htm немесе .pdf пайдаланыңыз",
    },
    "document.too_large": {
        "en": "{name}: a file of at most {mib} MiB",
        "ru": "{name}: файл не больше {mib} МиБ",
        "kk": "{name}: файл {mib} МиБ-тан аспауы керек",
    },
    "document.upload_too_large": {
        "en": "a file of at most {mib} MiB",
        "ru": "файл не больше {mib} МиБ",
        "kk": "файл {mib} МиБ-тан аспауы керек",
    },
    "document.no_text": {
        "en": "{name}: no extractable text",
        "ru": "{name}: в файле нет извлекаемого текста",
        "kk": "{name}: файлда алынатын мәтін жоқ",
    },
    "document.not_utf8": {
        "en": "{name}: not UTF-8 text (byte {byte}); save it as UTF-8 and import it again",
        "ru": "{name}: текст не в кодировке UTF-8 (байт {byte}); сохраните его в UTF-8 и загрузите снова",
        "kk": "{name}: мәтін UTF-8 кодтауында емес ({byte}-байт); оны UTF-8 түрінде сақтап, қайта жүктеңіз",
    },
    "document.charset_unknown": {
        "en": "{name}: unknown character set '{charset}' in <meta charset>",
        "ru": "{name}: неизвестная кодировка «{charset}» в <meta charset>",
        "kk": "{name}: <meta charset> ішіндегі «{charset}» кодтауы белгісіз",
    },
    "document.charset_invalid": {
        "en": "{name}: not valid {charset} text (byte {byte})",
        "ru": "{name}: текст не соответствует кодировке {charset} (байт {byte})",
        "kk": "{name}: мәтін {charset} кодтауына сәйкес емес ({byte}-байт)",
    },
    "document.pdf_encrypted": {
        "en": "{name}: no extractable text (the PDF is encrypted; save an unprotected copy)",
        "ru": "{name}: нет извлекаемого текста (PDF зашифрован; сохраните незащищённую копию)",
        "kk": "{name}: алынатын мәтін жоқ (PDF шифрланған; қорғалмаған көшірмесін сақтаңыз)",
    },
    "document.pdf_pages": {
        "en": "{name}: a PDF of at most {max} pages (this one has {pages})",
        "ru": "{name}: PDF не больше {max} страниц (в этом {pages})",
        "kk": "{name}: PDF {max} беттен аспауы керек (мұнда {pages} бет)",
    },
    "document.pdf_bomb": {
        "en": "{name}: no extractable text (a stream of the PDF unpacks past the limit: a decompression bomb?)",
        "ru": "{name}: нет извлекаемого текста (поток PDF распаковывается сверх предела: «бомба» сжатия?)",
        "kk": "{name}: алынатын мәтін жоқ (PDF ағыны шектен асып ашылады: сығу «бомбасы» ма?)",
    },
    "document.pdf_unreadable": {
        "en": "{name}: no extractable text (the PDF cannot be read: {error})",
        "ru": "{name}: нет извлекаемого текста (PDF не читается: {error})",
        "kk": "{name}: алынатын мәтін жоқ (PDF оқылмайды: {error})",
    },
    "document.pdf_scanned": {
        "en": "{name}: no extractable text (an image-only or scanned PDF needs OCR first)",
        "ru": "{name}: нет извлекаемого текста (PDF из изображений или скан сначала нужно распознать, OCR)",
        "kk": "{name}: алынатын мәтін жоқ (суреттен тұратын не сканерленген PDF-ті алдымен тану керек, OCR)",
    },
    "document.code": {
        "en": "document code '{code}': use up to 80 letters, digits, '_', '-' or '.', e.g. kz_ndc_2023",
        "ru": "код документа «{code}»: до 80 латинских букв, цифр, «_», «-» или «.», например kz_ndc_2023",
        "kk": "«{code}» құжат коды: 80-ге дейін латын әрпі, цифр, «_», «-» немесе «.», мысалы kz_ndc_2023",
    },
    "document.lang": {
        "en": "language '{lang}': use kk, ru or en",
        "ru": "язык «{lang}»: укажите kk, ru или en",
        "kk": "«{lang}» тілі: kk, ru немесе en көрсетіңіз",
    },
    "document.title": {
        "en": "a title is required (at most 500 characters)",
        "ru": "нужно название (не более 500 символов)",
        "kk": "атауы қажет (500 таңбадан аспайды)",
    },
    "document.year": {
        "en": "year {year}: use a year between 1900 and 2100",
        "ru": "год {year}: укажите год от 1900 до 2100",
        "kk": "{year} жылы: 1900 бен 2100 аралығындағы жылды көрсетіңіз",
    },
    "document.year_form": {
        "en": "year '{year}': a whole year such as 2023",
        "ru": "год «{year}»: нужен год целым числом, например 2023",
        "kk": "«{year}» жылы: жыл бүтін санмен керек, мысалы 2023",
    },
    "document.kind": {
        "en": "kind '{kind}': one lower-case word ({hint})",
        "ru": "вид «{kind}»: одно слово строчными латинскими буквами ({hint})",
        "kk": "«{kind}» түрі: кіші латын әріптерімен бір сөз ({hint})",
    },
    "document.query_empty": {
        "en": "the search query has no words",
        "ru": "в поисковом запросе нет слов",
        "kk": "іздеу сұрауында сөз жоқ",
    },
    "document.limit": {
        "en": "limit {limit}: use 1 to {max}",
        "ru": "предел {limit}: укажите от 1 до {max}",
        "kk": "{limit} шегі: 1-ден {max}-ге дейін көрсетіңіз",
    },
    "document.search_dialect": {
        "en": "full-text search is not available on {dialect}; use SQLite or PostgreSQL",
        "ru": "полнотекстовый поиск недоступен в {dialect}; используйте SQLite или PostgreSQL",
        "kk": "{dialect} жүйесінде толық мәтіндік іздеу жоқ; SQLite немесе PostgreSQL пайдаланыңыз",
    },
}
