/** Official two-digit codes of Morocco's twelve regions (2015 division). */
export const REGION_CODES = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"] as const;
export type RegionCode = (typeof REGION_CODES)[number];

// The 2015 territorial division (12 regions, 75 prefectures and provinces). Populations and urban
// shares are approximate 2024 census figures, used only to weight the synthetic demo data.

export interface Province {
  name: string;
  nameAr: string;
  communes: readonly string[];
}

export interface Region {
  code: RegionCode;
  name: string;
  nameAr: string;
  population2024: number;
  urbanShare: number;
  provinces: readonly Province[];
}

const p = (name: string, nameAr: string, ...communes: string[]): Province => ({ name, nameAr, communes });

export const REGIONS: readonly Region[] = [
  {
    code: "01",
    name: "Tanger-Tétouan-Al Hoceïma",
    nameAr: "طنجة تطوان الحسيمة",
    population2024: 4_030_000,
    urbanShare: 0.64,
    provinces: [
      p("Tanger-Assilah", "طنجة أصيلة", "Tanger", "Assilah", "Gueznaia"),
      p("M'diq-Fnideq", "المضيق الفنيدق", "M'diq", "Fnideq", "Alliyine"),
      p("Tétouan", "تطوان", "Tétouan", "Martil", "Azla"),
      p("Fahs-Anjra", "الفحص أنجرة", "Ksar Sghir", "Anjra"),
      p("Larache", "العرائش", "Larache", "Ksar El Kébir", "Ayacha"),
      p("Al Hoceïma", "الحسيمة", "Al Hoceïma", "Imzouren", "Beni Bouayach"),
      p("Chefchaouen", "شفشاون", "Chefchaouen", "Bab Taza", "Tanaqob"),
      p("Ouezzane", "وزان", "Ouezzane", "Mokrisset", "Zoumi"),
    ],
  },
  {
    code: "02",
    name: "L'Oriental",
    nameAr: "الشرق",
    population2024: 2_290_000,
    urbanShare: 0.69,
    provinces: [
      p("Oujda-Angad", "وجدة أنجاد", "Oujda", "Bni Drar", "Isly"),
      p("Nador", "الناظور", "Nador", "Zeghanghane", "Selouane"),
      p("Driouch", "الدريوش", "Driouch", "Midar", "Ben Taieb"),
      p("Jerada", "جرادة", "Jerada", "Aïn Bni Mathar"),
      p("Berkane", "بركان", "Berkane", "Saïdia", "Ahfir"),
      p("Taourirt", "تاوريرت", "Taourirt", "El Aioun Sidi Mellouk", "Debdou"),
      p("Guercif", "جرسيف", "Guercif", "Lamrija"),
      p("Figuig", "فجيج", "Bouarfa", "Figuig", "Bni Tadjite"),
    ],
  },
  {
    code: "03",
    name: "Fès-Meknès",
    nameAr: "فاس مكناس",
    population2024: 4_470_000,
    urbanShare: 0.64,
    provinces: [
      p("Fès", "فاس", "Fès", "Agdal", "Saïss"),
      p("Meknès", "مكناس", "Meknès", "Toulal", "Ouislane"),
      p("El Hajeb", "الحاجب", "El Hajeb", "Aïn Taoujdate", "Agourai"),
      p("Ifrane", "إفران", "Ifrane", "Azrou", "Tigrigra"),
      p("Moulay Yacoub", "مولاي يعقوب", "Moulay Yacoub", "Aïn Chkef"),
      p("Sefrou", "صفرو", "Sefrou", "El Menzel", "Bhalil"),
      p("Boulemane", "بولمان", "Missour", "Outat El Haj", "Boulemane"),
      p("Taounate", "تاونات", "Taounate", "Tissa", "Ghafsai"),
      p("Taza", "تازة", "Taza", "Tahla", "Oued Amlil"),
    ],
  },
  {
    code: "04",
    name: "Rabat-Salé-Kénitra",
    nameAr: "الرباط سلا القنيطرة",
    population2024: 5_130_000,
    urbanShare: 0.73,
    provinces: [
      p("Rabat", "الرباط", "Agdal-Riyad", "Hassan", "Yacoub El Mansour"),
      p("Salé", "سلا", "Salé", "Sidi Bouknadel", "Ameur"),
      p("Skhirate-Témara", "الصخيرات تمارة", "Témara", "Skhirate", "Aïn Attig"),
      p("Kénitra", "القنيطرة", "Kénitra", "Mehdia", "Sidi Yahya El Gharb"),
      p("Khémisset", "الخميسات", "Khémisset", "Tiflet", "Rommani"),
      p("Sidi Kacem", "سيدي قاسم", "Sidi Kacem", "Jorf El Melha", "Mechraa Bel Ksiri"),
      p("Sidi Slimane", "سيدي سليمان", "Sidi Slimane", "Dar Bel Amri"),
    ],
  },
  {
    code: "05",
    name: "Béni Mellal-Khénifra",
    nameAr: "بني ملال خنيفرة",
    population2024: 2_530_000,
    urbanShare: 0.52,
    provinces: [
      p("Béni Mellal", "بني ملال", "Béni Mellal", "Kasba Tadla", "Foum Oudi"),
      p("Azilal", "أزيلال", "Azilal", "Demnate", "Ait Mazigh"),
      p("Fquih Ben Salah", "الفقيه بن صالح", "Fquih Ben Salah", "Souk Sebt Oulad Nemma", "Bni Oukil"),
      p("Khénifra", "خنيفرة", "Khénifra", "Mrirt", "Aguelmous"),
      p("Khouribga", "خريبكة", "Khouribga", "Oued Zem", "Boujniba"),
    ],
  },
  {
    code: "06",
    name: "Casablanca-Settat",
    nameAr: "الدار البيضاء سطات",
    population2024: 7_690_000,
    urbanShare: 0.77,
    provinces: [
      p("Casablanca", "الدار البيضاء", "Anfa", "Sidi Belyout", "Hay Hassani", "Sidi Moumen"),
      p("Mohammédia", "المحمدية", "Mohammédia", "Ben Yakhlef", "Sidi Moussa Majdoub"),
      p("El Jadida", "الجديدة", "El Jadida", "Azemmour", "Moulay Abdallah"),
      p("Nouaceur", "النواصر", "Dar Bouazza", "Bouskoura", "Nouaceur"),
      p("Médiouna", "مديونة", "Médiouna", "Tit Mellil", "Lahraouyine"),
      p("Benslimane", "ابن سليمان", "Benslimane", "Bouznika", "Mellila"),
      p("Berrechid", "برشيد", "Berrechid", "Had Soualem", "Sidi Rahal Chatai"),
      p("Settat", "سطات", "Settat", "Ben Ahmed", "El Borouj"),
      p("Sidi Bennour", "سيدي بنور", "Sidi Bennour", "Zemamra", "Oulad Amrane"),
    ],
  },
  {
    code: "07",
    name: "Marrakech-Safi",
    nameAr: "مراكش آسفي",
    population2024: 4_890_000,
    urbanShare: 0.47,
    provinces: [
      p("Marrakech", "مراكش", "Marrakech", "Méchouar Kasba", "Saâda"),
      p("Chichaoua", "شيشاوة", "Chichaoua", "Imintanoute", "Sidi Mokhtar"),
      p("Al Haouz", "الحوز", "Tahannaout", "Amizmiz", "Aït Ourir"),
      p("El Kelâa des Sraghna", "قلعة السراغنة", "El Kelâa des Sraghna", "Tamallalt", "Laattaouia"),
      p("Essaouira", "الصويرة", "Essaouira", "Tamanar", "Had Dra"),
      p("Rehamna", "الرحامنة", "Ben Guerir", "Sidi Bou Othmane", "Skhour Rhamna"),
      p("Safi", "آسفي", "Safi", "Jamaat Shaim", "Sebt Gzoula"),
      p("Youssoufia", "اليوسفية", "Youssoufia", "Chemaia", "Ighoud"),
    ],
  },
  {
    code: "08",
    name: "Drâa-Tafilalet",
    nameAr: "درعة تافيلالت",
    population2024: 1_660_000,
    urbanShare: 0.38,
    provinces: [
      p("Errachidia", "الرشيدية", "Errachidia", "Erfoud", "Rissani"),
      p("Ouarzazate", "ورزازات", "Ouarzazate", "Tarmigt", "Skoura"),
      p("Midelt", "ميدلت", "Midelt", "Rich", "Boumia"),
      p("Tinghir", "تنغير", "Tinghir", "Kelaat M'Gouna", "Boumalne Dadès"),
      p("Zagora", "زاكورة", "Zagora", "Agdz", "Tamegroute"),
    ],
  },
  {
    code: "09",
    name: "Souss-Massa",
    nameAr: "سوس ماسة",
    population2024: 3_020_000,
    urbanShare: 0.6,
    provinces: [
      p("Agadir Ida-Outanane", "أكادير إداوتنان", "Agadir", "Drarga", "Tamri"),
      p("Inezgane-Aït Melloul", "إنزكان أيت ملول", "Inezgane", "Aït Melloul", "Dcheira El Jihadia"),
      p("Chtouka-Aït Baha", "اشتوكة أيت باها", "Biougra", "Aït Baha", "Belfaa"),
      p("Taroudant", "تارودانت", "Taroudant", "Oulad Teima", "Igherm"),
      p("Tiznit", "تيزنيت", "Tiznit", "Mirleft", "Tafraout"),
      p("Tata", "طاطا", "Tata", "Akka", "Foum Zguid"),
    ],
  },
  {
    code: "10",
    name: "Guelmim-Oued Noun",
    nameAr: "كلميم واد نون",
    population2024: 450_000,
    urbanShare: 0.69,
    provinces: [
      p("Guelmim", "كلميم", "Guelmim", "Bouizakarne", "Taghjijt"),
      p("Assa-Zag", "أسا الزاك", "Assa", "Zag"),
      p("Tan-Tan", "طانطان", "Tan-Tan", "El Ouatia"),
      p("Sidi Ifni", "سيدي إفني", "Sidi Ifni", "Lakhsas", "Mesti"),
    ],
  },
  {
    code: "11",
    name: "Laâyoune-Sakia El Hamra",
    nameAr: "العيون الساقية الحمراء",
    population2024: 450_000,
    urbanShare: 0.95,
    provinces: [
      p("Laâyoune", "العيون", "Laâyoune", "El Marsa", "Foum El Oued"),
      p("Boujdour", "بوجدور", "Boujdour", "Jraifia"),
      p("Tarfaya", "طرفاية", "Tarfaya", "Tah"),
      p("Es-Semara", "السمارة", "Es-Semara", "Amgala"),
    ],
  },
  {
    code: "12",
    name: "Dakhla-Oued Ed-Dahab",
    nameAr: "الداخلة وادي الذهب",
    population2024: 220_000,
    urbanShare: 0.78,
    provinces: [
      p("Oued Ed-Dahab", "وادي الذهب", "Dakhla", "El Argoub", "Bir Anzarane"),
      p("Aousserd", "أوسرد", "Aousserd", "Bir Gandouz"),
    ],
  },
];

function fold(value: string): string {
  return value
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "");
}

const byCode = new Map(REGIONS.map((region) => [region.code as string, region]));

export function regionByCode(code: string): Region | undefined {
  return byCode.get(code);
}

/** The province of a region whose name matches, ignoring case, accents and punctuation. */
export function provinceOf(regionCode: string, provinceName: string): Province | undefined {
  const wanted = fold(provinceName);
  return regionByCode(regionCode)?.provinces.find((province) => fold(province.name) === wanted);
}
