// Small helpers of the intake form: a lookup that waits until the operator pauses typing, what
// a phone number or an e-mail address must look like before it is looked up, the local time
// for a datetime-local field, and a fresh Idempotency-Key.
import { useEffect, useState } from '../lib.js';

/**
 * The answer of `fetcher()` for `key`, asked `delay` ms after `key` last changed: null while
 * `key` is null, else `{loading, data, error}`. An answer for an older key is dropped. With
 * `keep`, the previous answer stays on screen while the next one loads.
 */
export function useLookup(key, fetcher, delay, { keep = false } = {}) {
  const [state, setState] = useState(null);
  useEffect(() => {
    if (key === null) {
      setState(null);
      return undefined;
    }
    let live = true;
    setState((previous) => ({ loading: true, data: keep ? previous?.data ?? null : null,
      error: keep ? previous?.error ?? null : null }));
    const timer = setTimeout(() => {
      fetcher().then((data) => { if (live) setState({ loading: false, data, error: null }); },
        (error) => { if (live) setState({ loading: false, data: null, error }); });
    }, delay);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key]);
  return state;
}

//: Digits a national number has at least before it is looked up (the API checks it properly).
const PHONE_DIGITS = 9;

/** Whether `text` looks like a whole phone number (the API's pattern, enough digits). */
export function validPhone(text) {
  const value = String(text || '').trim();
  return /^\+?[0-9][0-9 ()./-]{4,38}$/.test(value) && value.replace(/\D/g, '').length >= PHONE_DIGITS;
}

export function validEmail(text) {
  return /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/.test(String(text || '').trim());
}

/** `date` as a datetime-local field's value (local time, to the minute). */
export function localInput(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A new Idempotency-Key (the API takes 8-100 letters, digits and dashes). */
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}
