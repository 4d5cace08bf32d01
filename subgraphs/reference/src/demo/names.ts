// Common Moroccan given and family names (French transliteration as on identity cards, and Arabic
// script), and a few nationalities common among foreign residents. For synthetic demo data only.

export interface NamePair {
  latin: string;
  arabic: string;
}

const pairs = (text: string): NamePair[] =>
  text
    .trim()
    .split("\n")
    .map((line) => {
      const [latin = "", arabic = ""] = line.split("|").map((part) => part.trim());
      return { latin, arabic };
    });

export const MALE_FIRST_NAMES: readonly NamePair[] = pairs(`
Mohamed|محمد
Ahmed|أحمد
Youssef|يوسف
Omar|عمر
Hassan|حسن
Hamza|حمزة
Mustapha|مصطفى
Abdellah|عبد الله
Rachid|رشيد
Said|سعيد
Karim|كريم
Khalid|خالد
Driss|إدريس
Brahim|إبراهيم
Abdelkader|عبد القادر
Mehdi|مهدي
Anas|أنس
Ayoub|أيوب
Ilyas|إلياس
Adam|آدم
Yassine|ياسين
Othmane|عثمان
Amine|أمين
Reda|رضا
Nabil|نبيل
Hicham|هشام
Jamal|جمال
Aziz|عزيز
Abderrahim|عبد الرحيم
Abdelaziz|عبد العزيز
Lahcen|لحسن
Larbi|العربي
Mohcine|محسن
Zakaria|زكرياء
Soufiane|سفيان
Bilal|بلال
Ismail|إسماعيل
Tarik|طارق
Noureddine|نور الدين
Abdelhak|عبد الحق
`);

export const FEMALE_FIRST_NAMES: readonly NamePair[] = pairs(`
Fatima|فاطمة
Khadija|خديجة
Aicha|عائشة
Meryem|مريم
Zineb|زينب
Salma|سلمى
Hajar|هاجر
Imane|إيمان
Nadia|نادية
Naima|نعيمة
Latifa|لطيفة
Rachida|رشيدة
Samira|سميرة
Souad|سعاد
Amina|أمينة
Houda|هدى
Hanane|حنان
Asmae|أسماء
Sanaa|سناء
Ghita|غيثة
Yasmine|ياسمين
Malak|ملاك
Rim|ريم
Nour|نور
Aya|آية
Kenza|كنزة
Hiba|هبة
Wiam|وئام
Chaimae|شيماء
Oumaima|أميمة
Btissam|ابتسام
Karima|كريمة
Saida|سعيدة
Mina|مينة
Zahra|زهرة
Touria|ثريا
Loubna|لبنى
Widad|وداد
Ikram|إكرام
Sara|سارة
`);

export const LAST_NAMES: readonly NamePair[] = pairs(`
Alaoui|العلوي
Bennani|بناني
El Idrissi|الإدريسي
Tazi|التازي
Benjelloun|بنجلون
Berrada|برادة
Fassi Fihri|الفاسي الفهري
Chraibi|الشرايبي
Lahlou|لحلو
Sqalli|السقلي
El Amrani|العمراني
Benkirane|بنكيران
Cherkaoui|الشرقاوي
Ouazzani|الوزاني
Kettani|الكتاني
Bouzidi|البوزيدي
El Mansouri|المنصوري
Naciri|الناصري
Hajji|الحجي
Ziani|الزياني
Filali|الفيلالي
Sebti|السبتي
Slaoui|السلاوي
Zerouali|الزروالي
Bouazza|بوعزة
Aït Lahcen|آيت لحسن
Aït Ali|آيت علي
Amazigh|أمازيغ
Ouahbi|الوهبي
Haddaoui|الحداوي
Rifi|الريفي
Soussi|السوسي
Marrakchi|المراكشي
Benali|بنعلي
Benmoussa|بنموسى
Bensaid|بنسعيد
Belkadi|بلقاضي
Belhaj|بلحاج
Boukhari|البخاري
El Kabbaj|القباج
Jabri|الجابري
Karimi|الكريمي
Lamrani|اللمراني
Mernissi|المرنيسي
Moussaoui|الموساوي
Nejjar|النجار
Ouali|الوالي
Rahmouni|الرحموني
Saadi|السعدي
Tahiri|الطاهري
Touimi|التويمي
Yacoubi|اليعقوبي
Zemmouri|الزموري
El Fassi|الفاسي
Drissi|الدريسي
Hassani|الحسني
Hilali|الهلالي
Jaouhari|الجوهري
Kadiri|القادري
Mouline|مولين
`);

export const FOREIGN_RESIDENTS: readonly {
  nationality: string;
  first: readonly NamePair[];
  last: readonly NamePair[];
}[] = [
  {
    nationality: "SEN",
    first: pairs("Mamadou|مامادو\nAminata|أميناتا\nCheikh|الشيخ\nFatou|فاتو\nIbrahima|إبراهيما\nAwa|آوا"),
    last: pairs("Diop|ديوب\nNdiaye|انجاي\nFall|فال\nSow|سو\nDiallo|ديالو\nGueye|غاي"),
  },
  {
    nationality: "CIV",
    first: pairs("Kouassi|كواسي\nAya|آيا\nYao|ياو\nAdjoua|أدجوا\nKonan|كونان\nAffoue|أفوي"),
    last: pairs("Kouamé|كوامي\nKoné|كوني\nTraoré|تراوري\nOuattara|واتارا\nBamba|بامبا\nYao|ياو"),
  },
  {
    nationality: "FRA",
    first: pairs("Pierre|بيير\nMarie|ماري\nJulien|جوليان\nCamille|كاميل\nNicolas|نيكولا\nSophie|صوفي"),
    last: pairs("Martin|مارتان\nBernard|برنار\nDubois|دوبوا\nThomas|توماس\nRobert|روبير\nPetit|بوتي"),
  },
  {
    nationality: "ESP",
    first: pairs("Javier|خافيير\nLucía|لوسيا\nCarlos|كارلوس\nMaría|ماريا\nPablo|بابلو\nElena|إيلينا"),
    last: pairs("García|غارسيا\nFernández|فرنانديز\nLópez|لوبيز\nMartínez|مارتينيز\nSánchez|سانشيز\nRuiz|رويث"),
  },
  {
    nationality: "SYR",
    first: pairs("Omar|عمر\nRana|رنا\nBassel|باسل\nLina|لينا\nFadi|فادي\nHala|هالة"),
    last: pairs("Al Halabi|الحلبي\nAl Hamwi|الحموي\nKhatib|الخطيب\nHaddad|حداد\nNassar|نصار\nSaleh|صالح"),
  },
];
