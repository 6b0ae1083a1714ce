// api.html: the API's OpenAPI 3.x document (GET /v1/openapi.json) as a readable page.
//
// `?spec=<address on this site>` shows another document (tests, drafts). Everything that comes
// from the document goes into the page as text (h(), textContent): its Markdown-ish descriptions
// become paragraphs, lists and code by building elements here, never by parsing HTML. The page's
// own texts (its "chrome") are in DOC_STRINGS below, in the portal's five languages; texts from
// i18n.js (skip link, menu, language label, footer, "Try again") are reused from there.

import { LANGUAGES, STORAGE_KEY, t as portalText, normalizeLanguage, pickInitialLanguage } from './i18n.js';
import { h } from './dom.js';
import { renderLayout } from './layout.js';
import { announce } from './page.js';

const DEFAULT_SPEC = '/v1/openapi.json';
const TIMEOUT_MS = 30000;
const MAX_DEPTH = 12; // nesting shown in a schema tree; deeper levels get a note
const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options', 'trace'];
const PARAM_ORDER = ['path', 'query', 'header', 'cookie'];
// Keywords that may stand beside a $ref (OpenAPI 3.1) and then win over the referenced schema's.
const REF_SIBLINGS = ['description', 'title', 'summary', 'default', 'example', 'examples', 'deprecated',
  'readOnly', 'writeOnly'];

