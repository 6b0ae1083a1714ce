// Finding a category as the operator types: in either Serbian script, in any of the five
// languages, by its name, keywords, description or group. Both the typed text and every text of a
// category are reduced to one skeleton before they are compared: lower case, Cyrillic written in
// Latin letters (Serbian letters as Serbian Latin, the Bulgarian ones by their usual
// transliteration), diacritics dropped (č, ć -> c; ř -> r; ů -> u), đ as dj and the Latin
// digraphs sh, ch, zh as s, c, z. So `rasveta`, `расвета`, `svetlo`, `osvetleni` and `lamp` all
// find street lighting, and `ulicno` finds `улично`.

const CYRILLIC = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', ђ: 'dj', е: 'e', ж: 'z', з: 'z', и: 'i', ј: 'j', к: 'k',
  л: 'l', љ: 'lj', м: 'm', н: 'n', њ: 'nj', о: 'o', п: 'p', р: 'r', с: 's', т: 't', ћ: 'c', у: 'u',
  ф: 'f', х: 'h', ц: 'c', ч: 'c', џ: 'dz', ш: 's',
  // Bulgarian letters Serbian does not have
  й: 'j', щ: 'st', ъ: 'a', ь: '', ю: 'ju', я: 'ja', ѝ: 'i',
};
const LATIN = { đ: 'dj', ß: 'ss', ł: 'l', ø: 'o', æ: 'ae', œ: 'oe' };

/** The skeleton of `text` that the typed text and the categories' texts are compared in. */
export function fold(text) {
  let out = '';
  for (const ch of String(text || '').toLowerCase()) {
    if (CYRILLIC[ch] !== undefined) out += CYRILLIC[ch];
    else if (LATIN[ch] !== undefined) out += LATIN[ch];
    else out += ch;
  }
  return out.normalize('NFD').replace(/[\u0300-\u036f]/g, '')
    .replace(/sh/g, 's').replace(/ch/g, 'c').replace(/zh/g, 'z')
    .replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

//: How well a word matched, by where: a lower number ranks first.
const WEIGHT = { name: 0, keyword: 2, group: 4, description: 5 };

/** Every text a category is found by, folded once (GET /v1/admin/categories' `names`,
 * `keywords`, `descriptions` and its group's `names`). */
export function searchable(answer) {
  const groups = Object.fromEntries((answer.groups || []).map((g) => [g.id, g]));
  return (answer.categories || []).map((category) => {
    const texts = [];
    const add = (kind, lang, text) => {
      const folded = fold(text);
      if (folded) texts.push({ kind, lang, text, folded, words: folded.split(' ') });
    };
    for (const [lang, name] of Object.entries(category.names || {})) add('name', lang, name);
    for (const [lang, words] of Object.entries(category.keywords || {})) {
      for (const word of words) add('keyword', lang, word);
    }
    for (const [lang, name] of Object.entries(groups[category.group]?.names || {})) add('group', lang, name);
    for (const [lang, text] of Object.entries(category.descriptions || {})) add('description', lang, text);
    return { category, group: groups[category.group] || null, texts };
  });
}

const CYRILLIC_LETTER = /\p{Script=Cyrillic}/u;

function before(a, b) {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}

/** The best text of a category for one typed word: the lowest weight; among equals the one the
 * word is a whole word of, then one in the script it was typed in, then the staff's language. */
function bestFor(word, texts, cyrillic, language) {
  let best = null;
  for (const entry of texts) {
    let score = null;
    if (entry.words.some((w) => w.startsWith(word))) score = WEIGHT[entry.kind];
    else if (entry.kind !== 'description' && entry.folded.includes(word)) score = WEIGHT[entry.kind] + 1;
    if (score === null) continue;
    const rank = [score, entry.words.includes(word) ? 0 : 1,
      CYRILLIC_LETTER.test(entry.text) === cyrillic ? 0 : 1, entry.lang === language ? 0 : 1];
    if (best === null || before(rank, best.rank)) best = { score, rank, entry };
  }
  return best;
}

/** The categories that match `query` (every typed word somewhere), best first, each with the
 * text it matched by (to show when that is not its name in the staff member's language);
 * all categories, by name, for an empty query. `allowed(category)` narrows the list. */
export function findCategories(index, query, language, allowed = () => true) {
  const words = fold(query).split(' ').filter(Boolean);
  const cyrillic = CYRILLIC_LETTER.test(query);
  const found = [];
  for (const item of index) {
    if (!allowed(item.category)) continue;
    if (!words.length) {
      found.push({ ...item, score: 0, matched: null });
      continue;
    }
    let score = 0;
    let matched = null;
    let all = true;
    for (const word of words) {
      const best = bestFor(word, item.texts, cyrillic, language);
      if (!best) {
        all = false;
        break;
      }
      score += best.score;
      if (!matched || before(best.rank, matched.rank)) matched = best;
    }
    if (all) found.push({ ...item, score, matched: matched.entry });
  }
  const collator = new Intl.Collator(language);
  found.sort((a, b) => a.score - b.score || collator.compare(a.category.name, b.category.name));
  return found.map(({ category, group, matched }) => ({
    category,
    group,
    // what to show beside the name: the name or keyword found, when it is not the name on screen
    matchedText: matched && matched.kind !== 'description' && matched.folded !== fold(category.name)
      ? matched.text : null,
  }));
}
