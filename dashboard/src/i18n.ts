/**
 * The dashboard's words in English and Arabic.
 *
 * `t(key, vars)` returns a sentence with `{name}` placeholders filled in; when the entry has plural
 * forms, `vars.count` picks the form (Intl.PluralRules: English one/other, Arabic
 * zero/one/two/few/many/other). Numbers are written with Western digits by `fmt`.
 * `rich(key, vars)` does the same but lets placeholders be React elements (a link, a bold number).
 */
import { createElement, Fragment, type ReactNode } from "react";

export type Lang = "en" | "ar";

type Forms = { other: string } & Partial<Record<Intl.LDMLPluralRule, string>>;
type Entry = string | Forms;
type Vars = Record<string, string | number>;

const en = {
  // App shell
  "app.name": "Optimizer",
  "app.yourStore": "Your store",
  "app.sections": "Sections",
  "app.creditsAria": "{count} credits left on the {plan} plan. Open billing.",
  "app.creditsPill": "{count} credits left · {plan}",
  "tab.optimise": "Optimise",
  "tab.queue": "Queue",
  "tab.results": "Results",
  "tab.activity": "Activity",
  "tab.billing": "Billing",
  "tab.settings": "Settings",

  // Fields and languages
  "field.title": "Title",
  "field.description": "Description",
  "field.seo_title": "SEO title",
  "field.seo_description": "Meta description",
  "lang.en": "English",
  "lang.ar": "Arabic (العربية)",
  "lang.fr": "French",
  "lang.de": "German",
  "lang.es": "Spanish",
  "lang.it": "Italian",
  "lang.pt-BR": "Portuguese (Brazil)",
  "lang.nl": "Dutch",
  "lang.tr": "Turkish",
  "list.separator": ", ",

  // Counted words
  "count.products": { one: "{count} product", other: "{count} products" },
  "count.changes": { one: "{count} change", other: "{count} changes" },
  "count.characters": "{count} characters",

  // API errors
  "error.network": "We could not reach Optimizer. Check your connection and try again.",
  "error.session": "Your session has ended. Reopen the app from your store admin to continue.",
  "error.forbidden": "You do not have access to this.",
  "error.notFound": "We could not find this any more.",
  "error.tooMany": "Too many requests at once. Wait a few seconds and try again.",
  "error.store": "Your store did not answer. Try again in a moment.",
  "error.server": "Something went wrong on our side. Try again in a moment.",
  "error.generic": "That did not work. Try again.",
  "error.unknown": "Something went wrong. Try again.",

  // Shared pieces
  "ui.tryAgain": "Try again",
  "ui.keepIt": "Keep it",
  "ui.progress": "{done} of {total} finished",
  "ui.empty": "(empty)",
  "ui.saving": "Saving…",
  "ui.untitledProduct": "Untitled product",
  "ui.valueChanged": "This value was changed in your store",
  "ui.putBack": "Put the old value back anyway",
  "ui.leaveIt": "Leave it",
  "ui.revert": "Revert",
  "ui.revertFailed": "The change was not reverted. {error}",
  "status.PENDING": "Waiting",
  "status.RUNNING": "In progress",
  "status.DONE": "Done",
  "status.DONE_WITH_FAILURES": "Done, some failed",
  "status.FAILED": "Failed",
  "status.CANCELED": "Canceled",

  // Optimise
  "opt.loadError": "We could not load your products. {error}",
  "opt.collectionsError": "We could not load your collections. {error}",
  "opt.notStarted": "Your job was not started. {error}",
  "opt.title": "Optimise products",
  "opt.intro": "Choose products and the text to improve. You review every change before it goes live.",
  "opt.step1": "1. Choose products",
  "opt.whatToPick": "What to pick",
  "opt.scopeProducts": "Products",
  "opt.scopeCollections": "Whole collections",
  "opt.searchLabel": "Search products",
  "opt.searchPlaceholder": "Search products by name",
  "opt.search": "Search",
  "opt.loadingProducts": "Loading your products…",
  "opt.noMatch": "No products match “{search}”.",
  "opt.noProducts": "Your store has no products yet.",
  "opt.noMatchHint": "Try another word, or clear the search.",
  "opt.noProductsHint": "Add products in your store admin, then come back.",
  "opt.selectPage": "Select all products on this page",
  "opt.colProduct": "Product",
  "opt.colSeoTitle": "SEO title today",
  "opt.selectProduct": "Select {title}",
  "opt.untitledLower": "untitled product",
  "opt.selected": { one: "{count} product selected", other: "{count} products selected" },
  "opt.noneSelected": "No products selected",
  "opt.inStore": "{count} in your store",
  "opt.previous": "Previous",
  "opt.next": "Next",
  "opt.page": "Page {page}",
  "opt.pageOf": "Page {page} of {pages}",
  "opt.loadingCollections": "Loading your collections…",
  "opt.noCollections": "Your store has no collections.",
  "opt.noCollectionsHint": "Pick products one by one instead.",
  "opt.step2": "2. What to improve",
  "opt.fields": "Fields",
  "opt.upTo": "up to {count} characters",
  "opt.language": "Language of the new text",
  "opt.tone": "Tone and brand voice",
  "opt.tonePlaceholder": "e.g. warm, confident, no exclamation marks",
  "opt.instructions": "Instructions (optional)",
  "opt.instructionsPlaceholder": "e.g. mention free shipping over $50; keep product names unchanged",
  "opt.pickProducts": "Select products to see the cost.",
  "opt.pickField": "Tick at least one field.",
  "opt.costLine": "{products} × {fields} = {credits}, {left}",
  "opt.costProducts": { one: "{count} product", other: "{count} products" },
  "opt.costFields": { one: "{count} field", other: "{count} fields" },
  "opt.costCredits": { one: "{count} credit", other: "{count} credits" },
  "opt.costLeft": "{count} left",
  "opt.costOnlyLeft": "only {count} left",
  "opt.shortTitle": "Not enough credits.",
  "opt.shortChanged": "Your balance changed since this page opened: ",
  "opt.shortBody": {
    one: "this needs {count} credit and you have {left} left. Upgrade your plan for more credits, or choose fewer products or fields.",
    other:
      "this needs {count} credits and you have {left} left. Upgrade your plan for more credits, or choose fewer products or fields.",
  },
  "opt.starting": "Starting…",
  "opt.improveFor": { one: "Improve for {count} credit", other: "Improve for {count} credits" },
  "opt.improve": "Improve",

  // Queue
  "queue.loadError": "We could not load your jobs. {error}",
  "queue.canceled": {
    one: "Job #{id} canceled. {count} credit was refunded.",
    other: "Job #{id} canceled. {count} credits were refunded.",
  },
  "queue.cancelError": "We could not cancel the job. {error}",
  "queue.title": "Queue",
  "queue.intro": "Jobs being improved right now. This page updates by itself every few seconds.",
  "queue.newJob": "New job",
  "queue.loading": "Loading your jobs…",
  "queue.empty": "Nothing is being improved right now.",
  "queue.emptyHint": "Start a job from {optimise}; finished jobs are in {results}.",
  "queue.jobAria": "Job {id}",
  "queue.job": "Job #{id}",
  "queue.started": "started {date}",
  "queue.cancelJob": "Cancel job",
  "queue.done": "{count} done",
  "queue.failed": "{count} failed",
  "queue.waiting": "{count} waiting",
  "queue.recent": "Recently finished",
  "queue.improvedOf": "{done} of {total} improved",
  "queue.review": "Review results",
  "queue.confirmTitle": "Cancel job #{id}?",
  "queue.confirmOk": "Cancel job and refund",
  "queue.keepRunning": "Keep it running",
  "queue.confirmStop": "The {changes} not yet made will stop, and {credits} will go back to your balance.",
  "queue.confirmCredits": { one: "{count} credit", other: "{count} credits" },
  "queue.confirmDone": "The {changes} already made stay in Results for you to review; their credits are not refunded.",

  // Results
  "outcome.published": "Published to your store",
  "outcome.already_published": "Was already published",
  "outcome.in_progress": "Being published, check again in a moment",
  "outcome.not_ready": "Not ready to publish",
  "outcome.not_found": "No longer exists",
  "outcome.error": "Could not be published",
  "res.historyError": "We could not load your job history. {error}",
  "res.title": "Results",
  "res.intro": "Compare before and after, edit what you want, then publish to your store.",
  "res.loadingHistory": "Loading your job history…",
  "res.empty": "No results yet.",
  "res.emptyHint": "Improved text appears here once a job has run. {start}.",
  "res.startFirst": "Start your first job",
  "res.history": "Job history",
  "res.loadError": "We could not load this job. {error}",
  "res.publishedPart": { one: "{count} change was published", other: "{count} changes were published" },
  "res.notPublishedPart": { one: "{count} change was not", other: "{count} changes were not" },
  "res.publishMixed": "{published}; {notPublished}. See each row for why.",
  "res.publishedAll": {
    one: "{count} change published to your store.",
    other: "{count} changes published to your store.",
  },
  "res.nothingPublished": "Nothing was published. {error}",
  "res.reverted": "{field} changed back to its previous value in your store.",
  "res.loading": "Loading the results…",
  "res.creditsUsed": { one: "{count} credit used", other: "{count} credits used" },
  "res.progress": "{done} of {total} done — results appear below as they arrive.",
  "res.selectAll": "Select all ready changes ({count})",
  "res.publishSelected": "Publish selected ({count})",
  "res.publishing": "Publishing…",
  "res.publishAll": "Publish all",
  "res.noChanges": "This job has no changes to show.",
  "res.someoneEdited": "Someone edited this {field} in your store after it was published. It now reads:",
  "res.revertExplain": "Reverting replaces that with the value from before the app changed it.",
  "res.searchEngines": "Search engines show about {count} characters",
  "res.tooLong": " — too long",
  "res.couldNotImprove": "Could not improve",
  "res.canceled": "Canceled",
  "res.working": "Working on it…",
  "res.published": "Published",
  "res.edited": "Edited by you",
  "res.ready": "Ready to publish",
  "res.selectField": "Select {field} of this product",
  "res.edit": "Edit",
  "res.failedWhy": "We could not improve this field: {error}.",
  "res.failed": "We could not improve this field.",
  "res.refunded": "Its credit was refunded.",
  "res.before": "Before",
  "res.after": "After",
  "res.emptyValue": "Empty",
  "res.newValue": "New {field}",
  "res.cancel": "Cancel",
  "res.save": "Save",
  "res.notReady": "Not ready yet",
  "res.preview": "Preview and HTML",
  "res.shoppersSee": "How shoppers see it",
  "res.html": "HTML",

  // Activity
  "act.loadError": "We could not load the activity. {error}",
  "act.reverted": "{field} changed back in your store.",
  "act.title": "Activity",
  "act.intro": "Every change the app wrote to your store. Revert puts the previous value back.",
  "act.loading": "Loading the activity…",
  "act.empty": "Nothing has been published yet.",
  "act.emptyHint": "Publish improved text from {results} and it will be listed here.",
  "act.when": "When",
  "act.product": "Product",
  "act.field": "Field",
  "act.change": "Changed from → to",
  "act.actions": "Actions",
  "act.revertedAt": "Reverted {date}",
  "act.revertedBadge": "Reverted",
  "act.someoneEdited": "Someone edited this in your store after the app published it. It now reads:",

  // Billing
  "bill.free": "Free",
  "bill.price": "${amount} / month",
  "bill.upgradePlan": "Upgrade plan",
  "bill.compare": "Compare plans",
  "bill.title": "Billing",
  "bill.intro": "Each field of each product costs one credit. Credits renew every month.",
  "bill.yourPlan": "Your plan",
  "bill.monthly": "{count} credits a month",
  "bill.left": "{remaining} of {count} credits left",
  "bill.used": "{pct}% used",
  "bill.meter": "Credits used",
  "bill.reset": "Your credits reset to {count} on {date}.",
  "bill.ends": "Your plan ends on {date}.",
  "bill.plans": "Plans",
  "bill.largest": "You are on our largest plan. Contact us if you need more credits.",
  "bill.current": "Current plan",
  "bill.upgradeTo": "Upgrade to {plan}",
  "bill.openingShopify": "Opening Shopify…",
  "bill.upgrade": "Upgrade",
  "bill.note": "Plans are billed by your store platform; upgrading opens its checkout in this window.",
  "bill.note.wix": "Plans are billed by Wix; upgrading opens Wix checkout in this window.",
  "bill.note.salla": "Plans are billed by Salla: change your plan from the app's page in the Salla App Store.",
  "bill.note.shopify": "Plans are billed by Shopify with your store's bill; upgrading opens Shopify's approval page.",
  "bill.note.woocommerce": "WooCommerce has no billing for apps: write to us to change your plan.",
  "reason.empty": "the suggestion was empty",
  "reason.unchanged": "the suggestion was the same as the current text",
  "reason.tooLong": "the suggestion was longer than the field allows",
  "reason.missing": "the answer left this field out",
  "plan.free": "Free",
  "plan.starter": "Starter",
  "plan.pro": "Pro",
  "plan.scale": "Scale",

  // Settings
  "set.error": "Your settings were not saved. {error}",
  "set.title": "Settings",
  "set.intro": "Defaults for every new job. You can still change them job by job.",
  "set.voice": "Brand voice",
  "set.voicePlaceholder": "e.g. Friendly and expert. Short sentences. We say “crafted”, never “cheap”.",
  "set.voiceHint": "Used in every job so your products sound like your store.",
  "set.language": "Default language",
  "set.fields": "Fields ticked by default",
  "set.saved": "Settings saved.",
  "set.save": "Save settings",
} satisfies Record<string, Entry>;