// Serbian Latin is the letter-by-letter transliteration of Serbian Cyrillic (checked by
// tests/e2e/test_api_docs_browser.py, as i18n.js is by test_web_browser.py).
export const DOC_STRINGS = {
  'sr-Cyrl': {
    docKicker: 'Документација API-ја',
    navApi: 'API',
    loadingDoc: 'Учитава се опис API-ја…',
    docLoadFailed: 'Опис API-ја није могао да се учита.',
    errHttp: 'Сервер је одговорио статусом {status}.',
    errNetwork: 'Сервер није доступан. Проверите везу.',
    errNotJson: 'Одговор није JSON документ.',
    errNotOpenApi: 'Одговор није OpenAPI 3 документ.',
    errOtherSite: 'Овде може да се прикаже само документ са овог сајта.',
    errAddress: 'Адреса:',
    metaVersion: 'Верзија',
    metaFormat: 'Формат',
    metaBase: 'Основна адреса',
    metaLicence: 'Лиценца',
    contents: 'Садржај',
    filterLabel: 'Филтрирај операције',
    filterHint: 'Унесите део путање, метод, опис или назив параметра.',
    filterCount: 'Приказано операција: {shown} од {total}.',
    filterNone: 'Ниједна операција не одговара филтеру.',
    noOperations: 'Документ не описује ниједну операцију.',
    otherTag: 'Остале операције',
    authTitle: 'Пријављивање',
    authIntro: 'Операције означене са „Потребно је пријављивање запосленог” може да позове само пријављени запослени; остале су отворене за све.',
    authNone: 'Документ не описује пријављивање.',
    authRequired: 'Потребно је пријављивање запосленог',
    authOptional: 'Пријављивање није обавезно',
    authPublic: 'Пријављивање није потребно',
    authSchemeLabel: 'Шема:',
    schemeType: 'Врста',
    schemeApiKeyHeader: 'Шаље се у заглављу „{name}”.',
    schemeApiKeyQuery: 'Шаље се као параметар упита „{name}”.',
    schemeApiKeyCookie: 'Шаље се у колачићу „{name}”.',
    schemeBearer: 'Шаље се у заглављу „Authorization” као „Bearer <token>”.',
    schemeBasic: 'HTTP Basic аутентикација (корисничко име и лозинка) у заглављу „Authorization”.',
    schemeHttp: 'HTTP аутентикација, шема „{scheme}”.',
    schemeOauth2: 'OAuth 2.0 приступни токен.',
    schemeOidc: 'OpenID Connect приступни токен.',
    schemeMtls: 'Клијентски TLS сертификат.',
    schemeCognito: 'Вредност је ID токен запосленог пријављеног у Amazon Cognito базу корисника.',
    usedBy: 'Број операција које је захтевају: {n}.',
    deprecated: 'Застарело',
    parameters: 'Параметри',
    colIn: 'Где',
    in_path: 'путања',
    in_query: 'упит',
    in_header: 'заглавље',
    in_cookie: 'колачић',
    required: 'обавезно',
    requestBody: 'Тело захтева',
    responses: 'Одговори',
    responseBody: 'Тело',
    headersLabel: 'Заглавља',
    noBody: 'Без тела.',
    example: 'Пример захтева',
    copy: 'Копирај',
    copyFor: 'Копирај пример захтева: {name}',
    copied: 'Копирано.',
    copyFailed: 'Копирање није успело. Означите текст и копирајте га ручно.',
    arrayOf: 'низ: {type}',
    anyValue: 'било која вредност',
    oneOf: 'Тачно једно од следећег:',
    anyOf: 'Једно или више од следећег:',
    variant: 'Варијанта {n}',
    recursive: 'рекурзивно: {name}, описано изнад',
    unresolved: 'није пронађено: {ref}',
    tooDeep: 'превише угњеждено за приказ',
    noOtherFields: 'друга поља нису дозвољена',
    otherKeys: 'остали кључеви: {type}',
    eachItem: 'свака ставка',
    c_minLength: 'најмања дужина',
    c_maxLength: 'највећа дужина',
    c_minimum: 'најмање',
    c_maximum: 'највише',
    c_exclusiveMinimum: 'веће од',
    c_exclusiveMaximum: 'мање од',
    c_multipleOf: 'дељиво са',
    c_minItems: 'најмање ставки',
    c_maxItems: 'највише ставки',
    c_uniqueItems: 'без понављања',
    c_pattern: 'образац',
    c_format: 'формат',
    c_enum: 'једно од',
    c_const: 'увек',
    c_default: 'подразумевано',
    c_example: 'пример',
    c_readOnly: 'само за читање',
    c_writeOnly: 'само за упис',
    c_together: 'само заједно са',
  },
  'sr-Latn': {
    docKicker: 'Dokumentacija API-ja',
    navApi: 'API',
    loadingDoc: 'Učitava se opis API-ja…',
    docLoadFailed: 'Opis API-ja nije mogao da se učita.',
    errHttp: 'Server je odgovorio statusom {status}.',
    errNetwork: 'Server nije dostupan. Proverite vezu.',
    errNotJson: 'Odgovor nije JSON dokument.',
    errNotOpenApi: 'Odgovor nije OpenAPI 3 dokument.',
    errOtherSite: 'Ovde može da se prikaže samo dokument sa ovog sajta.',
    errAddress: 'Adresa:',
    metaVersion: 'Verzija',
    metaFormat: 'Format',
    metaBase: 'Osnovna adresa',
    metaLicence: 'Licenca',
    contents: 'Sadržaj',
    filterLabel: 'Filtriraj operacije',
    filterHint: 'Unesite deo putanje, metod, opis ili naziv parametra.',
    filterCount: 'Prikazano operacija: {shown} od {total}.',
    filterNone: 'Nijedna operacija ne odgovara filteru.',
    noOperations: 'Dokument ne opisuje nijednu operaciju.',
    otherTag: 'Ostale operacije',
    authTitle: 'Prijavljivanje',
    authIntro: 'Operacije označene sa „Potrebno je prijavljivanje zaposlenog” može da pozove samo prijavljeni zaposleni; ostale su otvorene za sve.',
    authNone: 'Dokument ne opisuje prijavljivanje.',
    authRequired: 'Potrebno je prijavljivanje zaposlenog',
    authOptional: 'Prijavljivanje nije obavezno',
    authPublic: 'Prijavljivanje nije potrebno',
    authSchemeLabel: 'Šema:',
    schemeType: 'Vrsta',
    schemeApiKeyHeader: 'Šalje se u zaglavlju „{name}”.',
    schemeApiKeyQuery: 'Šalje se kao parametar upita „{name}”.',
    schemeApiKeyCookie: 'Šalje se u kolačiću „{name}”.',
    schemeBearer: 'Šalje se u zaglavlju „Authorization” kao „Bearer <token>”.',
    schemeBasic: 'HTTP Basic autentikacija (korisničko ime i lozinka) u zaglavlju „Authorization”.',
    schemeHttp: 'HTTP autentikacija, šema „{scheme}”.',
    schemeOauth2: 'OAuth 2.0 pristupni token.',
    schemeOidc: 'OpenID Connect pristupni token.',
    schemeMtls: 'Klijentski TLS sertifikat.',
    schemeCognito: 'Vrednost je ID token zaposlenog prijavljenog u Amazon Cognito bazu korisnika.',
    usedBy: 'Broj operacija koje je zahtevaju: {n}.',
    deprecated: 'Zastarelo',
    parameters: 'Parametri',
    colIn: 'Gde',
    in_path: 'putanja',
    in_query: 'upit',
    in_header: 'zaglavlje',
    in_cookie: 'kolačić',
    required: 'obavezno',
    requestBody: 'Telo zahteva',
    responses: 'Odgovori',
    responseBody: 'Telo',
    headersLabel: 'Zaglavlja',
    noBody: 'Bez tela.',
    example: 'Primer zahteva',
    copy: 'Kopiraj',
    copyFor: 'Kopiraj primer zahteva: {name}',
    copied: 'Kopirano.',
    copyFailed: 'Kopiranje nije uspelo. Označite tekst i kopirajte ga ručno.',
    arrayOf: 'niz: {type}',
    anyValue: 'bilo koja vrednost',
    oneOf: 'Tačno jedno od sledećeg:',
    anyOf: 'Jedno ili više od sledećeg:',
    variant: 'Varijanta {n}',
    recursive: 'rekurzivno: {name}, opisano iznad',
    unresolved: 'nije pronađeno: {ref}',
    tooDeep: 'previše ugnježdeno za prikaz',
    noOtherFields: 'druga polja nisu dozvoljena',
    otherKeys: 'ostali ključevi: {type}',
    eachItem: 'svaka stavka',
    c_minLength: 'najmanja dužina',
    c_maxLength: 'najveća dužina',
    c_minimum: 'najmanje',
    c_maximum: 'najviše',
    c_exclusiveMinimum: 'veće od',
    c_exclusiveMaximum: 'manje od',
    c_multipleOf: 'deljivo sa',
    c_minItems: 'najmanje stavki',
    c_maxItems: 'najviše stavki',
    c_uniqueItems: 'bez ponavljanja',
    c_pattern: 'obrazac',
    c_format: 'format',
    c_enum: 'jedno od',
    c_const: 'uvek',
    c_default: 'podrazumevano',
    c_example: 'primer',
    c_readOnly: 'samo za čitanje',
    c_writeOnly: 'samo za upis',
    c_together: 'samo zajedno sa',
  },
  bg: {
    docKicker: 'Документация на API',
    navApi: 'API',
    loadingDoc: 'Зареждане на описанието на API…',
    docLoadFailed: 'Описанието на API не можа да бъде заредено.',
    errHttp: 'Сървърът отговори със статус {status}.',
    errNetwork: 'Сървърът не е достъпен. Проверете връзката си.',
    errNotJson: 'Отговорът не е JSON документ.',
    errNotOpenApi: 'Отговорът не е OpenAPI 3 документ.',
    errOtherSite: 'Тук може да се покаже само документ от този сайт.',
    errAddress: 'Адрес:',
    metaVersion: 'Версия',
    metaFormat: 'Формат',
    metaBase: 'Основен адрес',
    metaLicence: 'Лиценз',
    contents: 'Съдържание',
    filterLabel: 'Филтриране на операциите',
    filterHint: 'Въведете част от пътя, метод, описание или име на параметър.',
    filterCount: 'Показани операции: {shown} от {total}.',
    filterNone: 'Няма операция, която да отговаря на филтъра.',
    noOperations: 'Документът не описва нито една операция.',
    otherTag: 'Други операции',
    authTitle: 'Удостоверяване',
    authIntro: 'Операциите с отметка „Изисква вход на служител“ може да извиква само влязъл служител; останалите са достъпни за всички.',
    authNone: 'Документът не описва вход.',
    authRequired: 'Изисква вход на служител',
    authOptional: 'Входът не е задължителен',
    authPublic: 'Не изисква вход',
    authSchemeLabel: 'Схема:',
    schemeType: 'Вид',
    schemeApiKeyHeader: 'Изпраща се в заглавката „{name}“.',
    schemeApiKeyQuery: 'Изпраща се като параметър на заявката „{name}“.',
    schemeApiKeyCookie: 'Изпраща се в бисквитката „{name}“.',
    schemeBearer: 'Изпраща се в заглавката „Authorization“ като „Bearer <token>“.',
    schemeBasic: 'HTTP Basic удостоверяване (потребителско име и парола) в заглавката „Authorization“.',
    schemeHttp: 'HTTP удостоверяване, схема „{scheme}“.',
    schemeOauth2: 'Токен за достъп OAuth 2.0.',
    schemeOidc: 'Токен за достъп OpenID Connect.',
    schemeMtls: 'Клиентски TLS сертификат.',
    schemeCognito: 'Стойността е ID токенът на служител, влязъл в потребителския пул на Amazon Cognito.',
    usedBy: 'Брой операции, които го изискват: {n}.',
    deprecated: 'Остаряло',
    parameters: 'Параметри',
    colIn: 'Къде',
    in_path: 'път',
    in_query: 'заявка',
    in_header: 'заглавка',
    in_cookie: 'бисквитка',
    required: 'задължително',
    requestBody: 'Тяло на заявката',
    responses: 'Отговори',
    responseBody: 'Тяло',
    headersLabel: 'Заглавки',
    noBody: 'Без тяло.',
    example: 'Примерна заявка',
    copy: 'Копирай',
    copyFor: 'Копирай примерната заявка: {name}',
    copied: 'Копирано.',
    copyFailed: 'Копирането не успя. Маркирайте текста и го копирайте ръчно.',
    arrayOf: 'масив: {type}',
    anyValue: 'всякаква стойност',
    oneOf: 'Точно едно от следните:',
    anyOf: 'Едно или повече от следните:',
    variant: 'Вариант {n}',
    recursive: 'рекурсивно: {name}, описано по-горе',
    unresolved: 'не е намерено: {ref}',
    tooDeep: 'твърде дълбоко вложено, за да се покаже',
    noOtherFields: 'други полета не се приемат',
    otherKeys: 'други ключове: {type}',
    eachItem: 'всеки елемент',
    c_minLength: 'мин. дължина',
    c_maxLength: 'макс. дължина',
    c_minimum: 'най-малко',
    c_maximum: 'най-много',
    c_exclusiveMinimum: 'по-голямо от',
    c_exclusiveMaximum: 'по-малко от',
    c_multipleOf: 'кратно на',
    c_minItems: 'мин. елементи',
    c_maxItems: 'макс. елементи',
    c_uniqueItems: 'без повторения',
    c_pattern: 'шаблон',
    c_format: 'формат',
    c_enum: 'едно от',
    c_const: 'винаги',
    c_default: 'по подразбиране',
    c_example: 'пример',
    c_readOnly: 'само за четене',
    c_writeOnly: 'само за запис',
    c_together: 'само заедно с',
  },
  cs: {
    docKicker: 'Dokumentace API',
    navApi: 'API',
    loadingDoc: 'Načítání popisu API…',
    docLoadFailed: 'Popis API se nepodařilo načíst.',
    errHttp: 'Server odpověděl stavem {status}.',
    errNetwork: 'Server není dostupný. Zkontrolujte připojení.',
    errNotJson: 'Odpověď není dokument JSON.',
    errNotOpenApi: 'Odpověď není dokument OpenAPI 3.',
    errOtherSite: 'Zobrazit lze jen dokument z tohoto webu.',
    errAddress: 'Adresa:',
    metaVersion: 'Verze',
    metaFormat: 'Formát',
    metaBase: 'Základní adresa',
    metaLicence: 'Licence',
    contents: 'Obsah',
    filterLabel: 'Filtrovat operace',
    filterHint: 'Zadejte část cesty, metodu, popis nebo název parametru.',
    filterCount: 'Zobrazené operace: {shown} z {total}.',
    filterNone: 'Filtru neodpovídá žádná operace.',
    noOperations: 'Dokument nepopisuje žádnou operaci.',
    otherTag: 'Další operace',
    authTitle: 'Ověření',
    authIntro: 'Operace označené „Vyžaduje přihlášení zaměstnance“ smí volat jen přihlášený zaměstnanec; ostatní jsou přístupné všem.',
    authNone: 'Dokument nepopisuje žádné přihlášení.',
    authRequired: 'Vyžaduje přihlášení zaměstnance',
    authOptional: 'Přihlášení je nepovinné',
    authPublic: 'Bez přihlášení',
    authSchemeLabel: 'Schéma:',
    schemeType: 'Druh',
    schemeApiKeyHeader: 'Posílá se v hlavičce „{name}“.',
    schemeApiKeyQuery: 'Posílá se jako parametr dotazu „{name}“.',
    schemeApiKeyCookie: 'Posílá se v cookie „{name}“.',
    schemeBearer: 'Posílá se v hlavičce „Authorization“ jako „Bearer <token>“.',
    schemeBasic: 'HTTP Basic ověření (uživatelské jméno a heslo) v hlavičce „Authorization“.',
    schemeHttp: 'HTTP ověření, schéma „{scheme}“.',
    schemeOauth2: 'Přístupový token OAuth 2.0.',
    schemeOidc: 'Přístupový token OpenID Connect.',
    schemeMtls: 'Klientský certifikát TLS.',
    schemeCognito: 'Hodnotou je ID token zaměstnance přihlášeného do fondu uživatelů Amazon Cognito.',
    usedBy: 'Počet operací, které ho vyžadují: {n}.',
    deprecated: 'Zastaralé',
    parameters: 'Parametry',
    colIn: 'Kde',
    in_path: 'cesta',
    in_query: 'dotaz',
    in_header: 'hlavička',
    in_cookie: 'soubor cookie',
    required: 'povinné',
    requestBody: 'Tělo požadavku',
    responses: 'Odpovědi',
    responseBody: 'Tělo',
    headersLabel: 'Hlavičky',
    noBody: 'Bez těla.',
    example: 'Ukázkový požadavek',
    copy: 'Kopírovat',
    copyFor: 'Kopírovat ukázkový požadavek: {name}',
    copied: 'Zkopírováno.',
    copyFailed: 'Kopírování se nezdařilo. Označte text a zkopírujte ho ručně.',
    arrayOf: 'pole: {type}',
    anyValue: 'libovolná hodnota',
    oneOf: 'Právě jedno z následujících:',
    anyOf: 'Jedno nebo více z následujících:',
    variant: 'Varianta {n}',
    recursive: 'rekurzivně: {name}, popsáno výše',
    unresolved: 'nenalezeno: {ref}',
    tooDeep: 'příliš hluboko vnořeno pro zobrazení',
    noOtherFields: 'jiná pole nejsou povolena',
    otherKeys: 'další klíče: {type}',
    eachItem: 'každá položka',
    c_minLength: 'min. délka',
    c_maxLength: 'max. délka',
    c_minimum: 'nejméně',
    c_maximum: 'nejvíce',
    c_exclusiveMinimum: 'větší než',
    c_exclusiveMaximum: 'menší než',
    c_multipleOf: 'násobek',
    c_minItems: 'min. položek',
    c_maxItems: 'max. položek',
    c_uniqueItems: 'bez opakování',
    c_pattern: 'vzor',
    c_format: 'formát',
    c_enum: 'jedno z',
    c_const: 'vždy',
    c_default: 'výchozí',
    c_example: 'příklad',
    c_readOnly: 'jen pro čtení',
    c_writeOnly: 'jen pro zápis',
    c_together: 'jen spolu s',
  },
  en: {
    docKicker: 'API documentation',
    navApi: 'API',
    loadingDoc: 'Loading the API description…',
    docLoadFailed: 'The API description could not be loaded.',
    errHttp: 'The server answered with status {status}.',
    errNetwork: 'The server could not be reached. Check your connection.',
    errNotJson: 'The answer is not a JSON document.',
    errNotOpenApi: 'The answer is not an OpenAPI 3 document.',
    errOtherSite: 'Only a document from this site can be shown here.',
    errAddress: 'Address:',
    metaVersion: 'Version',
    metaFormat: 'Format',
    metaBase: 'Base address',
    metaLicence: 'Licence',
    contents: 'Contents',
    filterLabel: 'Filter operations',
    filterHint: 'Type part of a path, a method, a summary or a parameter name.',
    filterCount: 'Operations shown: {shown} of {total}.',
    filterNone: 'No operation matches this filter.',
    noOperations: 'The document describes no operations.',
    otherTag: 'Other operations',
    authTitle: 'Authentication',
    authIntro: 'Operations marked “Staff sign-in required” can only be called by a signed-in staff member; the others are open to everyone.',
    authNone: 'The document describes no sign-in.',
    authRequired: 'Staff sign-in required',
    authOptional: 'Sign-in optional',
    authPublic: 'No sign-in needed',
    authSchemeLabel: 'Scheme:',
    schemeType: 'Type',
    schemeApiKeyHeader: 'Sent in the header “{name}”.',
    schemeApiKeyQuery: 'Sent as the query parameter “{name}”.',
    schemeApiKeyCookie: 'Sent in the cookie “{name}”.',
    schemeBearer: 'Sent in the header “Authorization” as “Bearer <token>”.',
    schemeBasic: 'HTTP Basic authentication (user name and password) in the header “Authorization”.',
    schemeHttp: 'HTTP authentication, scheme “{scheme}”.',
    schemeOauth2: 'An OAuth 2.0 access token.',
    schemeOidc: 'An OpenID Connect access token.',
    schemeMtls: 'A TLS client certificate.',
    schemeCognito: 'The value is the ID token of a staff member signed in to the Amazon Cognito user pool.',
    usedBy: 'Operations that need it: {n}.',
    deprecated: 'Deprecated',
    parameters: 'Parameters',
    colIn: 'In',
    in_path: 'path',
    in_query: 'query',
    in_header: 'header',
    in_cookie: 'cookie',
    required: 'required',
    requestBody: 'Request body',
    responses: 'Responses',
    responseBody: 'Body',
    headersLabel: 'Headers',
    noBody: 'No body.',
    example: 'Example request',
    copy: 'Copy',
    copyFor: 'Copy the example request: {name}',
    copied: 'Copied.',
    copyFailed: 'Could not copy. Select the text and copy it yourself.',
    arrayOf: 'array of {type}',
    anyValue: 'any value',
    oneOf: 'Exactly one of these:',
    anyOf: 'One or more of these:',
    variant: 'Variant {n}',
    recursive: 'recursive: {name}, described above',
    unresolved: 'not found: {ref}',
    tooDeep: 'nested too deeply to show here',
    noOtherFields: 'no other fields',
    otherKeys: 'other keys: {type}',
    eachItem: 'each item',
    c_minLength: 'min. length',
    c_maxLength: 'max. length',
    c_minimum: 'minimum',
    c_maximum: 'maximum',
    c_exclusiveMinimum: 'greater than',
    c_exclusiveMaximum: 'less than',
    c_multipleOf: 'multiple of',
    c_minItems: 'min. items',
    c_maxItems: 'max. items',
    c_uniqueItems: 'no duplicates',
    c_pattern: 'pattern',
    c_format: 'format',
    c_enum: 'one of',
    c_const: 'always',
    c_default: 'default',
    c_example: 'example',
    c_readOnly: 'read-only',
    c_writeOnly: 'write-only',
    c_together: 'only together with',
  },
};

