// Texts of the photo publication (photos/publish.js): the buttons on a case's image
// attachments, in five languages; sr-Latn is the exact transliteration of sr-Cyrl.
export default {
  "en": {
    "photo.publish": "Publish photo",
    "photo.withdraw": "Withdraw",
    "photo.published": "Published",
    "photo.done.published": "The photo {name} is published, without its metadata.",
    "photo.done.withdrawn": "The photo {name} is withdrawn from public view.",
    "photo.taken_at": "Taken at {lat}, {lon}",
    "photo.publishing": "Publishing…",
  },
  "sr-Cyrl": {
    "photo.publish": "Објави фотографију",
    "photo.withdraw": "Повуци из јавности",
    "photo.published": "Објављена",
    "photo.done.published": "Фотографија {name} је објављена, без метаподатака.",
    "photo.done.withdrawn": "Фотографија {name} је повучена из јавности.",
    "photo.taken_at": "Снимљена на {lat}, {lon}",
    "photo.publishing": "Објављивање…",
  },
  "sr-Latn": {
    "photo.publish": "Objavi fotografiju",
    "photo.withdraw": "Povuci iz javnosti",
    "photo.published": "Objavljena",
    "photo.done.published": "Fotografija {name} je objavljena, bez metapodataka.",
    "photo.done.withdrawn": "Fotografija {name} je povučena iz javnosti.",
    "photo.taken_at": "Snimljena na {lat}, {lon}",
    "photo.publishing": "Objavljivanje…",
  },
  "bg": {
    "photo.publish": "Публикувай снимката",
    "photo.withdraw": "Оттегли от публичност",
    "photo.published": "Публикувана",
    "photo.done.published": "Снимката {name} е публикувана, без метаданни.",
    "photo.done.withdrawn": "Снимката {name} е оттеглена от публичност.",
    "photo.taken_at": "Направена на {lat}, {lon}",
    "photo.publishing": "Публикуване…",
  },
  "cs": {
    "photo.publish": "Zveřejnit fotografii",
    "photo.withdraw": "Stáhnout ze zveřejnění",
    "photo.published": "Zveřejněno",
    "photo.done.published": "Fotografie {name} je zveřejněna, bez metadat.",
    "photo.done.withdrawn": "Fotografie {name} je stažena ze zveřejnění.",
    "photo.taken_at": "Pořízeno na {lat}, {lon}",
    "photo.publishing": "Zveřejňování…",
  },
};