export type Key = keyof typeof en;

/** Modern Standard Arabic. A credit is «نقطة» (plural «نقاط»); the store's balance is «الرصيد». */
const ar: Record<Key, Entry> = {
  "app.name": "Optimizer",
  "app.yourStore": "متجرك",
  "app.sections": "الأقسام",
  "app.creditsAria": {
    zero: "لم تتبقَّ لديك نقاط في باقة {plan}. افتح صفحة الفوترة.",
    one: "تتبقى لديك نقطة واحدة في باقة {plan}. افتح صفحة الفوترة.",
    two: "تتبقى لديك نقطتان في باقة {plan}. افتح صفحة الفوترة.",
    few: "تتبقى لديك {count} نقاط في باقة {plan}. افتح صفحة الفوترة.",
    many: "تتبقى لديك {count} نقطة في باقة {plan}. افتح صفحة الفوترة.",
    other: "تتبقى لديك {count} نقطة في باقة {plan}. افتح صفحة الفوترة.",
  },
  "app.creditsPill": { few: "{count} نقاط متبقية · {plan}", other: "{count} نقطة متبقية · {plan}" },
  "tab.optimise": "التحسين",
  "tab.queue": "قائمة الانتظار",
  "tab.results": "النتائج",
  "tab.activity": "السجل",
  "tab.billing": "الفوترة",
  "tab.settings": "الإعدادات",

  "field.title": "العنوان",
  "field.description": "الوصف",
  "field.seo_title": "عنوان SEO",
  "field.seo_description": "وصف الميتا",
  "lang.en": "الإنجليزية (English)",
  "lang.ar": "العربية",
  "lang.fr": "الفرنسية (Français)",
  "lang.de": "الألمانية (Deutsch)",
  "lang.es": "الإسبانية (Español)",
  "lang.it": "الإيطالية (Italiano)",
  "lang.pt-BR": "البرتغالية - البرازيل (Português)",
  "lang.nl": "الهولندية (Nederlands)",
  "lang.tr": "التركية (Türkçe)",
  "list.separator": "، ",

  "count.products": {
    zero: "لا منتجات",
    one: "منتج واحد",
    two: "منتجان",
    few: "{count} منتجات",
    many: "{count} منتجًا",
    other: "{count} منتج",
  },
  "count.changes": {
    zero: "لا تغييرات",
    one: "تغيير واحد",
    two: "تغييران",
    few: "{count} تغييرات",
    many: "{count} تغييرًا",
    other: "{count} تغيير",
  },
  "count.characters": {
    zero: "{count} حرف",
    one: "حرف واحد",
    two: "حرفان",
    few: "{count} أحرف",
    many: "{count} حرفًا",
    other: "{count} حرف",
  },

  "error.network": "تعذّر الاتصال بـ Optimizer. تحقّق من اتصالك بالإنترنت وحاول مرة أخرى.",
  "error.session": "انتهت جلستك. أعد فتح التطبيق من لوحة تحكم متجرك للمتابعة.",
  "error.forbidden": "ليست لديك صلاحية الوصول إلى هذا.",
  "error.notFound": "لم نعد نجد هذا العنصر.",
  "error.tooMany": "طلبات كثيرة في وقت واحد. انتظر بضع ثوانٍ ثم حاول مرة أخرى.",
  "error.store": "لم يستجب متجرك. حاول مرة أخرى بعد قليل.",
  "error.server": "حدث خطأ من جهتنا. حاول مرة أخرى بعد قليل.",
  "error.generic": "لم تنجح العملية. حاول مرة أخرى.",
  "error.unknown": "حدث خطأ ما. حاول مرة أخرى.",

  "ui.tryAgain": "حاول مرة أخرى",
  "ui.keepIt": "الإبقاء كما هو",
  "ui.progress": "اكتمل {done} من {total}",
  "ui.empty": "(فارغ)",
  "ui.saving": "جارٍ الحفظ…",
  "ui.untitledProduct": "منتج بلا اسم",
  "ui.valueChanged": "تغيّرت هذه القيمة في متجرك",
  "ui.putBack": "إعادة القيمة السابقة على أي حال",
  "ui.leaveIt": "تركها كما هي",
  "ui.revert": "تراجع",
  "ui.revertFailed": "لم يتم التراجع عن التغيير. {error}",
  "status.PENDING": "في الانتظار",
  "status.RUNNING": "قيد التنفيذ",
  "status.DONE": "مكتملة",
  "status.DONE_WITH_FAILURES": "مكتملة مع بعض الإخفاقات",
  "status.FAILED": "فشلت",
  "status.CANCELED": "ملغاة",

  "opt.loadError": "تعذّر تحميل منتجاتك. {error}",
  "opt.collectionsError": "تعذّر تحميل مجموعاتك. {error}",
  "opt.notStarted": "لم تبدأ المهمة. {error}",
  "opt.title": "تحسين المنتجات",
  "opt.intro": "اختر المنتجات والنصوص التي تريد تحسينها. ستراجع كل تغيير بنفسك قبل نشره في متجرك.",
  "opt.step1": "1. اختر المنتجات",
  "opt.whatToPick": "ما الذي تريد اختياره",
  "opt.scopeProducts": "منتجات",
  "opt.scopeCollections": "مجموعات كاملة",
  "opt.searchLabel": "البحث في المنتجات",
  "opt.searchPlaceholder": "ابحث عن المنتجات بالاسم",
  "opt.search": "بحث",
  "opt.loadingProducts": "جارٍ تحميل منتجاتك…",
  "opt.noMatch": "لا توجد منتجات تطابق «{search}».",
  "opt.noProducts": "لا توجد منتجات في متجرك بعد.",
  "opt.noMatchHint": "جرّب كلمة أخرى، أو امسح البحث.",
  "opt.noProductsHint": "أضف منتجات من لوحة تحكم متجرك، ثم عُد إلى هنا.",
  "opt.selectPage": "تحديد كل المنتجات في هذه الصفحة",
  "opt.colProduct": "المنتج",
  "opt.colSeoTitle": "عنوان SEO الحالي",
  "opt.selectProduct": "تحديد {title}",
  "opt.untitledLower": "منتج بلا اسم",
  "opt.selected": {
    zero: "لم تحدد أي منتج",
    one: "حددت منتجًا واحدًا",
    two: "حددت منتجين",
    few: "حددت {count} منتجات",
    many: "حددت {count} منتجًا",
    other: "حددت {count} منتج",
  },
  "opt.noneSelected": "لم تحدد أي منتج",
  "opt.inStore": "{count} في متجرك",
  "opt.previous": "السابق",
  "opt.next": "التالي",
  "opt.page": "الصفحة {page}",
  "opt.pageOf": "الصفحة {page} من {pages}",
  "opt.loadingCollections": "جارٍ تحميل مجموعاتك…",
  "opt.noCollections": "لا توجد مجموعات في متجرك.",
  "opt.noCollectionsHint": "اختر المنتجات واحدًا تلو الآخر بدلًا من ذلك.",
  "opt.step2": "2. ما الذي تريد تحسينه",
  "opt.fields": "الحقول",
  "opt.upTo": { few: "حتى {count} أحرف", many: "حتى {count} حرفًا", other: "حتى {count} حرف" },
  "opt.language": "لغة النص الجديد",
  "opt.tone": "النبرة وأسلوب العلامة التجارية",
  "opt.tonePlaceholder": "مثال: ودود، واثق، بلا علامات تعجب",
  "opt.instructions": "تعليمات (اختياري)",
  "opt.instructionsPlaceholder": "مثال: اذكر الشحن المجاني للطلبات فوق 200 ريال؛ لا تغيّر أسماء المنتجات",
  "opt.pickProducts": "حدّد المنتجات لمعرفة التكلفة.",
  "opt.pickField": "اختر حقلًا واحدًا على الأقل.",
  "opt.costLine": "{products} × {fields} = {credits}، {left}",
  "opt.costProducts": "عدد المنتجات {count}",
  "opt.costFields": "عدد الحقول {count}",
  "opt.costCredits": {
    zero: "{count} نقطة",
    one: "نقطة واحدة",
    two: "نقطتان",
    few: "{count} نقاط",
    many: "{count} نقطة",
    other: "{count} نقطة",
  },
  "opt.costLeft": "يتبقى {count}",
  "opt.costOnlyLeft": "ولا يتبقى سوى {count}",
  "opt.shortTitle": "رصيد النقاط غير كافٍ.",
  "opt.shortChanged": "تغيّر رصيدك منذ فتح هذه الصفحة: ",
  "opt.shortBody": {
    zero: "تحتاج هذه العملية إلى {count} نقطة ولديك {left} فقط. رقِّ باقتك للحصول على نقاط أكثر، أو اختر منتجات أو حقولًا أقل.",
    one: "تحتاج هذه العملية إلى نقطة واحدة ولديك {left} فقط. رقِّ باقتك للحصول على نقاط أكثر، أو اختر منتجات أو حقولًا أقل.",
    two: "تحتاج هذه العملية إلى نقطتين ولديك {left} فقط. رقِّ باقتك للحصول على نقاط أكثر، أو اختر منتجات أو حقولًا أقل.",
    few: "تحتاج هذه العملية إلى {count} نقاط ولديك {left} فقط. رقِّ باقتك للحصول على نقاط أكثر، أو اختر منتجات أو حقولًا أقل.",
    many: "تحتاج هذه العملية إلى {count} نقطة ولديك {left} فقط. رقِّ باقتك للحصول على نقاط أكثر، أو اختر منتجات أو حقولًا أقل.",
    other: "تحتاج هذه العملية إلى {count} نقطة ولديك {left} فقط. رقِّ باقتك للحصول على نقاط أكثر، أو اختر منتجات أو حقولًا أقل.",
  },
  "opt.starting": "جارٍ البدء…",
  "opt.improveFor": {
    zero: "تحسين مقابل {count} نقطة",
    one: "تحسين مقابل نقطة واحدة",
    two: "تحسين مقابل نقطتين",
    few: "تحسين مقابل {count} نقاط",
    many: "تحسين مقابل {count} نقطة",
    other: "تحسين مقابل {count} نقطة",
  },
  "opt.improve": "تحسين",

  "queue.loadError": "تعذّر تحميل مهامك. {error}",
  "queue.canceled": {
    zero: "أُلغيت المهمة #{id}. لم تُسترد أي نقاط.",
    one: "أُلغيت المهمة #{id}. استُردّت نقطة واحدة إلى رصيدك.",
    two: "أُلغيت المهمة #{id}. استُردّت نقطتان إلى رصيدك.",
    few: "أُلغيت المهمة #{id}. استُردّت {count} نقاط إلى رصيدك.",
    many: "أُلغيت المهمة #{id}. استُردّت {count} نقطة إلى رصيدك.",
    other: "أُلغيت المهمة #{id}. استُردّت {count} نقطة إلى رصيدك.",
  },
  "queue.cancelError": "تعذّر إلغاء المهمة. {error}",
  "queue.title": "قائمة الانتظار",
  "queue.intro": "المهام الجاري تنفيذها الآن. تتحدّث هذه الصفحة تلقائيًا كل بضع ثوانٍ.",
  "queue.newJob": "مهمة جديدة",
  "queue.loading": "جارٍ تحميل مهامك…",
  "queue.empty": "لا يجري تحسين أي شيء الآن.",
  "queue.emptyHint": "ابدأ مهمة من {optimise}، وستجد المهام المكتملة في {results}.",
  "queue.jobAria": "المهمة {id}",
  "queue.job": "المهمة #{id}",
  "queue.started": "بدأت {date}",
  "queue.cancelJob": "إلغاء المهمة",
  "queue.done": "مكتملة: {count}",
  "queue.failed": "فشلت: {count}",
  "queue.waiting": "في الانتظار: {count}",
  "queue.recent": "انتهت مؤخرًا",
  "queue.improvedOf": "تم تحسين {done} من {total}",
  "queue.review": "مراجعة النتائج",
  "queue.confirmTitle": "إلغاء المهمة #{id}؟",
  "queue.confirmOk": "إلغاء المهمة واسترداد النقاط",
  "queue.keepRunning": "متابعة التنفيذ",
  "queue.confirmStop": "سيتوقف تنفيذ التغييرات المتبقية ({changes})، وستعود {credits} إلى رصيدك.",
  "queue.confirmCredits": {
    zero: "{count} نقطة",
    one: "نقطة واحدة",
    two: "نقطتان",
    few: "{count} نقاط",
    many: "{count} نقطة",
    other: "{count} نقطة",
  },
  "queue.confirmDone": "تبقى التغييرات المنجزة ({changes}) في «النتائج» لتراجعها، ولا تُسترد نقاطها.",

  "outcome.published": "نُشر في متجرك",
  "outcome.already_published": "كان منشورًا من قبل",
  "outcome.in_progress": "جارٍ النشر، تحقّق مرة أخرى بعد قليل",
  "outcome.not_ready": "غير جاهز للنشر",
  "outcome.not_found": "لم يعد موجودًا",
  "outcome.error": "تعذّر النشر",
  "res.historyError": "تعذّر تحميل سجل المهام. {error}",
  "res.title": "النتائج",
  "res.intro": "قارن بين النص قبل التحسين وبعده، وعدّل ما تريد، ثم انشره في متجرك.",
  "res.loadingHistory": "جارٍ تحميل سجل المهام…",
  "res.empty": "لا توجد نتائج بعد.",
  "res.emptyHint": "تظهر النصوص المحسّنة هنا بعد تنفيذ أي مهمة. {start}.",
  "res.startFirst": "ابدأ أول مهمة",
  "res.history": "سجل المهام",
  "res.loadError": "تعذّر تحميل هذه المهمة. {error}",
  "res.publishedPart": "التغييرات المنشورة: {count}",
  "res.notPublishedPart": "التغييرات غير المنشورة: {count}",
  "res.publishMixed": "{published}؛ {notPublished}. راجع كل صف لمعرفة السبب.",
  "res.publishedAll": {
    zero: "لم يُنشر أي تغيير في متجرك.",
    one: "نُشر تغيير واحد في متجرك.",
    two: "نُشر تغييران في متجرك.",
    few: "نُشرت {count} تغييرات في متجرك.",
    many: "نُشر {count} تغييرًا في متجرك.",
    other: "نُشر {count} تغيير في متجرك.",
  },
  "res.nothingPublished": "لم يُنشر أي شيء. {error}",
  "res.reverted": "أُعيد {field} إلى قيمته السابقة في متجرك.",
  "res.loading": "جارٍ تحميل النتائج…",
  "res.creditsUsed": "النقاط المستخدمة: {count}",
  "res.progress": "اكتمل {done} من {total} — تظهر النتائج أدناه فور وصولها.",
  "res.selectAll": "تحديد كل التغييرات الجاهزة ({count})",
  "res.publishSelected": "نشر المحدد ({count})",
  "res.publishing": "جارٍ النشر…",
  "res.publishAll": "نشر الكل",
  "res.noChanges": "لا توجد تغييرات لعرضها في هذه المهمة.",
  "res.someoneEdited": "عدّل أحدهم {field} في متجرك بعد نشره. أصبح الآن:",
  "res.revertExplain": "التراجع يستبدل ذلك بالقيمة التي كانت قبل أن يغيّرها التطبيق.",
  "res.searchEngines": {
    few: "تعرض محركات البحث نحو {count} أحرف",
    many: "تعرض محركات البحث نحو {count} حرفًا",
    other: "تعرض محركات البحث نحو {count} حرف",
  },
  "res.tooLong": " — أطول من اللازم",
  "res.couldNotImprove": "تعذّر التحسين",
  "res.canceled": "ملغى",
  "res.working": "جارٍ العمل عليه…",
  "res.published": "منشور",
  "res.edited": "عدّلته بنفسك",
  "res.ready": "جاهز للنشر",
  "res.selectField": "تحديد {field} لهذا المنتج",
  "res.edit": "تعديل",
  "res.failedWhy": "تعذّر تحسين هذا الحقل: {error}.",
  "res.failed": "تعذّر تحسين هذا الحقل.",
  "res.refunded": "وقد استُردّت نقطته إلى رصيدك.",
  "res.before": "قبل",
  "res.after": "بعد",
  "res.emptyValue": "فارغ",
  "res.newValue": "{field} الجديد",
  "res.cancel": "إلغاء",
  "res.save": "حفظ",
  "res.notReady": "لم يجهز بعد",
  "res.preview": "المعاينة وHTML",
  "res.shoppersSee": "كما يراه المتسوقون",
  "res.html": "HTML",

  "act.loadError": "تعذّر تحميل السجل. {error}",
  "act.reverted": "أُعيد {field} إلى قيمته السابقة في متجرك.",
  "act.title": "السجل",
  "act.intro": "كل تغيير كتبه التطبيق في متجرك. زر «تراجع» يعيد القيمة السابقة.",
  "act.loading": "جارٍ تحميل السجل…",
  "act.empty": "لم يُنشر أي شيء بعد.",
  "act.emptyHint": "انشر النصوص المحسّنة من {results} وستظهر هنا.",
  "act.when": "الوقت",
  "act.product": "المنتج",
  "act.field": "الحقل",
  "act.change": "التغيير من ← إلى",
  "act.actions": "الإجراءات",
  "act.revertedAt": "تم التراجع {date}",
  "act.revertedBadge": "تم التراجع",
  "act.someoneEdited": "عدّل أحدهم هذه القيمة في متجرك بعد أن نشرها التطبيق. أصبحت الآن:",

  "bill.free": "مجانية",
  "bill.price": "${amount} شهريًا",
  "bill.upgradePlan": "ترقية الباقة",
  "bill.compare": "مقارنة الباقات",
  "bill.title": "الفوترة",
  "bill.intro": "كل حقل في كل منتج يكلّف نقطة واحدة. تتجدد النقاط كل شهر.",
  "bill.yourPlan": "باقتك",
  "bill.monthly": {
    zero: "{count} نقطة شهريًا",
    one: "نقطة واحدة شهريًا",
    two: "نقطتان شهريًا",
    few: "{count} نقاط شهريًا",
    many: "{count} نقطة شهريًا",
    other: "{count} نقطة شهريًا",
  },
  "bill.left": { few: "يتبقى {remaining} من {count} نقاط", other: "يتبقى {remaining} من {count} نقطة" },
  "bill.used": "استُخدم {pct}%",
  "bill.meter": "النقاط المستخدمة",
  "bill.reset": { few: "يعود رصيدك إلى {count} نقاط في {date}.", other: "يعود رصيدك إلى {count} نقطة في {date}." },
  "bill.ends": "تنتهي باقتك في {date}.",
  "bill.plans": "الباقات",
  "bill.largest": "أنت على أكبر باقاتنا. تواصل معنا إذا احتجت إلى نقاط أكثر.",
  "bill.current": "الباقة الحالية",
  "bill.upgradeTo": "الترقية إلى {plan}",
  "bill.openingShopify": "جارٍ فتح Shopify…",
  "bill.upgrade": "ترقية",
  "bill.note": "تُدفع الباقات عبر منصة متجرك، وتفتح الترقية صفحة الدفع الخاصة بها في هذه النافذة.",
  "bill.note.wix": "تُدفع الباقات عبر Wix، وتفتح الترقية صفحة الدفع في Wix في هذه النافذة.",
  "bill.note.salla": "تُدفع الباقات عبر سلة: غيّر باقتك من صفحة التطبيق في متجر تطبيقات سلة.",
  "bill.note.shopify": "تُدفع الباقات عبر Shopify ضمن فاتورة متجرك، وتفتح الترقية صفحة الموافقة في Shopify.",
  "bill.note.woocommerce": "لا توفر WooCommerce فوترة للتطبيقات: راسلنا لتغيير باقتك.",
  "reason.empty": "كان الاقتراح فارغًا",
  "reason.unchanged": "كان الاقتراح مطابقًا للنص الحالي",
  "reason.tooLong": "كان الاقتراح أطول مما يسمح به الحقل",
  "reason.missing": "أغفلت الإجابة هذا الحقل",
  "plan.free": "المجانية",
  "plan.starter": "المبتدئة",
  "plan.pro": "الاحترافية",
  "plan.scale": "الموسّعة",

  "set.error": "لم تُحفظ إعداداتك. {error}",
  "set.title": "الإعدادات",
  "set.intro": "القيم الافتراضية لكل مهمة جديدة، ويمكنك تغييرها في كل مهمة على حدة.",
  "set.voice": "أسلوب العلامة التجارية",
  "set.voicePlaceholder": "مثال: ودود وخبير. جمل قصيرة. نقول «مصنوع بإتقان» ولا نقول «رخيص».",
  "set.voiceHint": "يُستخدم في كل مهمة لتبدو منتجاتك بأسلوب متجرك.",
  "set.language": "اللغة الافتراضية",
  "set.fields": "الحقول المحددة افتراضيًا",
  "set.saved": "تم حفظ الإعدادات.",
  "set.save": "حفظ الإعدادات",
};