// --------------------------------------------------------------------------- state and texts

const state = {
  lang: 'en',
  specUrl: null, // URL, or null when ?spec= is not a usable address
  doc: null,
  error: null,
  ops: [], // {id, method, path, op, params, security, article, tocItem, haystack}
  groups: [], // {name, section, tocItem, ops}
  authSection: null,
  authTocItem: null,
  sequence: 0,
};

const $ = (id) => document.getElementById(id);
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const own = (o, k) => isObj(o) && Object.prototype.hasOwnProperty.call(o, k);
const arr = (v) => (Array.isArray(v) ? v : []);
const str = (v) => (typeof v === 'string' ? v : '');

function tr(key, params) {
  const table = DOC_STRINGS[state.lang] || DOC_STRINGS.en;
  let text = own(table, key) ? table[key] : DOC_STRINGS.en[key];
  if (text === undefined) return portalText(state.lang, key, params);
  if (params) {
    text = text.replace(/\{(\w+)\}/g, (m, name) => (params[name] === undefined ? m : String(params[name])));
  }
  return text;
}

class SpecError extends Error {
  constructor(key, params) {
    super(key);
    this.key = key;
    this.params = params || {};
  }
}

function readStoredLanguage() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch (err) {
    return null;
  }
}

function storeLanguage(lang) {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch (err) {
    /* storage disabled: not fatal */
  }
}

function applyStaticTexts() {
  document.documentElement.lang = state.lang;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = tr(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-aria-label]')) {
    el.setAttribute('aria-label', tr(el.dataset.i18nAriaLabel));
  }
  for (const a of document.querySelectorAll('a[data-keep-lang]')) {
    const url = new URL(a.getAttribute('href'), window.location.href);
    url.searchParams.set('lang', state.lang);
    a.setAttribute('href', url.pathname.split('/').pop() + url.search);
  }
  const title = state.doc && isObj(state.doc.info) && str(state.doc.info.title);
  document.title = title ? `${title} — ${tr('docKicker')}` : `${tr('docKicker')} — CivicDesk`;
}

function renderLanguageSelect() {
  const select = $('lang-select');
  select.replaceChildren(...LANGUAGES.map((l) => h('option', { value: l.code, lang: l.code, text: l.name })));
  select.value = state.lang;
}

// --------------------------------------------------------------------------- loading

/** The document's address: ?spec= (on this site only) or /v1/openapi.json. */
function specAddress() {
  const raw = new URLSearchParams(window.location.search).get('spec');
  try {
    return new URL(raw || DEFAULT_SPEC, window.location.href);
  } catch (err) {
    return null;
  }
}

