/**
 * The `sprawl-identity` connection tag: which sprawl identity a hoop connection acts as.
 *
 * Hoop tag values are 1-256 characters of `[A-Za-z0-9 -_+=@/:]` and may not contain `.`
 * (gateway/api/connections/helpers.go), but identity ids often do (`gcp:p:sa/etl@p.iam.gserviceaccount.com`).
 * Encoding: `s1:` followed by the base64url (no padding) of the UTF-8 id. `s1:`, `-` and `_` are
 * all allowed characters. A value without the `s1:` prefix is read as a literal id (hand-written
 * tags of ids without a dot, such as `aws:123456789012:user/etl`).
 */

export const SPRAWL_TAG = 'sprawl-identity';
/**
 * The `sprawl-credential` connection tag: the public id of the credential sprawl put into the
 * connection (an Azure client secret's keyId, a GCP key id, an AWS key id), encoded like the
 * identity. Scans read it where the secret itself names no public id or the gateway hides values.
 */
export const SPRAWL_CREDENTIAL_TAG = 'sprawl-credential';
const PREFIX = 's1:';
/** Hoop's tag value rule (with `.` excluded, as the reference notes). */
export const TAG_VALUE_RE = /^[A-Za-z0-9 \-_+=@/:]{1,256}$/;

export function encodeSprawlTag(identityId: string): string {
  return PREFIX + Buffer.from(identityId, 'utf8').toString('base64url');
}

export function decodeSprawlTag(value: string): string | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  if (!v.startsWith(PREFIX)) return v;
  const body = v.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) return undefined;
  const id = Buffer.from(body, 'base64url').toString('utf8');
  return id === '' || id.includes('\uFFFD') ? undefined : id;
}