const DICTIONARIES: Record<Lang, Record<Key, Entry>> = { en, ar };
const RULES: Record<Lang, Intl.PluralRules> = { en: new Intl.PluralRules("en"), ar: new Intl.PluralRules("ar") };
const NUMBER = new Intl.NumberFormat("en-US");

let current: Lang = "en";

/**
 * Arabic when the admin's locale is Arabic or the store writes in Arabic by default; otherwise English.
 */
export function uiLanguage(locale: string | null | undefined, defaultLanguage: string | null | undefined): Lang {
  const arabic = (code: string | null | undefined) => !!code && /^ar([-_]|$)/i.test(code);
  return arabic(locale) || arabic(defaultLanguage) ? "ar" : "en";
}

export function setLanguage(lang: Lang): void {
  current = lang;
}

export function language(): Lang {
  return current;
}

/** The plural category of `n` in the current language. */
export function pluralCategory(n: number): Intl.LDMLPluralRule {
  return RULES[current].select(n);
}

function pick(key: Key, count: unknown): string {
  const entry = DICTIONARIES[current][key] ?? en[key];
  if (typeof entry === "string") return entry;
  const category = typeof count === "number" ? pluralCategory(count) : "other";
  return entry[category] ?? entry.other;
}

function show(value: string | number): string {
  return typeof value === "number" ? NUMBER.format(value) : value;
}