async function fetchSpec(url) {
  // The CSP (connect-src 'self') would block another origin anyway; say so clearly instead.
  if (!url || url.origin !== window.location.origin) throw new SpecError('errOtherSite');
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  let response;
  let text;
  try {
    response = await fetch(url.href, {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
      cache: 'no-cache',
      referrerPolicy: 'no-referrer',
      signal: controller.signal,
    });
    text = await response.text();
  } catch (err) {
    throw new SpecError('errNetwork');
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok) throw new SpecError('errHttp', { status: response.status });
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new SpecError('errNotJson');
  }
  if (!isObj(doc) || !/^3\.\d+/.test(str(doc.openapi)) || !(isObj(doc.paths) || isObj(doc.webhooks) || isObj(doc.components))) {
    throw new SpecError('errNotOpenApi');
  }
  return doc;
}

function setBusy(on) {
  $('main').setAttribute('aria-busy', on ? 'true' : 'false');
  $('load-status').hidden = !on;
}

async function load() {
  const mine = ++state.sequence;
  setBusy(true);
  $('load-error').hidden = true;
  let doc = null;
  let error = null;
  try {
    doc = await fetchSpec(state.specUrl);
  } catch (err) {
    error = err instanceof SpecError ? err : new SpecError('errNotOpenApi');
  }
  if (mine !== state.sequence) return;
  state.doc = doc;
  state.error = error;
  if (error) {
    renderError();
    setBusy(false);
    announce(`${tr('docLoadFailed')} ${tr(error.key, error.params)}`);
    return;
  }
  try {
    renderDocument();
  } catch (err) {
    // A shape this page does not expect: say so rather than stay on "Loading…".
    if (typeof console !== 'undefined') console.error(err);
    state.doc = null;
    state.error = new SpecError('errNotOpenApi');
    renderError();
  }
  setBusy(false);
  if (state.doc) goToHash();
  else announce(`${tr('docLoadFailed')} ${tr(state.error.key)}`);
}

function renderError() {
  $('doc').hidden = true;
  $('load-error-reason').textContent = tr(state.error.key, state.error.params);
  $('load-error-address').textContent = state.specUrl ? state.specUrl.href : str(new URLSearchParams(window.location.search).get('spec'));
  $('load-error').hidden = false;
}

/** After the document is drawn, go to the #fragment the address asked for (it did not exist before). */
function goToHash() {
  let id = '';
  try {
    id = decodeURIComponent(window.location.hash.slice(1));
  } catch (err) {
    return;
  }
  const target = id && document.getElementById(id);
  if (target && $('doc').contains(target)) target.scrollIntoView({ block: 'start' });
}

// --------------------------------------------------------------------------- references

function decodePointerPart(part) {
  let text = part;
  try {
    text = decodeURIComponent(part);
  } catch (err) {
    /* keep it as it is */
  }
  return text.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** The value a local reference ('#/components/schemas/Error') points at, or undefined. */
function lookup(ref) {
  if (typeof ref !== 'string' || !ref.startsWith('#')) return undefined; // other documents: not fetched
  const pointer = ref.slice(1);
  if (pointer && !pointer.startsWith('/')) return undefined; // anchors ($anchor) are not resolved
  let node = state.doc;
  for (const part of pointer ? pointer.slice(1).split('/') : []) {
    const key = decodePointerPart(part);
    if (Array.isArray(node) && /^\d+$/.test(key)) node = node[Number(key)];
    else if (own(node, key)) node = node[key];
    else return undefined;
  }
  return node;
}

function refName(ref) {
  const parts = ref.split('/');
  return decodePointerPart(parts[parts.length - 1]) || ref;
}

/** A parameter, response, request body, example or path item: follows $ref chains (cycle-safe). */
function deref(value) {
  let node = value;
  const seen = [];
  let overrides = {};
  while (own(node, '$ref') && typeof node.$ref === 'string') {
    for (const key of ['summary', 'description']) {
      if (own(node, key) && !own(overrides, key)) overrides = { ...overrides, [key]: node[key] };
    }
    if (seen.includes(node.$ref)) return null;
    seen.push(node.$ref);
    node = lookup(node.$ref);
  }
  if (!isObj(node)) return null;
  return Object.keys(overrides).length ? { ...node, ...overrides } : node;
}

/**
 * A schema with its $ref chain followed. `stack` holds the references already open on the way
 * down to here: meeting one of them again is a cycle, shown as such instead of followed.
 * Returns {schema, name, refs} or {cycle, name} or {missing: ref} or {never: true}.
 */
function resolveSchema(raw, stack) {
  let node = raw;
  let name = null;
  const refs = [];
  let overrides = {};
  while (own(node, '$ref') && typeof node.$ref === 'string') {
    const ref = node.$ref;
    for (const key of REF_SIBLINGS) {
      if (own(node, key) && !own(overrides, key)) overrides = { ...overrides, [key]: node[key] };
    }
    if (stack.includes(ref) || refs.includes(ref)) return { cycle: true, name: refName(ref) };
    const target = lookup(ref);
    if (target === undefined) return { missing: ref };
    refs.push(ref);
    if (!name) name = refName(ref);
    node = target;
  }
  if (node === false) return { never: true, name };
  let schema = isObj(node) ? node : {};
  if (Object.keys(overrides).length) schema = { ...schema, ...overrides };
  if (Array.isArray(schema.allOf)) schema = mergeAllOf(schema, [...stack, ...refs]);
  return { schema, name, refs };
}

/** allOf as one schema: properties, required fields and other keywords of every part. */
function mergeAllOf(schema, stack) {
  const out = { ...schema };
  delete out.allOf;
  const properties = { ...(isObj(schema.properties) ? schema.properties : {}) };
  const required = new Set(arr(schema.required));
  for (const part of schema.allOf) {
    const r = resolveSchema(part, stack);
    if (!r.schema) continue;
    for (const [key, value] of Object.entries(isObj(r.schema.properties) ? r.schema.properties : {})) {
      if (!own(properties, key)) properties[key] = value;
    }
    for (const key of arr(r.schema.required)) required.add(key);
    for (const [key, value] of Object.entries(r.schema)) {
      if (key !== 'properties' && key !== 'required' && !own(out, key)) out[key] = value;
    }
  }
  if (Object.keys(properties).length) out.properties = properties;
  if (required.size) out.required = [...required];
  return out;
}

// --------------------------------------------------------------------------- text from the document

const INLINE_RE = /`([^`]+)`|\*\*([^*]+)\*\*|\[([^\]]+)\]\(([^)\s]+)\)/g;

/** Inline Markdown: `code`, **strong** and [links](address); the rest stays text. */
function inline(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(INLINE_RE)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[1] !== undefined) out.push(h('code', { text: m[1] }));
    else if (m[2] !== undefined) out.push(h('strong', { text: m[2] }));
    else out.push(safeLink(m[3], m[4]));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function safeLink(label, address) {
  let url = null;
  try {
    url = new URL(address, window.location.href);
  } catch (err) {
    url = null;
  }
  if (!url || !['http:', 'https:', 'mailto:'].includes(url.protocol)) return `${label} (${address})`;
  return h('a', { href: url.href, rel: 'noopener noreferrer', text: label });
}

/**
 * A description as blocks: paragraphs (blank-line separated), "- " / "1. " lists, ``` code
 * blocks and "#" headings (shown as bold paragraphs, so that the page's heading levels hold).
 */
function textBlocks(text, className = 'md') {
  if (typeof text !== 'string' || !text.trim()) return null;
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const blocks = [];
  let paragraph = [];
  let list = null;
  const flush = () => {
    if (paragraph.length) blocks.push(h('p', {}, inline(paragraph.join(' '))));
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    if (/^\s*```/.test(line)) {
      flush();
      list = null;
      const code = [];
      for (i += 1; i < lines.length && !/^\s*```/.test(lines[i]); i += 1) code.push(lines[i]);
      blocks.push(h('pre', { class: 'md-code' }, h('code', { text: code.join('\n') })));
      continue;
    }
    const bullet = /^\s*([-*+]|\d+[.)])\s+(.*)$/.exec(line);
    if (bullet) {
      flush();
      const ordered = /\d/.test(bullet[1]);
      if (!list || list.ordered !== ordered) {
        list = { ordered, el: h(ordered ? 'ol' : 'ul') };
        blocks.push(list.el);
      }
      list.el.append(h('li', {}, inline(bullet[2])));
      continue;
    }
    if (!line.trim()) {
      flush();
      list = null;
      continue;
    }
    if (list && /^\s{2,}\S/.test(line)) {
      list.el.lastChild.append(' ', ...inline(line.trim())); // continuation of a list item
      continue;
    }
    list = null;
    const heading = /^\s*#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      blocks.push(h('p', { class: 'md-heading' }, inline(heading[1])));
      continue;
    }
    paragraph.push(line.trim());
  }
  flush();
  return h('div', { class: className }, blocks);
}

function formatValue(value) {
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined) text = String(value);
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

// --------------------------------------------------------------------------- schemas

