// privacy.html and accessibility.html (issue 16, item 8): the privacy notice (GDPR Articles 13
// and 14; the Serbian ZZPL, the Bulgarian ZZLD, the Czech Act No. 110/2019 Coll.) and the
// accessibility statement (the model of Commission Implementing Decision (EU) 2018/1523 under
// Directive (EU) 2016/2102). The texts are the portal's, in five languages; the facts (who to
// write to, how long cases are kept, the statement's date and status) are the municipality's
// configuration, and the laws named follow its country.

import { h } from './dom.js';
import { page, startPage } from './page.js';
import { intlLocale } from './i18n.js';

const PRIVACY = document.body.dataset.page === 'privacy.html';
const COUNTRIES = ['RS', 'BG', 'CZ'];

function byCountry(key) {
  const country = page.municipality && page.municipality.country;
  return page.t(`${key}_${COUNTRIES.includes(country) ? country : 'other'}`);
}

/** The national law beside the Directive, for the countries we know (else nothing). */
function nationalLaw() {
  const country = page.municipality && page.municipality.country;
  return COUNTRIES.includes(country) ? page.t(`a11yLaw_${country}`) : '';
}

function plural(key, count) {
  const rules = new Intl.PluralRules(page.lang.startsWith('sr') ? 'sr' : page.lang);
  return page.t(`${key}_${rules.select(count)}`, { count });
}

function mail(address) {
  return address ? h('a', { href: `mailto:${address}`, text: address }) : null;
}

function phone(number) {
  return number ? h('a', { href: `tel:${number.replace(/[^+0-9]/g, '')}`, text: number }) : null;
}

/** A paragraph of `text` with its {placeholders} replaced by the given nodes (links). */
function paragraph(key, values, nodes = {}) {
  const text = page.t(key, values);
  const parts = text.split(/\{(\w+)\}/);
  return h('p', {}, ...parts.map((part, i) => (i % 2 ? nodes[part] || '' : part)));
}

function section(id, titleKey, ...children) {
  return h('section', { 'aria-labelledby': id },
    h('h2', { id, text: page.t(titleKey) }), ...children);
}

function phoneSuffix(key, number) {
  return number ? paragraphNodes(page.t(key, { phone: '{phone}' }), { phone: phone(number) }) : [];
}

function paragraphNodes(text, nodes) {
  return text.split(/\{(\w+)\}/).map((part, i) => (i % 2 ? nodes[part] || '' : part));
}

function privacy(m) {
  const info = m.privacy || {};
  const name = m.name || 'CivicDesk';
  const general = m.general_address || '';
  const officer = info.officer_email || info.officer_phone;
  return [
    h('p', { class: 'lead', text: page.t('privacyIntro', { municipality: name }) }),
    section('p-controller', 'privacyControllerTitle',
      h('p', {}, ...paragraphNodes(page.t('privacyController', { municipality: name, email: '{email}', phone: '{phone}' }), {
        email: mail(general), phone: h('span', {}, ...phoneSuffix('privacyPhoneSuffix', m.phone)),
      }))),
    section('p-what', 'privacyWhatTitle',
      h('ul', {}, ...['privacyWhatCase', 'privacyWhatContact', 'privacyWhatTechnical'].map((key) => h('li', { text: page.t(key) })))),
    section('p-why', 'privacyWhyTitle', h('p', { text: page.t('privacyWhy') }), h('p', { text: page.t('privacyPublic') })),
    section('p-basis', 'privacyBasisTitle', h('p', { text: byCountry('privacyBasis') })),
    section('p-recipients', 'privacyRecipientsTitle', h('p', { text: page.t('privacyRecipients') })),
    section('p-retention', 'privacyRetentionTitle', h('p', {
      text: page.t('privacyRetention', {
        years: plural('portal_years', Number(info.case_retention_years) || 10),
        days: plural('portal_days', Number(info.log_retention_days) || 90),
      }),
    })),
    section('p-rights', 'privacyRightsTitle', h('p', { text: page.t('privacyRights') }), h('p', { text: byCountry('privacyComplaint') })),
    section('p-officer', 'privacyOfficerTitle', officer
      ? h('dl', { class: 'facts' },
        info.officer_name ? h('div', {}, h('dt', { text: page.t('nameLabel') }), h('dd', { text: info.officer_name })) : null,
        info.officer_email ? h('div', {}, h('dt', { text: page.t('emailLabel') }), h('dd', {}, mail(info.officer_email))) : null,
        info.officer_phone ? h('div', {}, h('dt', { text: page.t('portal_phoneLabel') }), h('dd', {}, phone(info.officer_phone))) : null)
      : paragraph('privacyOfficerNone', { email: '{email}' }, { email: mail(general) })),
  ];
}

function formatDay(iso) {
  const date = new Date(`${iso}T12:00:00Z`);
  if (!iso || Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(intlLocale(page.lang), { dateStyle: 'long', timeZone: 'UTC' }).format(date);
}

function accessibility(m) {
  const info = m.accessibility || {};
  const name = m.name || 'CivicDesk';
  const status = ['full', 'partial', 'none'].includes(info.status) ? info.status : 'partial';
  const date = formatDay(info.statement_date);
  const contact = info.contact_email || m.general_address || '';
  return [
    h('p', { class: 'lead', text: page.t('a11yIntro', { municipality: name, law: nationalLaw() }) }),
    section('a-status', 'a11yStatusTitle', h('p', { text: page.t(`a11yStatus_${status}`) })),
    status === 'full' ? null : section('a-gaps', 'a11yGapsTitle',
      h('ul', {}, ...['a11yGapMap', 'a11yGapAttachments', 'a11yGapThirdParty'].map((key) => h('li', { text: page.t(key) })))),
    section('a-prepared', 'a11yPreparedTitle', h('p', { text: page.t('a11yPrepared', { date }) })),
    section('a-feedback', 'a11yFeedbackTitle',
      h('p', {}, ...paragraphNodes(page.t('a11yFeedback', { email: '{email}', phone: '{phone}' }), {
        email: mail(contact), phone: h('span', {}, ...phoneSuffix('privacyPhoneSuffix', m.phone)),
      }))),
    section('a-enforcement', 'a11yEnforcementTitle', h('p', { text: byCountry('a11yEnforcement') })),
    date ? h('p', { class: 'hint' }, `${page.t('a11yDateLabel')}: `, h('time', { datetime: info.statement_date, text: date })) : null,
  ];
}

function render() {
  const m = page.municipality || {};
  document.getElementById('legal-text').replaceChildren(...(PRIVACY ? privacy(m) : accessibility(m)).filter(Boolean));
}

startPage({
  titleKey: PRIVACY ? 'privacyTitle' : 'a11yTitle',
  loadData: async () => ({}),
  render,
  onTexts: () => {
    if (page.municipality) render();
  },
});
