// The queue's filter bar: every control changes the URL at once (the page on screen follows the
// URL), so a filtered queue is a link and the browser's back and reload keep it.
import { html } from '../lib.js';
import { t } from '../i18n.js';
import { Field } from '../ui.js';
import { CHANNELS, CLOSED_STATUSES, OPEN_STATUSES, PAGE_SIZES, TYPES } from './data.js';

function statusesOf(state) {
  if (state === 'closed') return CLOSED_STATUSES;
  if (state === 'all') return [...OPEN_STATUSES, ...CLOSED_STATUSES];
  return OPEN_STATUSES;
}

function Choice({ label, name, value, onChange, children }) {
  return html`<${Field} label=${label}>${({ id }) => html`
    <select id=${id} name=${name} value=${value || ''} onChange=${(e) => onChange(name, e.currentTarget.value)}>
      ${children}
    </select>`}</${Field}>`;
}

/** `filters` as in the URL, `set(name, value)` changes one (and `set(changes)` several). */
export function QueueFilters({ filters, set, departments, categories, colleagues, limited, canListStaff, onReset }) {
  const state = filters.state || 'open';
  const chosen = new Set((filters.status || '').split(',').filter(Boolean));
  const department = filters.department || '';
  const shownCategories = department ? categories.filter((c) => c.department === department) : categories;
  const toggle = (status, on) => {
    const next = statusesOf(state).filter((s) => (s === status ? on : chosen.has(s)));
    set('status', next.join(','));
  };
  const changeState = (name, value) => {
    const keep = [...chosen].filter((s) => statusesOf(value).includes(s));
    set({ state: value === 'open' ? '' : value, status: keep.join(',') });
  };
  const changeDepartment = (name, value) => {
    const category = filters.category && value
      && !categories.some((c) => c.id === filters.category && c.department === value) ? '' : filters.category;
    set({ department: value, category });
  };
  const allDepartments = !limited || filters.assignee;
  return html`<form class="card queue-filters" aria-label=${t('queue.filters')} onSubmit=${(e) => e.preventDefault()}>
    <div class="filter-grid">
      <${Choice} label=${t('queue.filter.department')} name="department" value=${department} onChange=${changeDepartment}>
        ${allDepartments ? html`<option value="">${limited ? t('queue.filter.my_departments') : t('queue.filter.any_department')}</option>` : null}
        ${departments.map((d) => html`<option value=${d.id}>${d.name}</option>`)}
      </${Choice}>
      <${Choice} label=${t('queue.filter.assignee')} name="assignee" value=${filters.assignee} onChange=${set}>
        <option value="">${t('queue.filter.anyone')}</option>
        <option value="me">${t('queue.filter.mine')}</option>
        ${canListStaff ? colleagues.map((c) => html`<option value=${c.username}>${c.name}</option>`) : null}
      </${Choice}>
      <${Choice} label=${t('queue.filter.state')} name="state" value=${state} onChange=${changeState}>
        <option value="open">${t('queue.state.open')}</option>
        <option value="closed">${t('queue.state.closed')}</option>
        <option value="all">${t('queue.state.all')}</option>
      </${Choice}>
      <${Choice} label=${t('queue.filter.type')} name="type" value=${filters.type} onChange=${set}>
        <option value="">${t('queue.filter.any_type')}</option>
        ${TYPES.map((v) => html`<option value=${v}>${t(`case.type.${v}`)}</option>`)}
      </${Choice}>
      <${Choice} label=${t('queue.filter.channel')} name="channel" value=${filters.channel} onChange=${set}>
        <option value="">${t('queue.filter.any_channel')}</option>
        ${CHANNELS.map((v) => html`<option value=${v}>${t(`case.channel.${v}`)}</option>`)}
      </${Choice}>
      <${Choice} label=${t('queue.filter.category')} name="category" value=${filters.category} onChange=${set}>
        <option value="">${t('queue.filter.any_category')}</option>
        ${shownCategories.map((c) => html`<option value=${c.id}>${c.name}</option>`)}
      </${Choice}>
      <${Field} label=${t('queue.filter.from')}>${({ id }) => html`
        <input id=${id} name="from" type="date" value=${filters.from || ''} max=${filters.to || undefined}
          onChange=${(e) => set('from', e.currentTarget.value)} />`}</${Field}>
      <${Field} label=${t('queue.filter.to')}>${({ id }) => html`
        <input id=${id} name="to" type="date" value=${filters.to || ''} min=${filters.from || undefined}
          onChange=${(e) => set('to', e.currentTarget.value)} />`}</${Field}>
      <${Choice} label=${t('queue.filter.order')} name="order" value=${filters.order || 'asc'} onChange=${(n, v) => set(n, v === 'asc' ? '' : v)}>
        <option value="asc">${t('queue.order.asc')}</option>
        <option value="desc">${t('queue.order.desc')}</option>
      </${Choice}>
      <${Choice} label=${t('queue.filter.limit')} name="limit" value=${filters.limit || '25'} onChange=${(n, v) => set(n, v === '25' ? '' : v)}>
        ${PAGE_SIZES.map((v) => html`<option value=${v}>${v}</option>`)}
      </${Choice}>
    </div>
    <fieldset class="status-choices">
      <legend>${t('queue.filter.status')}</legend>
      ${statusesOf(state).map((s) => html`<label key=${s} class="check">
        <input type="checkbox" name="status" value=${s} checked=${chosen.has(s)}
          onChange=${(e) => toggle(s, e.currentTarget.checked)} />
        ${t(`case.status.${s}`)}</label>`)}
    </fieldset>
    <button type="button" class="button-quiet" onClick=${onReset}>${t('queue.filter.reset')}</button>
  </form>`;
}
