"""The WooCommerce connect page's words in English and Arabic: the form, and one sentence for each
way connecting can fail (by the error's `reason` or code) or a sign-in can end."""

from __future__ import annotations

from starlette.requests import Request

from ..errors import AppError

Lang = str  # "en" | "ar"

WORDS: dict[Lang, dict[str, str]] = {
    "en": {
        "title": "Connect your WooCommerce store",
        "intro": (
            "In WordPress open WooCommerce → Settings → Advanced → REST API, add a key with Read/Write "
            "permission and paste it here. We check the key with one request before saving it, encrypted."
        ),
        "lost_key_hint": (
            "WooCommerce shows a key's secret only once. Lost it? Add a new key there: connecting with it "
            "replaces the old one here."
        ),
        "label.site": "Store address",
        "label.ck": "Consumer key",
        "label.cs": "Consumer secret",
        "connect": "Connect",
        "other_language": "العربية",
        "error.form_expired": "This form has expired; enter your keys again and press Connect.",
        "error.too_many": "Too many attempts from your connection; wait a few minutes and try again.",
        "error.address_missing": "Enter your store's address, for example https://shop.example.com.",
        "error.address_invalid": (
            "This is not a web address; copy your store's address from the browser, for example "
            "https://shop.example.com."
        ),
        "error.address_not_https": "Your store's address must start with https://.",
        "error.not_public": "This address does not lead to a public website; enter your store's public address.",
        "error.unreachable": "We could not reach this site; check the address and that the site is online.",
        "error.redirected": (
            "Your site sent us on to another address; enter the address your store opens at in the browser."
        ),
        "error.not_woocommerce": (
            "This site did not answer like a WooCommerce store; enter your WordPress site's address."
        ),
        "error.keys_format": "Paste both keys: the consumer key starts with ck_ and the consumer secret with cs_.",
        "error.keys_refused": "WooCommerce refused these keys; check that you copied both of them in full.",
        "error.keys_read_only": "These keys cannot change products; add a key with Read/Write permission.",
        "error.other": "We could not connect your store; check the address and the keys and try again.",
        "notice.expired": "You were signed out after a while away; enter your keys to connect again.",
        "notice.ended": "You were signed out because the store was disconnected or connected again elsewhere.",
        "notice.disconnected": (
            "Your store is disconnected: the app forgot its keys. Your history stays if you come back."
        ),
    },
    "ar": {
        "title": "اربط متجرك على ووكومرس",
        "intro": (
            "في ووردبريس افتح ووكومرس ← الإعدادات ← متقدم ← REST API، وأضف مفتاحًا بصلاحية "
            "القراءة والكتابة (Read/Write) ثم الصقه هنا. نتحقق من المفتاح بطلب واحد قبل حفظه مشفّرًا."
        ),
        "lost_key_hint": (
            "يعرض ووكومرس سرّ المفتاح مرة واحدة فقط. أضعته؟ أضف مفتاحًا جديدًا هناك: الربط به يحلّ محلّ المفتاح القديم هنا."
        ),
        "label.site": "عنوان المتجر",
        "label.ck": "مفتاح المستهلك (Consumer key)",
        "label.cs": "سرّ المستهلك (Consumer secret)",
        "connect": "ربط",
        "other_language": "English",
        "error.form_expired": "انتهت صلاحية هذا النموذج؛ أدخل مفاتيحك مرة أخرى واضغط ربط.",
        "error.too_many": "محاولات كثيرة من اتصالك؛ انتظر بضع دقائق ثم حاول مرة أخرى.",
        "error.address_missing": "أدخل عنوان متجرك، مثل https://shop.example.com.",
        "error.address_invalid": "هذا ليس عنوان موقع؛ انسخ عنوان متجرك من المتصفح، مثل https://shop.example.com.",
        "error.address_not_https": "يجب أن يبدأ عنوان متجرك بـ https://.",
        "error.not_public": "هذا العنوان لا يؤدي إلى موقع عام؛ أدخل العنوان العام لمتجرك.",
        "error.unreachable": "تعذّر علينا الوصول إلى هذا الموقع؛ تحقّق من العنوان ومن أن الموقع يعمل.",
        "error.redirected": "حوّلنا موقعك إلى عنوان آخر؛ أدخل العنوان الذي يفتح به متجرك في المتصفح.",
        "error.not_woocommerce": "لم يُجب هذا الموقع كمتجر ووكومرس؛ أدخل عنوان موقع ووردبريس الخاص بك.",
        "error.keys_format": "الصق المفتاحين: مفتاح المستهلك يبدأ بـ ck_ وسرّ المستهلك يبدأ بـ cs_.",
        "error.keys_refused": "رفض ووكومرس هذين المفتاحين؛ تحقّق من أنك نسختهما كاملين.",
        "error.keys_read_only": "هذان المفتاحان لا يستطيعان تعديل المنتجات؛ أضف مفتاحًا بصلاحية القراءة والكتابة.",
        "error.other": "تعذّر ربط متجرك؛ تحقّق من العنوان والمفتاحين ثم حاول مرة أخرى.",
        "notice.expired": "سُجّل خروجك بعد غياب؛ أدخل مفاتيحك لتربط متجرك من جديد.",
        "notice.ended": "سُجّل خروجك لأن المتجر فُصل أو رُبط من جديد في مكان آخر.",
        "notice.disconnected": "فُصل متجرك: نسي التطبيق مفاتيحه. يبقى سجلّك إن عدت.",
    },
}

# An error's `reason` (or its code) to the sentence that says it on the form.
_ERROR_KEYS = {
    "address_missing": "error.address_missing",
    "address_invalid": "error.address_invalid",
    "address_not_https": "error.address_not_https",
    "address_refused": "error.not_public",
    "unreachable": "error.unreachable",
    "redirected": "error.redirected",
    "not_woocommerce": "error.not_woocommerce",
    "keys_format": "error.keys_format",
    "keys_refused": "error.keys_refused",
    "keys_read_only": "error.keys_read_only",
    "forbidden": "error.form_expired",
    "rate_limited": "error.too_many",
}


def error_key(exc: AppError) -> str:
    """The sentence (a key of WORDS) that tells the owner what went wrong."""
    reason = exc.details.get("reason")
    return _ERROR_KEYS.get(str(reason) if reason else exc.code, "error.other")


def form_language(request: Request) -> Lang:
    """Arabic when the page is asked for in Arabic (`?locale=ar`) or, without a locale, when the
    browser's first language is Arabic; English otherwise."""
    locale = request.query_params.get("locale", "")
    if not locale:
        locale = request.headers.get("accept-language", "").split(",")[0]
    return "ar" if locale.strip().lower()[:2] == "ar" else "en"
