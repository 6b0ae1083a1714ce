// An editable combobox with a list popup (WAI-ARIA 1.2 combobox pattern, "list autocomplete
// with manual selection"): a text input with role=combobox that owns a listbox. Typing filters;
// Down/Up (Alt+Down opens) move through the options, which stay in the input's focus
// (aria-activedescendant); Enter or a click chooses; Escape closes the list, a second Escape
// clears the text. How many options there are is said in a polite live region.
import { html, useState, useRef, useEffect, useMemo } from '../lib.js';

/**
 * @param {object} props
 * @param {string} props.id the input's id (the Field's label points at it)
 * @param {(query: string) => {id: string, label: string, detail?: string, extra?: string}[]} props.search
 * @param {{id: string, label: string} | null} props.selected the chosen option
 * @param {(option: object | null) => void} props.onSelect
 * @param {string} props.listLabel the listbox's accessible name
 */
export function Combobox({ id, name, describedBy, invalid, required, search, selected, onSelect, listLabel,
  countText, disabled = false }) {
  const [text, setText] = useState(selected?.label || '');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const listRef = useRef(null);
  const options = useMemo(() => (open ? search(text === selected?.label ? '' : text) : []), [open, text, search, selected]);
  const listId = `${id}-list`;
  const statusId = `${id}-status`;

  // The chosen option's label in the input (also when its language changes); typing over it
  // clears the choice, and leaves the text as typed.
  useEffect(() => { if (selected) setText(selected.label); }, [selected?.id, selected?.label]);
  useEffect(() => { setActive((a) => (a >= options.length ? options.length - 1 : a)); }, [options.length]);
  useEffect(() => {
    if (active < 0 || !listRef.current) return;
    listRef.current.querySelector(`[data-index="${active}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  // Opened over a chosen option, the list starts on it (the whole list: the text is its label).
  function chosenIndex() {
    return selected ? search('').findIndex((option) => option.id === selected.id) : -1;
  }

  function choose(option) {
    setText(option.label);
    setOpen(false);
    setActive(-1);
    onSelect(option);
  }

  function keyDown(event) {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      if (!open) {
        setOpen(true);
        setActive(event.altKey ? -1 : Math.max(0, chosenIndex()));
      } else if (options.length) setActive((a) => (a + 1) % options.length);
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      if (!open) {
        setOpen(true);
        setActive(chosenIndex());
      } else if (options.length) setActive((a) => (a <= 0 ? options.length - 1 : a - 1));
    } else if (event.key === 'Enter') {
      if (open && active >= 0 && options[active]) {
        event.preventDefault();
        choose(options[active]);
      } else if (open) {
        event.preventDefault(); // Enter in an open list never submits the form
      }
    } else if (event.key === 'Escape') {
      if (open) {
        event.preventDefault();
        event.stopPropagation();
        setOpen(false);
        setActive(-1);
      } else if (text) {
        event.preventDefault();
        setText('');
        if (selected) onSelect(null);
      }
    } else if (event.key === 'Tab') {
      setOpen(false);
    }
  }

  function input(event) {
    const value = event.currentTarget.value;
    setText(value);
    setOpen(true);
    setActive(value.trim() ? 0 : -1);
    if (selected && value !== selected.label) onSelect(null);
  }

  const expanded = open && options.length > 0;
  const activeId = expanded && active >= 0 ? `${id}-option-${options[active].id}` : undefined;
  return html`<div class="combobox">
    <input id=${id} name=${name} type="text" role="combobox" autocomplete="off" spellcheck="false"
      aria-autocomplete="list" aria-expanded=${expanded ? 'true' : 'false'} aria-controls=${listId}
      aria-activedescendant=${activeId} aria-describedby=${describedBy}
      aria-invalid=${invalid} aria-required=${required ? 'true' : undefined} disabled=${disabled}
      value=${text} onInput=${input} onKeyDown=${keyDown}
      onFocus=${(e) => e.currentTarget.select()}
      onBlur=${() => { setOpen(false); setActive(-1); }} />
    <ul id=${listId} role="listbox" aria-label=${listLabel} ref=${listRef} class="combobox-list" hidden=${!expanded}>
      ${expanded ? options.map((option, index) => html`<li id=${`${id}-option-${option.id}`} role="option"
        data-index=${index} aria-selected=${index === active ? 'true' : 'false'}
        class=${index === active ? 'active' : ''}
        onMouseDown=${(e) => e.preventDefault()} onClick=${() => choose(option)}>
        <span class="combobox-label">${option.label}</span>
        ${option.extra ? html` <span class="combobox-extra">(${option.extra})</span>` : null}
        ${option.detail ? html`<span class="combobox-detail">${option.detail}</span>` : null}
      </li>`) : null}
    </ul>
    <p id=${statusId} class="visually-hidden" role="status">${open ? countText(options.length) : ''}</p>
  </div>`;
}
