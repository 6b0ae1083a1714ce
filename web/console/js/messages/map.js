// Texts of the maps (js/map.js).
export default {
  en: {
    'map.loading': 'Loading the map…',
    'map.unavailable': 'The map cannot be shown. Use the address and the coordinates instead.',
    'map.plain': 'No map tiles can be loaded: the map shows only the municipality’s boundary and areas.',
  },
  'sr-Latn': {
    'map.loading': 'Mapa se učitava…',
    'map.unavailable': 'Mapa ne može da se prikaže. Koristite adresu i koordinate.',
    'map.plain': 'Podloga mape ne može da se učita: mapa prikazuje samo granicu opštine i područja.',
  },
  'sr-Cyrl': {
    'map.loading': 'Мапа се учитава…',
    'map.unavailable': 'Мапа не може да се прикаже. Користите адресу и координате.',
    'map.plain': 'Подлога мапе не може да се учита: мапа приказује само границу општине и подручја.',
  },
  bg: {
    'map.loading': 'Картата се зарежда…',
    'map.unavailable': 'Картата не може да се покаже. Използвайте адреса и координатите.',
    'map.plain': 'Подложката на картата не може да се зареди: картата показва само границата на общината и районите.',
  },
  cs: {
    'map.loading': 'Mapa se načítá…',
    'map.unavailable': 'Mapu nelze zobrazit. Použijte adresu a souřadnice.',
    'map.plain': 'Mapové podklady nelze načíst: mapa ukazuje jen hranici obce a oblasti.',
  },
};