function typesOf(s) {
  let types = Array.isArray(s.type) ? s.type.filter((x) => typeof x === 'string') : typeof s.type === 'string' ? [s.type] : [];
  if (!types.length) {
    if (isObj(s.properties) || isObj(s.additionalProperties)) types = ['object'];
    else if (s.items !== undefined) types = ['array'];
    else if (own(s, 'const')) types = [jsonType(s.const)];
    else if (Array.isArray(s.enum) && s.enum.length) types = [...new Set(s.enum.map(jsonType))];
  }
  if (s.nullable === true && !types.includes('null')) types = [...types, 'null']; // OpenAPI 3.0
  return types;
}

function jsonType(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (Number.isInteger(value)) return 'integer';
  return typeof value;
}

/** "string", "integer | null", "array of FieldError", "object"... */
function typeLabel(s, stack, depth = 0) {
  const labels = typesOf(s).map((type) => {
    if (type !== 'array' || s.items === undefined || depth > 4) return type;
    const r = resolveSchema(s.items, stack);
    let inner = r.name || 'array';
    if (r.schema && !r.name) inner = typeLabel(r.schema, [...stack, ...r.refs], depth + 1) || tr('anyValue');
    else if (r.missing) inner = refName(r.missing);
    return tr('arrayOf', { type: inner });
  });
  if (labels.length) return labels.join(' | ');
  return Array.isArray(s.oneOf) || Array.isArray(s.anyOf) ? '' : tr('anyValue');
}

function constraint(key, ...values) {
  const li = h('li', { class: 'constraint', 'data-constraint': key.slice(2) }, h('span', { class: 'c-label', text: tr(key) }));
  values.forEach((value, index) => {
    li.append(index ? ', ' : ' ', h('code', { text: formatValue(value) }));
  });
  return li;
}

/** The rules a value must follow, as a list; `together` lists fields it must come with. */
function constraintList(s, { together, prefix } = {}) {
  const items = [];
  if (Array.isArray(s.enum) && s.enum.length) items.push(constraint('c_enum', ...s.enum));
  if (own(s, 'const')) items.push(constraint('c_const', s.const));
  if (typeof s.format === 'string') items.push(constraint('c_format', s.format));
  if (typeof s.pattern === 'string') items.push(constraint('c_pattern', s.pattern));
  for (const key of ['minLength', 'maxLength']) {
    if (typeof s[key] === 'number') items.push(constraint(`c_${key}`, s[key]));
  }
  // OpenAPI 3.0 has exclusiveMinimum/Maximum as flags on minimum/maximum; 3.1 as numbers.
  if (typeof s.minimum === 'number') items.push(constraint(s.exclusiveMinimum === true ? 'c_exclusiveMinimum' : 'c_minimum', s.minimum));
  if (typeof s.exclusiveMinimum === 'number') items.push(constraint('c_exclusiveMinimum', s.exclusiveMinimum));
  if (typeof s.maximum === 'number') items.push(constraint(s.exclusiveMaximum === true ? 'c_exclusiveMaximum' : 'c_maximum', s.maximum));
  if (typeof s.exclusiveMaximum === 'number') items.push(constraint('c_exclusiveMaximum', s.exclusiveMaximum));
  if (typeof s.multipleOf === 'number') items.push(constraint('c_multipleOf', s.multipleOf));
  for (const key of ['minItems', 'maxItems']) {
    if (typeof s[key] === 'number') items.push(constraint(`c_${key}`, s[key]));
  }
  if (s.uniqueItems === true) items.push(constraint('c_uniqueItems'));
  if (own(s, 'default')) items.push(constraint('c_default', s.default));
  if (own(s, 'example')) items.push(constraint('c_example', s.example));
  else if (Array.isArray(s.examples) && s.examples.length) items.push(constraint('c_example', s.examples[0]));
  if (s.readOnly === true) items.push(constraint('c_readOnly'));
  if (s.writeOnly === true) items.push(constraint('c_writeOnly'));
  if (together && together.length) items.push(constraint('c_together', ...together));
  if (s.additionalProperties === false) items.push(h('li', { class: 'constraint', 'data-constraint': 'additionalProperties', text: tr('noOtherFields') }));
  if (!items.length) return null;
  const list = h('ul', { class: 'constraints' }, items);
  if (!prefix) return list;
  return h('div', { class: 'item-constraints' }, h('span', { class: 'c-prefix', text: `${prefix}:` }), list);
}

function requiredBadge() {
  return h('span', { class: 'badge badge-required', text: tr('required') });
}

function deprecatedBadge() {
  return h('span', { class: 'badge badge-deprecated', text: tr('deprecated') });
}

/** One property of an object: name, type, marks, rules, description and its own fields. */
function fieldNode(name, raw, { required, path, stack, depth, together }) {
  const li = h('li', { class: 'field-item', 'data-field': path });
  const head = h('p', { class: 'field-head' }, h('code', { class: 'field-name', text: name }));
  li.append(head);
  const r = resolveSchema(raw, stack);
  const mark = () => (required ? [' ', requiredBadge()] : []);
  if (r.cycle) {
    head.append(' ', h('span', { class: 'schema-ref', text: r.name }), ...mark(), ' ',
      h('span', { class: 'field-note', text: tr('recursive', { name: r.name }) }));
    return li;
  }
  if (r.missing || r.never) {
    head.append(...mark(), ' ', h('span', { class: 'field-note', text: r.missing ? tr('unresolved', { ref: r.missing }) : 'never' }));
    return li;
  }
  const s = r.schema;
  const inner = [...stack, ...r.refs];
  const type = typeLabel(s, inner);
  if (type) head.append(' ', h('span', { class: 'field-type', text: type }));
  if (r.name) head.append(' ', h('span', { class: 'schema-ref', text: r.name }));
  head.append(...mark());
  if (s.deprecated === true) head.append(' ', deprecatedBadge());
  const description = textBlocks(s.description, 'md field-desc');
  if (description) li.append(description);
  const rules = constraintList(s, { together });
  if (rules) li.append(rules);
  const children = schemaChildren(s, inner, depth + 1, path);
  if (children) li.append(children);
  return li;
}

/** What is inside a schema: object fields, array items, other keys, and oneOf/anyOf variants. */
function schemaChildren(s, stack, depth, path) {
  if (depth > MAX_DEPTH) return h('p', { class: 'field-note', text: tr('tooDeep') });
  const parts = [];
  const types = typesOf(s);

  if (s.items !== undefined && (types.includes('array') || !types.length)) {
    const r = resolveSchema(s.items, stack);
    if (r.schema) {
      const inner = [...stack, ...r.refs];
      const rules = constraintList(r.schema, { prefix: tr('eachItem') });
      if (rules) parts.push(rules);
      const description = r.name ? null : textBlocks(r.schema.description, 'md field-desc');
      if (description) parts.push(description);
      const nested = schemaChildren(r.schema, inner, depth + 1, `${path}[]`);
      if (nested) parts.push(nested);
    } else if (r.cycle) {
      parts.push(h('p', { class: 'field-note', text: tr('recursive', { name: r.name }) }));
    }
  }

  if (isObj(s.properties) && Object.keys(s.properties).length) {
    const required = new Set(arr(s.required));
    const dependent = isObj(s.dependentRequired) ? s.dependentRequired : {};
    parts.push(h('ul', { class: 'fields' }, Object.entries(s.properties).map(([name, value]) => fieldNode(name, value, {
      required: required.has(name),
      path: path ? `${path}.${name}` : name,
      stack,
      depth,
      together: arr(own(dependent, name) ? dependent[name] : []),
    }))));
  }

  if (isObj(s.additionalProperties)) {
    const r = resolveSchema(s.additionalProperties, stack);
    if (r.schema) {
      const label = r.name || typeLabel(r.schema, [...stack, ...r.refs]) || tr('anyValue');
      parts.push(h('p', { class: 'field-note', text: tr('otherKeys', { type: label }) }));
      const nested = schemaChildren(r.schema, [...stack, ...r.refs], depth + 1, `${path}.*`);
      if (nested) parts.push(nested);
    }
  }

  for (const keyword of ['oneOf', 'anyOf']) {
    if (!Array.isArray(s[keyword]) || !s[keyword].length) continue;
    const variants = s[keyword].map((variant, index) => {
      const r = resolveSchema(variant, stack);
      const li = h('li', { class: 'variant' });
      const head = h('p', { class: 'field-head' }, h('span', { class: 'variant-name', text: tr('variant', { n: index + 1 }) }));
      li.append(head);
      if (r.cycle) {
        head.append(' ', h('span', { class: 'field-note', text: tr('recursive', { name: r.name }) }));
        return li;
      }
      if (!r.schema) return li;
      const type = typeLabel(r.schema, [...stack, ...r.refs]);
      if (type) head.append(' ', h('span', { class: 'field-type', text: type }));
      if (r.name) head.append(' ', h('span', { class: 'schema-ref', text: r.name }));
      const description = textBlocks(r.schema.description, 'md field-desc');
      if (description) li.append(description);
      const rules = constraintList(r.schema);
      if (rules) li.append(rules);
      const nested = schemaChildren(r.schema, [...stack, ...r.refs], depth + 1, path);
      if (nested) li.append(nested);
      return li;
    });
    parts.push(h('p', { class: 'field-note', text: tr(keyword) }), h('ol', { class: 'variants' }, variants));
  }

  return parts.length ? h('div', { class: 'schema-children' }, parts) : null;
}

