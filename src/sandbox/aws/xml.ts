/** Small helpers to write the AWS query protocol's XML by hand (no dependency, streaming-friendly). */
import type { PolicyDocument } from './policies.ts';

export const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
export const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** `<Name>value</Name>`, or nothing when the value is undefined. */
export function el(name: string, value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  return `<${name}>${esc(String(value))}</${name}>`;
}

/** `<Name>inner</Name>` with already-built XML inside. */
export function wrap(name: string, inner: string): string {
  return inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>`;
}

/** A query-protocol list: `<Name><member>..</member>..</Name>`, `<Name/>` when empty. */
export function members<T>(name: string, items: readonly T[], render: (item: T) => string): string {
  if (items.length === 0) return `<${name}/>`;
  let out = `<${name}>`;
  for (const item of items) out += `<member>${render(item)}</member>`;
  return out + `</${name}>`;
}

export function response(op: string, ns: string, result: string | undefined, requestId: string): string {
  const body = result === undefined ? '' : `<${op}Result>${result}</${op}Result>`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${op}Response xmlns="${ns}">${body}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${op}Response>\n`;
}

export function errorResponse(ns: string, type: 'Sender' | 'Receiver', code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${ns}"><Error><Type>${type}</Type><Code>${esc(code)}</Code><Message>${esc(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>\n`;
}

const encoded = new WeakMap<PolicyDocument, string>();

/** Policy documents travel URL-encoded, as real IAM sends them. Cached per (shared) document. */
export function encodePolicy(doc: PolicyDocument): string {
  let e = encoded.get(doc);
  if (e === undefined) {
    e = encodeURIComponent(JSON.stringify(doc));
    encoded.set(doc, e);
  }
  return e;
}