/** The sentence for `key`; `{name}` takes `vars.name` (numbers with Western digits), `vars.count` picks the plural form. */
export function t(key: Key, vars: Vars = {}): string {
  return pick(key, vars.count).replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? show(vars[name]) : whole,
  );
}

/** Like `t`, with placeholders that may be React elements; `count` picks the plural form. */
export function rich(key: Key, vars: Record<string, ReactNode>, count?: number): ReactNode[] {
  const template = pick(key, count ?? vars.count);
  return template.split(/(\{\w+\})/).map((part, i) => {
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    const value = name !== undefined && name in vars ? vars[name] : part;
    return createElement(Fragment, { key: i }, typeof value === "number" ? show(value) : value);
  });
}

/** A field name inside an English sentence is lower case ("New title"); Arabic has no case. */
export function inSentence(label: string): string {
  return current === "en" ? label.toLowerCase() : label;
}

/** Dates in the UI language, with Western digits. */
export function dateLocale(english: string): string {
  return current === "ar" ? "ar-u-nu-latn" : english;
}

/** A plan's name in the UI language (the server sends English names). */
export function planName(plan: { id: string; name: string }): string {
  const key = `plan.${plan.id}` as Key;
  return key in en ? t(key) : plan.name;
}

/** The note under the plans: how this platform bills. */
export function billingNote(platform: string): string {
  const key = `bill.note.${platform}` as Key;
  return key in en ? t(key) : t("bill.note");
}

const REASONS: Key[] = ["reason.empty", "reason.unchanged", "reason.tooLong", "reason.missing"];

/** Why an item failed, in the UI language when it is one of the reasons the server words itself. */
export function failureReason(serverText: string): string {
  const key = REASONS.find((k) => en[k] === serverText);
  return key ? t(key) : serverText;
}
