import { createCipheriv, createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/** Root (setup-only) credentials and endpoint of a MinIO server's admin API. */
export interface MinioAdminTarget {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** SigV4 region; default `us-east-1`. */
  region?: string;
}

// madmin's payload format (sio stream, PBKDF2 variant, which every MinIO server decrypts):
// salt(32) | id 0x02 (pbkdf2 + AES-256-GCM) | nonce(8) | sio fragments of 16 KiB, each sealed with nonce‖LE32(seq).
const SIO_BUF = 1 << 14;
const PBKDF2_AES_GCM = 0x02;

function seal(key: Buffer, nonce: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(aad);
  return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
}

/** Encrypts an admin request body the way madmin.EncryptData does, keyed by the caller's secret key. */
export function encryptAdminPayload(password: string, data: Buffer): Buffer {
  const salt = randomBytes(32);
  const nonce8 = randomBytes(8);
  const key = pbkdf2Sync(password, salt, 8192, 32, 'sha256');
  const nonceFor = (seq: number) => {
    const n = Buffer.alloc(12);
    nonce8.copy(n);
    n.writeUInt32LE(seq, 8);
    return n;
  };
  // The associated data of every fragment is a flag byte plus the tag of an empty message under sequence 0.
  const aad = Buffer.concat([Buffer.from([0x00]), seal(key, nonceFor(0), Buffer.alloc(0), Buffer.alloc(0))]);
  const out: Buffer[] = [salt, Buffer.from([PBKDF2_AES_GCM]), nonce8];
  let seq = 1;
  let rest = data;
  // A fragment is final only when nothing follows it; a body of exactly N×16 KiB ends with an empty final fragment.
  while (rest.length > SIO_BUF) {
    out.push(seal(key, nonceFor(seq++), rest.subarray(0, SIO_BUF), aad));
    rest = rest.subarray(SIO_BUF);
  }
  const finalAad = Buffer.from(aad);
  finalAad[0] = 0x80;
  out.push(seal(key, nonceFor(seq), rest, finalAad));
  return Buffer.concat(out);
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Sends one SigV4-signed request to the MinIO admin API (`/minio/admin/v3/<op>`) and throws on a non-2xx answer. */
export async function minioAdminRequest(
  target: MinioAdminTarget,
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  op: string,
  query: Record<string, string>,
  body: Buffer = Buffer.alloc(0),
): Promise<Buffer> {
  const url = new URL(`/minio/admin/v3/${op}`, target.endpoint);
  const region = target.region ?? 'us-east-1';
  const amzDate = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const payloadHash = createHash('sha256').update(body).digest('hex');
  const canonicalQuery = Object.keys(query)
    .sort()
    .map((k) => `${rfc3986(k)}=${rfc3986(query[k]!)}`)
    .join('&');
  const headers: Record<string, string> = { host: url.host, 'x-amz-content-sha256': payloadHash, 'x-amz-date': amzDate };
  const signed = Object.keys(headers).sort();
  const canonicalHeaders = signed.map((h) => `${h}:${headers[h]}`);
  const canonical = [method, url.pathname, canonicalQuery, ...canonicalHeaders, '', signed.join(';'), payloadHash].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const kSigning = hmac(hmac(hmac(hmac(`AWS4${target.secretKey}`, day), region), 's3'), 'aws4_request');
  const signature = createHmac('sha256', kSigning).update(toSign).digest('hex');
  const authorization =
    `AWS4-HMAC-SHA256 Credential=${target.accessKey}/${scope}, ` + `SignedHeaders=${signed.join(';')}, Signature=${signature}`;
  const res = await fetch(`${url.origin}${url.pathname}${canonicalQuery ? `?${canonicalQuery}` : ''}`, {
    method,
    headers: { ...headers, authorization },
    body: body.length ? body : undefined,
    signal: AbortSignal.timeout(15_000),
  });
  const text = Buffer.from(await res.arrayBuffer());
  if (!res.ok) {
    // MinIO answers admin errors as JSON {Code, Message}; only the code is reported (the message may echo input).
    let code = `HTTP ${res.status}`;
    try {
      code = String((JSON.parse(text.toString('utf8')) as { Code?: string }).Code ?? code);
    } catch {
      /* not JSON: keep the status */
    }
    throw new Error(`MinIO admin ${op} failed: ${code}`);
  }
  return text;
}

/** Name of the canned policy `setup` attaches to the application's MinIO user. */
export const APP_STORAGE_POLICY = 'eucora-app';

/**
 * The application's storage rights: write and read objects, read their retention and the bucket's lock configuration,
 * list the bucket (HEAD bucket for health). New versions are locked by the bucket's default retention, which setup sets.
 * Deliberately absent: s3:BypassGovernanceRetention, s3:DeleteObject(Version) (but for upload scratch keys), s3:PutBucket*,
 * every admin action, and s3:PutObjectRetention too: MinIO lets a holder of PutObjectRetention shorten a GOVERNANCE lock
 * with the bypass header even without s3:BypassGovernanceRetention (tested in minio-admin.test.ts).
 */
export function appStoragePolicy(buckets: string[], scratch: string[] = []): Record<string, unknown> {
  const statements: Record<string, unknown>[] = [
    {
      Effect: 'Allow',
      Action: ['s3:ListBucket', 's3:GetBucketLocation', 's3:GetBucketObjectLockConfiguration', 's3:ListBucketMultipartUploads'],
      Resource: buckets.map((b) => `arn:aws:s3:::${b}`),
    },
    {
      Effect: 'Allow',
      // Multipart uploads (streamed artifacts) need listing and aborting their own parts; an abort deletes no stored object.
      Action: [
        's3:PutObject',
        's3:GetObject',
        's3:GetObjectVersion',
        's3:GetObjectRetention',
        's3:ListMultipartUploadParts',
        's3:AbortMultipartUpload',
      ],
      Resource: buckets.map((b) => `arn:aws:s3:::${b}/*`),
    },
  ];
  // Upload scratch objects (e.g. the artifact store's `<tenant>/tmp/<uuid>`, in a bucket without object lock) may be
  // removed once committed; nothing else may be deleted.
  if (scratch.length > 0)
    statements.push({ Effect: 'Allow', Action: ['s3:DeleteObject'], Resource: scratch.map((p) => `arn:aws:s3:::${p}`) });
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * Creates (or updates) the application's MinIO user with `appStoragePolicy(buckets)` attached, using root credentials.
 * Idempotent: re-running setup rewrites the policy and the user's secret.
 */
export async function ensureAppStorageUser(
  root: MinioAdminTarget,
  app: { accessKey: string; secretKey: string },
  buckets: string[],
  /** Object-key patterns (`bucket/prefix*`) the app may delete: upload scratch only; default none. */
  scratch: string[] = [],
): Promise<void> {
  if (app.accessKey === root.accessKey) throw new Error('the application storage user must not be the MinIO root user');
  const policy = Buffer.from(JSON.stringify(appStoragePolicy(buckets, scratch)));
  await minioAdminRequest(root, 'PUT', 'add-canned-policy', { name: APP_STORAGE_POLICY }, policy);
  const user = Buffer.from(JSON.stringify({ secretKey: app.secretKey, status: 'enabled' }));
  await minioAdminRequest(root, 'PUT', 'add-user', { accessKey: app.accessKey }, encryptAdminPayload(root.secretKey, user));
  const attach = { policyName: APP_STORAGE_POLICY, userOrGroup: app.accessKey, isGroup: 'false' };
  await minioAdminRequest(root, 'PUT', 'set-user-or-group-policy', attach);
}
