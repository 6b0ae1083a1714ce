// The API's error shape (docs/api.md, "Errors"): `{"error": {"code", "message", "fields": [{field,
// code, message}]}}`, in the staff member's language (the console sends Accept-Language).
import { errorText } from '../ui.js';

function inner(error) {
  const body = error?.body;
  return body && typeof body.error === 'object' && body.error ? body.error : null;
}

/** The API's own words for a failed call (its first field's message, else its message). */
export function apiMessage(error) {
  const found = inner(error);
  if (found?.fields?.length) return found.fields.map((f) => f.message).join(' ');
  return found?.message || errorText(error);
}

/** `{field: message}` of a 400 `validation_failed` answer (`location`, `requester.phone`, …). */
export function fieldErrors(error) {
  const found = inner(error);
  const out = {};
  for (const item of found?.fields || []) out[item.field] ||= item.message;
  return out;
}

export function errorCode(error) {
  return inner(error)?.code || null;
}
