import { describe, expect, it } from 'vitest';
import { createLinker } from '../../../src/collectors/gateway/link.ts';
import type { HoopConnection } from '../../../src/providers/hoop/types.ts';
import { SPRAWL_CREDENTIAL_TAG, SPRAWL_TAG, encodeSprawlTag } from '../../../src/providers/hoop/tags.ts';

const ETL = 'aws:111122223333:user/etl';
const OPS = 'aws:111122223333:user/ops';
const inventory = {
  identities: [
    { id: ETL, nativeId: 'arn:aws:iam::111122223333:user/etl', name: 'etl' },
    { id: OPS, nativeId: 'arn:aws:iam::111122223333:user/ops', name: 'ops' },
  ],
  credentials: [
    { id: `${ETL}/key/AKIAFAKEAAAAAAAAAAA2`, identityId: ETL, publicId: 'AKIAFAKEAAAAAAAAAAA2' },
    { id: `${OPS}/key/AKIAFAKEAAAAAAAAAAA3`, identityId: OPS, publicId: 'AKIAFAKEAAAAAAAAAAA3' },
  ],
};
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const conn = (tags: Record<string, string>, keyId?: string): HoopConnection =>
  ({ name: 'c', type: 'custom', connection_tags: tags, secret: keyId ? { 'envvar:AWS_ACCESS_KEY_ID': b64(keyId), 'envvar:AWS_SECRET_ACCESS_KEY': b64('FAKESECRET') } : {} }) as unknown as HoopConnection;

describe('createLinker: which identity and which key a connection acts as', () => {
  const linker = createLinker(inventory, []);
  it.each([
    ['a tag alone names the identity, no key', conn({ [SPRAWL_TAG]: encodeSprawlTag(ETL) }), { identityId: ETL, linkedBy: 'sprawl-tag' }],
    [
      'a tag and a held key of that identity: its sessions use that key',
      conn({ [SPRAWL_TAG]: encodeSprawlTag(ETL) }, 'AKIAFAKEAAAAAAAAAAA2'),
      { identityId: ETL, linkedBy: 'sprawl-tag', credentialId: `${ETL}/key/AKIAFAKEAAAAAAAAAAA2`, secretKey: 'envvar:AWS_ACCESS_KEY_ID' },
    ],
    ['a tag wins over a held key of another identity, which is not attributed', conn({ [SPRAWL_TAG]: encodeSprawlTag(ETL) }, 'AKIAFAKEAAAAAAAAAAA3'), { identityId: ETL, linkedBy: 'sprawl-tag' }],
    [
      'a cloud_principal tag and its identity\'s key',
      conn({ cloud_principal: 'arn:aws:iam::111122223333:user/ops' }, 'AKIAFAKEAAAAAAAAAAA3'),
      { identityId: OPS, linkedBy: 'cloud-principal', credentialId: `${OPS}/key/AKIAFAKEAAAAAAAAAAA3`, secretKey: 'envvar:AWS_ACCESS_KEY_ID' },
    ],
    [
      'the held key alone',
      conn({}, 'AKIAFAKEAAAAAAAAAAA3'),
      { identityId: OPS, linkedBy: 'credential', credentialId: `${OPS}/key/AKIAFAKEAAAAAAAAAAA3`, secretKey: 'envvar:AWS_ACCESS_KEY_ID' },
    ],
    [
      'the credential sprawl tagged, where the secret names no public id (an Azure client secret)',
      conn({ [SPRAWL_TAG]: encodeSprawlTag(ETL), [SPRAWL_CREDENTIAL_TAG]: encodeSprawlTag('AKIAFAKEAAAAAAAAAAA2') }),
      { identityId: ETL, linkedBy: 'sprawl-tag', credentialId: `${ETL}/key/AKIAFAKEAAAAAAAAAAA2`, secretKey: `tag:${SPRAWL_CREDENTIAL_TAG}` },
    ],
    ['a credential tag naming another identity\'s key is not attributed', conn({ [SPRAWL_TAG]: encodeSprawlTag(ETL), [SPRAWL_CREDENTIAL_TAG]: encodeSprawlTag('AKIAFAKEAAAAAAAAAAA3') }), { identityId: ETL, linkedBy: 'sprawl-tag' }],
    ['a credential tag naming no known credential', conn({ [SPRAWL_CREDENTIAL_TAG]: encodeSprawlTag('AKIAFAKEAAAAAAAAAAA9') }), undefined],
    ['nothing that links', conn({ environment: 'prod' }, 'AKIAFAKEAAAAAAAAAAA7'), undefined],
  ])('%s', (_name, c, expected) => {
    expect(linker.staticLink(undefined, c)).toEqual(expected);
  });
});