/** A whole schema (request or response body) as a tree; `named`: its name is shown already. */
function schemaTree(raw, { named = false } = {}) {
  const r = resolveSchema(raw, []);
  const box = h('div', { class: 'schema' });
  if (!r.schema) {
    box.append(h('p', { class: 'field-note', text: r.missing ? tr('unresolved', { ref: r.missing }) : tr('recursive', { name: r.name }) }));
    return box;
  }
  const s = r.schema;
  const head = h('p', { class: 'schema-head' });
  const type = typeLabel(s, r.refs);
  if (type) head.append(h('span', { class: 'field-type', text: type }));
  if (r.name && !named) head.append(' ', h('span', { class: 'schema-ref', text: r.name }));
  if (head.childNodes.length) box.append(head);
  const description = textBlocks(s.description, 'md field-desc');
  if (description) box.append(description);
  const rules = constraintList(s);
  if (rules) box.append(rules);
  const children = schemaChildren(s, r.refs, 1, '');
  if (children) box.append(children);
  return box;
}

// --------------------------------------------------------------------------- operations

function slug(text) {
  return text.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
}

function mergeParameters(pathLevel, operationLevel) {
  const byKey = new Map();
  for (const raw of [...arr(pathLevel), ...arr(operationLevel)]) {
    const p = deref(raw);
    if (!p || typeof p.name !== 'string' || typeof p.in !== 'string') continue;
    byKey.set(`${p.in}\n${p.name}`, p); // the operation's own wins over the path's
  }
  const list = [...byKey.values()];
  const rank = (p) => (PARAM_ORDER.includes(p.in) ? PARAM_ORDER.indexOf(p.in) : PARAM_ORDER.length);
  return list.map((p, i) => ({ p, i })).sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i).map((x) => x.p);
}

/** {schemes: [names], optional}: the operation's security, else the document's. */
function securityOf(op) {
  const requirements = Array.isArray(op.security) ? op.security : arr(state.doc.security);
  const objects = requirements.filter(isObj);
  const schemes = [...new Set(objects.flatMap((r) => Object.keys(r)))];
  return { schemes, optional: objects.some((r) => !Object.keys(r).length) };
}

function collectOperations() {
  const ops = [];
  const used = new Set();
  const paths = isObj(state.doc.paths) ? state.doc.paths : {};
  for (const [path, rawItem] of Object.entries(paths)) {
    const item = deref(rawItem);
    if (!item) continue;
    for (const method of METHODS) {
      const op = item[method];
      if (!isObj(op)) continue;
      const base = slug(str(op.operationId) || `${method}-${path}`);
      let id = `op-${base}`;
      for (let n = 2; used.has(id); n += 1) id = `op-${base}-${n}`;
      used.add(id);
      const tags = arr(op.tags).filter((t) => typeof t === 'string' && t);
      ops.push({ id, path, method, op, tag: tags[0] || '', params: mergeParameters(item.parameters, op.parameters), security: securityOf(op) });
    }
  }
  return ops;
}

function groupByTag(ops) {
  const groups = new Map();
  for (const tag of arr(state.doc.tags)) {
    if (isObj(tag) && typeof tag.name === 'string' && !groups.has(tag.name)) groups.set(tag.name, { name: tag.name, info: tag, ops: [] });
  }
  for (const o of ops) {
    if (!groups.has(o.tag)) groups.set(o.tag, { name: o.tag, info: null, ops: [] });
    groups.get(o.tag).ops.push(o);
  }
  const list = [...groups.values()].filter((g) => g.ops.length);
  return [...list.filter((g) => g.name), ...list.filter((g) => !g.name)]; // untagged last
}

/** A path that may wrap after its slashes (and only there) on a narrow screen. */
function pathText(path, className) {
  const span = h('span', { class: className });
  path.split(/(?<=\/)/).forEach((piece, index) => {
    if (index) span.append(h('wbr'));
    span.append(piece);
  });
  return span;
}

function methodBadge(method) {
  return h('span', { class: `method method-${method}`, text: method.toUpperCase() });
}

function schemeName(name) {
  return h('a', { href: `#scheme-${slug(name)}`, class: 'scheme-link' }, h('code', { text: name }));
}

function authMarker(security) {
  if (!security.schemes.length) return h('p', { class: 'auth-marker auth-public', text: tr('authPublic') });
  const marker = h('p', { class: security.optional ? 'auth-marker auth-optional' : 'auth-marker auth-required' },
    h('span', { class: 'auth-label', text: tr(security.optional ? 'authOptional' : 'authRequired') }),
    ' ', h('span', { class: 'auth-schemes' }, tr('authSchemeLabel'), ' ',
      security.schemes.flatMap((name, i) => (i ? [', ', schemeName(name)] : [schemeName(name)]))));
  return marker;
}

function schemaOfParameter(p) {
  if (p.schema !== undefined) return p.schema;
  if (isObj(p.content)) {
    const first = Object.values(p.content).find(isObj);
    if (first) return first.schema;
  }
  return undefined;
}

function parametersPart(o) {
  if (!o.params.length) return null;
  const items = o.params.map((p) => {
    const r = resolveSchema(schemaOfParameter(p) || {}, []);
    const head = h('p', { class: 'field-head' }, h('code', { class: 'field-name', text: p.name }), ' ',
      h('span', { class: 'param-in' }, h('span', { class: 'visually-hidden', text: `${tr('colIn')}: ` }),
        PARAM_ORDER.includes(p.in) ? tr(`in_${p.in}`) : p.in));
    const li = h('li', { class: 'field-item param', 'data-param': p.name, 'data-in': p.in }, head);
    if (r.schema) {
      const type = typeLabel(r.schema, r.refs);
      if (type) head.append(' ', h('span', { class: 'field-type', text: type }));
      if (r.name) head.append(' ', h('span', { class: 'schema-ref', text: r.name }));
    }
    if (p.required === true || p.in === 'path') head.append(' ', requiredBadge());
    if (p.deprecated === true) head.append(' ', deprecatedBadge());
    const description = textBlocks(p.description, 'md field-desc');
    if (description) li.append(description);
    let rules = r.schema ? constraintList(r.schema) : null;
    if (own(p, 'example')) {
      if (!rules) rules = h('ul', { class: 'constraints' });
      rules.append(constraint('c_example', p.example));
    }
    if (rules) li.append(rules);
    return li;
  });
  return h('div', { class: 'op-part op-params' }, h('h4', { text: tr('parameters') }), h('ul', { class: 'fields params' }, items));
}

const isJson = (media) => /^application\/(?:[\w.+-]+\+)?json\b/i.test(media) || /^\*\/\*/.test(media);

function requestBodyPart(o) {
  const body = deref(o.op.requestBody);
  if (!body) return null;
  const part = h('div', { class: 'op-part op-body' },
    h('h4', {}, tr('requestBody'), body.required === true ? [' ', requiredBadge()] : null));
  const description = textBlocks(body.description);
  if (description) part.append(description);
  for (const [media, content] of Object.entries(isObj(body.content) ? body.content : {})) {
    part.append(h('p', { class: 'media-type' }, h('code', { text: media })));
    if (isObj(content) && content.schema !== undefined) part.append(schemaTree(content.schema));
  }
  return part;
}

function statusClass(status) {
  const first = String(status).charAt(0);
  return /[1-5]/.test(first) ? `status-code status-${first}xx` : 'status-code status-other';
}

function responsesPart(o) {
  const entries = Object.entries(isObj(o.op.responses) ? o.op.responses : {});
  if (!entries.length) return null;
  let openedOne = false;
  const items = entries.map(([status, raw]) => {
    const response = deref(raw) || {};
    const li = h('li', { class: 'response', 'data-status': status },
      h('p', { class: 'response-head' }, h('span', { class: statusClass(status), text: status })));
    const description = textBlocks(response.description, 'md response-desc');
    if (description) li.append(description);
    if (isObj(response.headers) && Object.keys(response.headers).length) {
      const list = h('ul', { class: 'response-headers' });
      for (const [name, rawHeader] of Object.entries(response.headers)) {
        const header = deref(rawHeader) || {};
        const r = resolveSchema(header.schema || {}, []);
        list.append(h('li', {}, h('code', { text: name }),
          r.schema && typesOf(r.schema).length ? [' ', h('span', { class: 'field-type', text: typeLabel(r.schema, r.refs) })] : null,
          str(header.description) ? ` — ${header.description}` : null));
      }
      part(li, tr('headersLabel'), list);
    }
    const contents = Object.entries(isObj(response.content) ? response.content : {});
    if (!contents.length) li.append(h('p', { class: 'field-note', text: tr('noBody') }));
    for (const [media, content] of contents) {
      const schema = isObj(content) ? content.schema : undefined;
      if (schema === undefined || !isJson(media)) {
        li.append(h('p', { class: 'media-type' }, h('code', { text: media })));
        continue;
      }
      const r = resolveSchema(schema, []);
      // The first success answer is open; the others (mostly the shared error shape) fold away.
      const open = !openedOne && /^2/.test(status);
      if (open) openedOne = true;
      li.append(h('details', { class: 'response-body', open },
        h('summary', {}, `${tr('responseBody')}: `, h('code', { text: media }),
          r.name ? [' ', h('span', { class: 'schema-ref', text: r.name })] : null),
        schemaTree(schema, { named: true })));
    }
    return li;
  });
  return h('div', { class: 'op-part op-responses' }, h('h4', { text: tr('responses') }), h('ul', { class: 'responses' }, items));
}

