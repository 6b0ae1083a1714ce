// The API's refusals in the staff member's words (the console sends Accept-Language): an
// `ApiError` carries the API's `fields` (`[{field, code, message}]` of a 400 validation_failed)
// and its message (docs/api.md, "Errors").
import { errorText } from '../ui.js';

function fieldsOf(error) {
  return error?.fields || [];
}

/** The API's own words for a failed call: its fields' messages, else its message. */
export function apiMessage(error) {
  const fields = fieldsOf(error);
  if (fields.length) return fields.map((f) => f.message || f.code).join(' ');
  return errorText(error);
}

/** `{field: message}` of a refusal (`location`, `requester.phone`, …). */
export function fieldErrors(error) {
  const out = {};
  for (const item of fieldsOf(error)) out[item.field] ||= item.message || item.code;
  return out;
}
