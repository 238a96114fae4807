// Every field's own rule (required, a whole number within bounds, steps) is said beside the field,
// in the UI's language: the browser's bubble ("Fill out this field", in the system's language) is
// never shown, and what was typed stays. Forms check on submit as usual (their `invalid` events are
// caught here); fields outside a form are checked with `fieldsOk` before anything is sent.
import { t } from '../i18n/index.svelte';

/** What is wrong with a field's value, in words, or null. */
export function problemOf(el: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement): string | null {
  const v = el.validity;
  if (v.valid) return null;
  if (v.valueMissing) return t('check.required');
  if (el instanceof HTMLInputElement && el.type === 'number') {
    if (v.badInput) return t('check.wholeNumber');
    const range = { min: el.min, max: el.max };
    if (v.rangeUnderflow || v.rangeOverflow) return t('check.range', range);
    if (v.stepMismatch) {
      const step = Number(el.step || '1');
      return step === 1 ? t('check.wholeNumber') : t('check.step', { ...range, step });
    }
  }
  if (v.tooShort) return t('check.tooShort', { min: String((el as HTMLInputElement).minLength) });
  return t('check.invalid');
}

let next = 0;

/** Shows (or, when `text` is null, clears) a problem right after the field, tied to it for screen readers. */
export function showProblem(el: HTMLElement, text: string | null): void {
  if (!el.id) el.id = `field-${++next}`;
  const id = `${el.id}-problem`;
  let note = document.getElementById(id);
  if (text === null) {
    note?.remove();
    el.removeAttribute('aria-invalid');
    return;
  }
  if (!note) {
    note = document.createElement('span');
    note.id = id;
    note.className = 'field-problem';
    note.setAttribute('role', 'alert');
    el.insertAdjacentElement('afterend', note);
  }
  note.textContent = text;
  el.setAttribute('aria-invalid', 'true');
  el.setAttribute('aria-describedby', id);
}

function isField(target: EventTarget | null): target is HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement {
  return target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement;
}

/** Replaces the browser's bubbles with messages beside the fields, for the whole document. */
export function installFieldChecks(root: Document = document): void {
  root.addEventListener(
    'invalid',
    (event) => {
      event.preventDefault();
      if (isField(event.target)) showProblem(event.target, problemOf(event.target));
    },
    true,
  );
  // A field that was refused is cleared of its message once it holds a good value again.
  root.addEventListener(
    'input',
    (event) => {
      if (isField(event.target) && event.target.getAttribute('aria-invalid') === 'true' && event.target.validity.valid) {
        showProblem(event.target, null);
      }
    },
    true,
  );
}

/** Checks fields that are not in a submitted form; each one at fault says so beside itself. */
export function fieldsOk(...fields: (HTMLInputElement | null | undefined)[]): boolean {
  let ok = true;
  for (const field of fields) {
    if (field && !field.checkValidity()) ok = false;
  }
  return ok;
}
