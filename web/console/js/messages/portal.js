// Texts of what the portal adds to a case (issue 16): the service page a report came from
// through its "Report a problem" button, in five languages.
export default {
  en: {
    "portal.source_page": "Reported from page",
    "portal.source_page.title": "The service page whose “Report a problem” button the citizen used",
  },
  "sr-Cyrl": {
    "portal.source_page": "Пријављено са странице",
    "portal.source_page.title": "Страница услуге чије је дугме „Пријавите проблем“ грађанин употребио",
  },
  "sr-Latn": {
    "portal.source_page": "Prijavljeno sa stranice",
    "portal.source_page.title": "Stranica usluge čije je dugme „Prijavite problem“ građanin upotrebio",
  },
  bg: {
    "portal.source_page": "Подаден от страница",
    "portal.source_page.title": "Страницата на услугата, чийто бутон „Подайте сигнал“ е използван",
  },
  cs: {
    "portal.source_page": "Nahlášeno ze stránky",
    "portal.source_page.title": "Stránka služby, jejíž tlačítko „Nahlásit problém“ občan použil",
  },
};
