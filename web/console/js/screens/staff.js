// The staff list (staff.list): names, usernames, e-mail, roles and departments, filtered by role
// and department (in the URL, so a filtered list can be bookmarked); a colleague's open cases
// (GET /v1/admin/cases?assignee=) open from their name, each linking to its case.
import { html, useRef, useEffect } from '../lib.js';
import { api } from '../api.js';
import { t, formatDateTime } from '../i18n.js';
import { href, navigate } from '../router.js';
import { Field, Page, Spinner, StatusBadge, useLoad } from '../ui.js';
import { Pager, ProblemAlert, useCursorPages } from '../admin/parts.js';

const ROLES = ['operator', 'department_agent', 'supervisor', 'administrator'];
const CASES_PAGE = 25;

function MemberCases({ member, onClose }) {
  const pages = useCursorPages(member.username);
  const heading = useRef(null);
  const { data, error, loading } = useLoad(() => api.get('/v1/admin/cases', {
    assignee: member.username, state: 'open', limit: CASES_PAGE, cursor: pages.cursor }), [member.username, pages.cursor]);
  useEffect(() => { heading.current?.focus(); }, [member.username]);
  const items = data?.items || [];
  const name = member.name || member.username;
  return html`<section class="card" aria-labelledby="staff-cases-title">
    <div class="admin-card-head">
      <h2 id="staff-cases-title" tabindex="-1" ref=${heading}>${t('staff.cases.title', { name })}</h2>
      <button type="button" class="button-quiet" onClick=${onClose}>${t('staff.cases.close')}</button>
    </div>
    <${ProblemAlert} error=${error} />
    ${loading && !data ? html`<${Spinner} />` : null}
    <p class="muted" role="status">${data ? (items.length ? t('staff.cases.count', { count: items.length }) : t('staff.cases.empty', { name })) : ''}</p>
    ${items.length ? html`<div class="table-wrap"><table class="admin-table">
      <thead><tr>
        <th scope="col">${t('staff.col.number')}</th>
        <th scope="col">${t('staff.col.case')}</th>
        <th scope="col">${t('staff.col.status')}</th>
        <th scope="col">${t('staff.col.department')}</th>
        <th scope="col">${t('staff.col.created')}</th>
      </tr></thead>
      <tbody>${items.map((c) => html`<tr>
        <td class="admin-nowrap"><a href=${href(`/cases/${c.number}`)}>${c.number}</a></td>
        <td class="admin-wrap"><div>${c.category_name}</div><div class="muted admin-small">${c.excerpt}</div></td>
        <td><${StatusBadge} status=${c.status} name=${c.status_name} /></td>
        <td>${c.department_name}</td>
        <td>${formatDateTime(c.created_at)}</td>
      </tr>`)}</tbody>
    </table></div>` : null}
    <${Pager} pages=${pages} nextCursor=${data?.next_cursor} busy=${loading} />
  </section>`;
}

export function StaffScreen({ query }) {
  const role = ROLES.includes(query.role) ? query.role : '';
  const department = query.department || '';
  const known = useRef([]);
  const { data, error, loading } = useLoad(() => api.get('/v1/admin/staff', { role, department }), [role, department]);
  if (data?.departments) known.current = data.departments;
  const items = [...(data?.items || [])].sort((a, b) => (a.name || a.username).localeCompare(b.name || b.username));
  const selected = items.find((m) => m.username === query.member) || null;
  const go = (changes) => navigate('/staff', { role, department, member: query.member, ...changes }, { replace: true });

  return html`<${Page} title=${t('staff.title')}>
    <form class="card inline admin-filters" role="search" aria-label=${t('staff.filters')} onSubmit=${(e) => e.preventDefault()}>
      <${Field} label=${t('staff.role')}>${({ id }) => html`
        <select id=${id} name="role" value=${role} onChange=${(e) => go({ role: e.currentTarget.value })}>
          <option value="">${t('staff.role.all')}</option>
          ${ROLES.map((r) => html`<option value=${r}>${t(`staff.role.${r}`)}</option>`)}
        </select>`}</${Field}>
      <${Field} label=${t('staff.department')}>${({ id }) => html`
        <select id=${id} name="department" value=${department} aria-describedby="staff-department-hint"
          onChange=${(e) => go({ department: e.currentTarget.value })}>
          <option value="">${t('staff.department.all')}</option>
          ${known.current.map((d) => html`<option value=${d.id}>${d.name}</option>`)}
        </select>`}</${Field}>
      <p class="hint admin-filter-hint" id="staff-department-hint">${t('staff.department.hint')}</p>
    </form>
    <${ProblemAlert} error=${error} />
    ${loading && !data ? html`<${Spinner} />` : null}
    <div class=${`admin-master-detail${selected ? ' has-detail' : ''}`}>
      <section aria-labelledby="staff-list-title">
        <h2 id="staff-list-title" class="admin-sr-only">${t('staff.list')}</h2>
        <p class="muted" role="status">${data ? (items.length ? t('staff.count', { count: items.length }) : t('staff.empty')) : ''}</p>
        ${items.length ? html`<div class="table-wrap"><table class="admin-table staff-table" aria-busy=${loading ? 'true' : 'false'}>
          <thead><tr>
            <th scope="col">${t('staff.col.name')}</th>
            <th scope="col">${t('staff.col.username')}</th>
            <th scope="col">${t('staff.col.email')}</th>
            <th scope="col">${t('staff.col.roles')}</th>
            <th scope="col">${t('staff.col.departments')}</th>
          </tr></thead>
          <tbody>${items.map((m) => html`<tr class=${m === selected ? 'admin-selected' : ''}>
            <th scope="row"><button type="button" class="admin-link" aria-pressed=${m === selected ? 'true' : 'false'}
              title=${t('staff.show_cases', { name: m.name || m.username })}
              onClick=${() => go({ member: m.username })}>${m.name || m.username}</button></th>
            <td class="admin-code">${m.username}</td>
            <td class="admin-wrap">${m.email ? html`<a href=${`mailto:${m.email}`}>${m.email}</a>` : null}</td>
            <td>${(m.role_names || m.roles).join(', ')}</td>
            <td>${m.departments.length ? (m.department_names || m.departments).join(', ')
              : m.roles.some((r) => r !== 'department_agent') ? html`<span class="muted">${t('staff.every_department')}</span>` : '–'}</td>
          </tr>`)}</tbody>
        </table></div>` : null}
      </section>
      ${selected ? html`<${MemberCases} key=${selected.username} member=${selected} onClose=${() => go({ member: undefined })} />` : null}
    </div>
  </${Page}>`;
}