function part(parent, label, node) {
  parent.append(h('p', { class: 'part-label', text: label }), node);
}

// --------------------------------------------------------------------------- example request

const shellQuote = (text) => `'${String(text).replace(/'/g, "'\\''")}'`;

function explicitExample(p) {
  if (own(p, 'example')) return p.example;
  if (isObj(p.examples)) {
    const first = deref(Object.values(p.examples)[0]);
    if (first && own(first, 'value')) return first.value;
  }
  const r = resolveSchema(schemaOfParameter(p) || {}, []);
  if (r.schema && own(r.schema, 'example')) return r.schema.example;
  if (r.schema && Array.isArray(r.schema.examples) && r.schema.examples.length) return r.schema.examples[0];
  return undefined;
}

/** A value that fits a schema, for the example body: examples first, else made up from the rules. */
function sampleValue(raw, stack = [], depth = 0) {
  const r = resolveSchema(raw, stack);
  if (!r.schema || depth > 8) return undefined;
  const s = r.schema;
  const inner = [...stack, ...r.refs];
  if (own(s, 'example')) return s.example;
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
  if (own(s, 'const')) return s.const;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  if (own(s, 'default')) return s.default;
  const variants = arr(s.oneOf).length ? s.oneOf : arr(s.anyOf);
  if (variants.length) return sampleValue(variants[0], inner, depth + 1);
  const type = typesOf(s).find((x) => x !== 'null') || 'object';
  if (type === 'object') {
    const properties = isObj(s.properties) ? s.properties : {};
    const required = arr(s.required).filter((k) => own(properties, k));
    const out = {};
    for (const key of required.length ? required : Object.keys(properties)) {
      const value = sampleValue(properties[key], inner, depth + 1);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
  if (type === 'array') {
    const item = s.items === undefined ? undefined : sampleValue(s.items, inner, depth + 1);
    return item === undefined ? [] : [item];
  }
  if (type === 'integer' || type === 'number') {
    let value = typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : 1;
    if (typeof s.maximum === 'number' && value > s.maximum) value = s.maximum;
    return type === 'integer' ? Math.ceil(value) : value;
  }
  if (type === 'boolean') return true;
  if (type === 'null') return null;
  const formats = {
    email: 'name@example.org',
    'date-time': '2026-01-15T09:30:00Z',
    date: '2026-01-15',
    time: '09:30:00',
    uuid: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
    uri: `${window.location.origin}/`,
  };
  if (own(formats, s.format)) return formats[s.format];
  let text = 'text';
  if (typeof s.minLength === 'number' && s.minLength > text.length) text = text.padEnd(s.minLength, '.');
  return typeof s.maxLength === 'number' ? text.slice(0, Math.max(s.maxLength, 0)) : text;
}

function bodyExample(media, content) {
  if (own(content, 'example')) return content.example;
  if (isObj(content.examples)) {
    const first = deref(Object.values(content.examples)[0]);
    if (first && own(first, 'value')) return first.value;
  }
  return content.schema === undefined ? undefined : sampleValue(content.schema);
}

/** Where the API is: the document's first server, relative to the document's own address. */
function baseUrl() {
  const server = arr(state.doc.servers).find((s) => isObj(s) && typeof s.url === 'string');
  let address = server ? server.url : '/';
  if (server && isObj(server.variables)) {
    address = address.replace(/\{([^}]+)\}/g, (m, name) => {
      const variable = server.variables[name];
      return isObj(variable) && typeof variable.default === 'string' ? variable.default : m;
    });
  }
  try {
    return new URL(address, state.specUrl || window.location.href).href.replace(/\/+$/, '');
  } catch (err) {
    return window.location.origin;
  }
}

function exampleRequest(o) {
  const words = ['curl'];
  const method = o.method.toUpperCase();
  if (method !== 'GET') words.push(`-X ${method}`);
  let path = o.path;
  const query = [];
  const headers = [];
  for (const p of o.params) {
    const example = explicitExample(p);
    const value = example === undefined ? undefined : typeof example === 'string' ? example : JSON.stringify(example);
    if (p.in === 'path') {
      if (value !== undefined) path = path.split(`{${p.name}}`).join(encodeURIComponent(value));
    } else if (p.in === 'query' && (p.required === true || value !== undefined)) {
      query.push(`${encodeURIComponent(p.name)}=${encodeURIComponent(value === undefined ? p.name.toUpperCase() : value)}`);
    } else if (p.in === 'header' && (p.required === true || value !== undefined)) {
      headers.push(shellQuote(`${p.name}: ${value === undefined ? '…' : value}`));
    }
  }
  const body = deref(o.op.requestBody);
  let data;
  if (body && isObj(body.content)) {
    const entries = Object.entries(body.content).filter(([, c]) => isObj(c));
    const [media, content] = entries.find(([m]) => isJson(m)) || entries[0] || [];
    if (media) {
      headers.unshift(shellQuote(`Content-Type: ${media}`));
      const example = bodyExample(media, content);
      if (example !== undefined) data = typeof example === 'string' && !isJson(media) ? example : JSON.stringify(example);
    }
  }
  // Credentials: shell variables in double quotes, and only with header names that are safe there.
  const schemes = isObj(state.doc.components) && isObj(state.doc.components.securitySchemes) ? state.doc.components.securitySchemes : {};
  const auth = [];
  if (!o.security.optional) {
    for (const name of o.security.schemes.slice(0, 1)) {
      const scheme = deref(schemes[name]) || {};
      const cognito = scheme['x-amazon-apigateway-authtype'] === 'cognito_user_pools';
      const safeName = typeof scheme.name === 'string' && /^[A-Za-z0-9-]+$/.test(scheme.name) ? scheme.name : null;
      if (scheme.type === 'apiKey' && scheme.in === 'header' && safeName) auth.push(`-H "${safeName}: $${cognito ? 'ID_TOKEN' : 'API_KEY'}"`);
      else if (scheme.type === 'apiKey' && scheme.in === 'cookie' && safeName) auth.push(`-b "${safeName}=$API_KEY"`);
      else if (scheme.type === 'apiKey' && scheme.in === 'query' && typeof scheme.name === 'string') query.push(`${encodeURIComponent(scheme.name)}=API_KEY`);
      else if (scheme.type === 'http' && str(scheme.scheme).toLowerCase() === 'basic') auth.push('-u "$USER_NAME:$PASSWORD"');
      else if (scheme.type === 'http' || scheme.type === 'oauth2' || scheme.type === 'openIdConnect') auth.push('-H "Authorization: Bearer $ACCESS_TOKEN"');
    }
  }
  const url = `${baseUrl()}${path}${query.length ? `?${query.join('&')}` : ''}`;
  if (/[{}[\]]/.test(url)) words.push('--globoff'); // a {placeholder} left in the path
  const first = [...words, shellQuote(url)].join(' ');
  const options = [...headers.map((x) => `-H ${x}`), ...auth];
  if (data !== undefined) options.push(`--data ${shellQuote(data)}`);
  return [first, ...options].join(' \\\n  ');
}

async function copyText(text, pre) {
  try {
    if (navigator.clipboard && typeof navigator.clipboard.writeText === 'function') {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch (err) {
    /* fall back to selecting the text */
  }
  const selection = window.getSelection();
  const range = document.createRange();
  range.selectNodeContents(pre);
  selection.removeAllRanges();
  selection.addRange(range);
  try {
    return document.execCommand('copy');
  } catch (err) {
    return false;
  }
}

function examplePart(o) {
  const text = exampleRequest(o);
  const code = h('code', { text });
  const pre = h('pre', { class: 'example-request' }, code);
  const status = h('p', { class: 'copy-status' });
  const button = h('button', {
    type: 'button',
    class: 'button secondary copy-button',
    text: tr('copy'),
    'aria-label': tr('copyFor', { name: `${o.method.toUpperCase()} ${o.path}` }),
  });
  button.addEventListener('click', async () => {
    const ok = await copyText(text, pre);
    status.textContent = tr(ok ? 'copied' : 'copyFailed');
    announce(status.textContent);
  });
  return h('div', { class: 'op-part op-example' }, h('h4', { text: tr('example') }), pre,
    h('div', { class: 'copy-row' }, button, status));
}

function operationArticle(o) {
  const titleId = `${o.id}-title`;
  const summary = str(o.op.summary);
  const article = h('article', {
    class: o.op.deprecated === true ? 'op is-deprecated' : 'op',
    id: o.id,
    'aria-labelledby': titleId,
    'data-method': o.method,
    'data-path': o.path,
  },
  h('h3', { class: 'op-title', id: titleId },
    methodBadge(o.method), ' ', h('code', { class: 'op-path' }, pathText(o.path, 'path-text')),
    summary ? h('span', { class: 'op-summary', text: summary }) : null),
  h('div', { class: 'op-marks' }, authMarker(o.security), o.op.deprecated === true ? deprecatedBadge() : null));
  const description = textBlocks(o.op.description, 'md op-desc');
  if (description) article.append(description);
  for (const build of [parametersPart, requestBodyPart, responsesPart, examplePart]) {
    const node = build(o);
    if (node) article.append(node);
  }
  return article;
}

// --------------------------------------------------------------------------- the page

function schemeExplanation(scheme) {
  const type = str(scheme.type);
  const name = str(scheme.name);
  if (type === 'apiKey') {
    const where = { header: 'schemeApiKeyHeader', query: 'schemeApiKeyQuery', cookie: 'schemeApiKeyCookie' }[scheme.in];
    return where ? tr(where, { name }) : '';
  }
  if (type === 'http') {
    const kind = str(scheme.scheme).toLowerCase();
    if (kind === 'bearer') return tr('schemeBearer');
    if (kind === 'basic') return tr('schemeBasic');
    return tr('schemeHttp', { scheme: str(scheme.scheme) });
  }
  if (type === 'oauth2') return tr('schemeOauth2');
  if (type === 'openIdConnect') return tr('schemeOidc');
  if (type === 'mutualTLS') return tr('schemeMtls');
  return '';
}

function authenticationSection() {
  const components = isObj(state.doc.components) ? state.doc.components : {};
  const schemes = isObj(components.securitySchemes) ? components.securitySchemes : {};
  const section = h('section', { id: 'auth', class: 'doc-section auth-section', 'aria-labelledby': 'auth-title' },
    h('h2', { id: 'auth-title', text: tr('authTitle') }));
  const names = Object.keys(schemes);
  if (!names.length) {
    section.append(h('p', { class: 'notice', text: tr('authNone') }));
    return section;
  }
  if (state.ops.some((o) => o.security.schemes.length)) section.append(h('p', { text: tr('authIntro') }));
  for (const name of names) {
    const scheme = deref(schemes[name]) || {};
    const type = [str(scheme.type), str(scheme.scheme), str(scheme.bearerFormat)].filter(Boolean).join(' · ');
    const block = h('div', { class: 'scheme', id: `scheme-${slug(name)}` },
      h('h3', {}, h('code', { text: name })),
      h('dl', { class: 'scheme-facts' },
        h('div', {}, h('dt', { text: tr('schemeType') }), h('dd', {}, h('code', { text: type || '?' })))));
    const explanation = schemeExplanation(scheme);
    if (explanation) block.append(h('p', { text: explanation }));
    if (scheme['x-amazon-apigateway-authtype'] === 'cognito_user_pools') block.append(h('p', { text: tr('schemeCognito') }));
    const description = textBlocks(scheme.description);
    if (description) block.append(description);
    const count = state.ops.filter((o) => o.security.schemes.includes(name)).length;
    block.append(h('p', { class: 'hint', text: tr('usedBy', { n: count }) }));
    section.append(block);
  }
  return section;
}

function renderMeta() {
  const info = isObj(state.doc.info) ? state.doc.info : {};
  const title = str(info.title) || 'API';
  const heading = $('page-title');
  heading.removeAttribute('data-i18n'); // now the document's own title
  heading.textContent = title;
  $('doc-kicker').hidden = false;

  const summary = $('doc-summary');
  summary.textContent = str(info.summary);
  summary.hidden = !summary.textContent;

  const facts = [];
  const fact = (key, value) => facts.push(h('div', {}, h('dt', { text: tr(key) }), h('dd', {}, value)));
  if (info.version !== undefined) fact('metaVersion', h('code', { text: formatValue(info.version) }));
  fact('metaFormat', `OpenAPI ${str(state.doc.openapi)}`);
  fact('metaBase', h('code', { text: baseUrl() }));
  if (isObj(info.license) && str(info.license.name)) fact('metaLicence', info.license.name);
  $('doc-meta').replaceChildren(...facts);

  const description = textBlocks(info.description, 'md');
  $('doc-description').replaceChildren(...(description ? [...description.childNodes] : []));
}

function tocEntry(href, ...children) {
  return h('li', {}, h('a', { href }, children));
}

function renderDocument() {
  state.ops = collectOperations();
  const groups = groupByTag(state.ops);
  renderMeta();

  const body = $('doc-body');
  const toc = $('toc-list');
  const sections = [];
  const tocItems = [];

  state.authSection = authenticationSection();
  state.authTocItem = tocEntry('#auth', tr('authTitle'));
  sections.push(state.authSection);
  tocItems.push(state.authTocItem);

  state.groups = groups.map((g) => {
    const name = g.name || tr('otherTag');
    const id = `tag-${slug(g.name || 'other')}`;
    const section = h('section', { class: 'doc-section tag-section', id, 'aria-labelledby': `${id}-title` },
      h('h2', { id: `${id}-title`, text: name }));
    const description = g.info ? textBlocks(g.info.description, 'md tag-desc') : null;
    if (description) section.append(description);
    const opList = h('ul', { class: 'toc-ops' });
    for (const o of g.ops) {
      o.article = operationArticle(o);
      section.append(o.article);
      o.tocItem = h('li', { 'data-op': o.id },
        h('a', { href: `#${o.id}` }, methodBadge(o.method), ' ', pathText(o.path, 'toc-path'),
          str(o.op.summary) ? h('span', { class: 'toc-summary', text: o.op.summary }) : null));
      opList.append(o.tocItem);
      o.haystack = normalizeForSearch([
        o.method, o.path, o.op.summary, o.op.description, o.op.operationId, o.tag,
        ...o.params.map((p) => p.name), ...o.security.schemes,
      ].map(str).join(' '));
    }
    const tocItem = tocEntry(`#${id}`, name);
    tocItem.append(opList);
    sections.push(section);
    tocItems.push(tocItem);
    return { ...g, section, tocItem };
  });

  if (!state.ops.length) sections.push(h('p', { class: 'notice', text: tr('noOperations') }));
  body.replaceChildren(...sections);
  toc.replaceChildren(...tocItems);
  $('load-error').hidden = true;
  $('doc').hidden = false;
  applyStaticTexts();
  applyFilter(false);
}

// --------------------------------------------------------------------------- filter

function normalizeForSearch(text) {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

let filterTimer = null;

function applyFilter(speak) {
  const terms = normalizeForSearch($('filter').value).split(/\s+/).filter(Boolean);
  let shown = 0;
  for (const o of state.ops) {
    const match = terms.every((term) => o.haystack.includes(term));
    o.article.hidden = !match;
    o.tocItem.hidden = !match;
    if (match) shown += 1;
  }
  for (const g of state.groups) {
    const any = g.ops.some((o) => !o.article.hidden);
    g.section.hidden = !any;
    g.tocItem.hidden = !any;
  }
  // While filtering, only operations are shown.
  if (state.authSection) state.authSection.hidden = terms.length > 0;
  if (state.authTocItem) state.authTocItem.hidden = terms.length > 0;
  const total = state.ops.length;
  $('filter-count').textContent = total ? tr('filterCount', { shown, total }) : '';
  $('filter-empty').hidden = shown > 0 || !total;
  if (speak) {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => announce(shown ? $('filter-count').textContent : tr('filterNone')), 500);
  }
}

// --------------------------------------------------------------------------- start

function start() {
  renderLayout();
  const initial = pickInitialLanguage({
    query: new URLSearchParams(window.location.search).get('lang'),
    stored: readStoredLanguage(),
    browser: navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language],
  });
  state.lang = initial || 'en';
  state.specUrl = specAddress();
  applyStaticTexts();
  renderLanguageSelect();

  $('lang-select').addEventListener('change', (event) => {
    const lang = normalizeLanguage(event.target.value);
    if (!lang || lang === state.lang) return;
    state.lang = lang;
    storeLanguage(lang);
    const url = new URL(window.location.href);
    url.searchParams.set('lang', lang);
    window.history.replaceState(window.history.state, '', url);
    if (state.doc) renderDocument();
    else if (state.error) renderError();
    applyStaticTexts();
  });

  const filter = $('filter');
  filter.addEventListener('input', () => applyFilter(true));
  filter.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && filter.value) {
      event.preventDefault();
      filter.value = '';
      applyFilter(true);
    }
  });

  $('load-retry').addEventListener('click', () => load());
  load();
}

start();
