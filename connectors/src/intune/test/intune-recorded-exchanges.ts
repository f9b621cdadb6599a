/**
 * Recorded Graph / Azure Blob exchanges for a Win32 app deploy, transcribed from the vendor contracts
 * (../shared/vendor-contracts.md §1, A1, B and "Corrections") and the vendor docs they cite — not from our simulator.
 * Each row: the request the vendor expects (method, path pattern, query keys, headers, body keys with JSON types and fixed
 * values) and the recorded response the vendor gives.
 */

/** JSON type names as checked on request bodies. */
export type JsonType = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'null' | 'base64';

/** One recorded exchange. */
export interface RecordedExchange {
  /** Contract line this row comes from. */
  source: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  /** Path pattern (`{id}` = one path segment). Blob rows match the SAS URI path. */
  path: string;
  /** Query parameters that must be present (values checked when not null). */
  query?: Record<string, string | RegExp | null>;
  /** Headers that must be present, with a value pattern. */
  headers?: Record<string, RegExp>;
  /** Body keys that must be present, with their JSON type. */
  body?: Record<string, JsonType>;
  /** Body keys with fixed values. */
  fixed?: Record<string, unknown>;
  /** Form body (token endpoint). */
  form?: Record<string, string | null>;
  /** Recorded responses, played in order (the last repeats). */
  responses: { status: number; headers?: Record<string, string>; body?: unknown }[];
}

const JSON_CT = { 'content-type': /^application\/json/ };
const GRAPH = { authorization: /^Bearer \S+$/, 'client-request-id': /^\S+$/ };
const APP = '/beta/deviceAppManagement/mobileApps/{id}';
const CV = `${APP}/microsoft.graph.win32LobApp/contentVersions`;
const FILE_RESPONSE = (uploadState: string, extra: Record<string, unknown> = {}) => ({
  '@odata.type': '#microsoft.graph.mobileAppContentFile',
  azureStorageUri: null,
  isCommitted: false,
  id: 'b5b0d3a6-4fe6-4a3b-8f3a-0f1b6ed3c0a1',
  createdDateTime: '2026-11-30T10:00:00Z',
  name: 'IntunePackage.intunewin',
  size: 0,
  sizeEncrypted: 0,
  azureStorageUriExpirationDateTime: null,
  manifest: null,
  uploadState,
  isFrameworkFile: false,
  isDependency: false,
  ...extra,
});

/** The SAS URI the recorded file GET hands out (host replaced by the test's listener). */
export const SAS_PATH = '/intunecontent/b5b0d3a6.bin';

/** The recorded exchanges, in contract order. */
export const RECORDED: RecordedExchange[] = [
  {
    source: '§1 Auth: POST /{tenant}/oauth2/v2.0/token (form)',
    method: 'POST',
    path: '/{id}/oauth2/v2.0/token',
    headers: { 'content-type': /^application\/x-www-form-urlencoded/ },
    form: { client_id: null, client_secret: null, scope: 'https://graph.microsoft.com/.default', grant_type: 'client_credentials' },
    responses: [
      {
        status: 200,
        body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: 'eyJ0eXAiOi.recorded' },
      },
    ],
  },
  {
    source: "§1 Idempotency: GET mobileApps?$filter=displayName eq '…'",
    method: 'GET',
    path: '/beta/deviceAppManagement/mobileApps',
    query: { $filter: /^displayName eq '.*'$/ },
    headers: GRAPH,
    responses: [
      {
        status: 200,
        body: { '@odata.context': 'https://graph.microsoft.com/beta/$metadata#deviceAppManagement/mobileApps', value: [] },
      },
    ],
  },
  {
    source: '§1 step 1: POST mobileApps (win32LobApp)',
    method: 'POST',
    path: '/beta/deviceAppManagement/mobileApps',
    headers: { ...GRAPH, ...JSON_CT },
    body: {
      '@odata.type': 'string',
      displayName: 'string',
      description: 'string',
      publisher: 'string',
      fileName: 'string',
      setupFilePath: 'string',
      installCommandLine: 'string',
      uninstallCommandLine: 'string',
      installExperience: 'object',
      minimumSupportedOperatingSystem: 'object',
      applicableArchitectures: 'string',
      detectionRules: 'array',
      returnCodes: 'array',
    },
    fixed: {
      '@odata.type': '#microsoft.graph.win32LobApp',
      installExperience: { runAsAccount: 'system' },
      minimumSupportedOperatingSystem: { v10_1607: true },
    },
    responses: [
      {
        status: 201,
        body: {
          '@odata.type': '#microsoft.graph.win32LobApp',
          id: '9ab0b3c1-5a0e-4b1e-9e3a-1c2d3e4f5a6b',
          publishingState: 'notPublished',
          committedContentVersion: null,
        },
      },
    ],
  },
  {
    source: '§1 Idempotency: "resume uploads from uploadState/isCommitted": GET …/contentVersions',
    method: 'GET',
    path: CV,
    headers: GRAPH,
    responses: [{ status: 200, body: { '@odata.context': 'https://graph.microsoft.com/beta/$metadata#mobileAppContents', value: [] } }],
  },
  {
    source: '§1 step 2: POST …/microsoft.graph.win32LobApp/contentVersions {}',
    method: 'POST',
    path: CV,
    headers: { ...GRAPH, ...JSON_CT },
    body: {},
    responses: [{ status: 201, body: { '@odata.type': '#microsoft.graph.mobileAppContent', id: '1' } }],
  },
  {
    source: '§1 step 3 + B "File": POST …/contentVersions/{cv}/files',
    method: 'POST',
    path: `${CV}/{id}/files`,
    headers: { ...GRAPH, ...JSON_CT },
    body: { '@odata.type': 'string', name: 'string', size: 'number', sizeEncrypted: 'number', manifest: 'null', isDependency: 'boolean' },
    fixed: { '@odata.type': '#microsoft.graph.mobileAppContentFile', manifest: null, isDependency: false },
    responses: [{ status: 201, body: FILE_RESPONSE('azureStorageUriRequestPending') }],
  },
  {
    source: '§1 step 4: GET …/files/{id} until azureStorageUriRequestSuccess (then commitFileSuccess after commit)',
    method: 'GET',
    path: `${CV}/{id}/files/{id}`,
    headers: GRAPH,
    responses: [
      { status: 200, body: FILE_RESPONSE('azureStorageUriRequestPending') },
      {
        status: 200,
        body: FILE_RESPONSE('azureStorageUriRequestSuccess', { azureStorageUri: `SAS${SAS_PATH}?sv=2019-12-12&sr=b&sig=recorded` }),
      },
    ],
  },
  {
    source: 'B "Blocks": PUT {uri}&comp=block&blockid={id}, x-ms-blob-type: BlockBlob → 201',
    method: 'PUT',
    path: SAS_PATH,
    query: { comp: 'block', blockid: /^[A-Za-z0-9+/]{6}==$/, sig: 'recorded' },
    headers: { 'x-ms-blob-type': /^BlockBlob$/ },
    responses: [{ status: 201 }],
  },
  {
    source: 'B "Finish": PUT {uri}&comp=blocklist <BlockList><Latest>…',
    method: 'PUT',
    path: SAS_PATH,
    query: { comp: 'blocklist', sig: 'recorded' },
    responses: [{ status: 201 }],
  },
  {
    source: '§1 step 6: POST …/files/{id}/commit {fileEncryptionInfo}',
    method: 'POST',
    path: `${CV}/{id}/files/{id}/commit`,
    headers: { ...GRAPH, ...JSON_CT },
    body: { fileEncryptionInfo: 'object' },
    responses: [{ status: 200 }],
  },
  {
    source: '§1 step 7: PATCH mobileApps/{id} {@odata.type, committedContentVersion}',
    method: 'PATCH',
    path: APP,
    headers: { ...GRAPH, ...JSON_CT },
    body: { '@odata.type': 'string', committedContentVersion: 'string' },
    fixed: { '@odata.type': '#microsoft.graph.win32LobApp', committedContentVersion: '1' },
    responses: [{ status: 204 }],
  },
  {
    source: '§1 step 7: GET mobileApps/{id} (publishingState)',
    method: 'GET',
    path: APP,
    headers: GRAPH,
    responses: [
      {
        status: 200,
        body: {
          '@odata.type': '#microsoft.graph.win32LobApp',
          id: '9ab0b3c1-5a0e-4b1e-9e3a-1c2d3e4f5a6b',
          publishingState: 'notPublished',
          committedContentVersion: null,
        },
      },
      {
        status: 200,
        body: {
          '@odata.type': '#microsoft.graph.win32LobApp',
          id: '9ab0b3c1-5a0e-4b1e-9e3a-1c2d3e4f5a6b',
          publishingState: 'processing',
          committedContentVersion: '1',
        },
      },
      {
        status: 200,
        body: {
          '@odata.type': '#microsoft.graph.win32LobApp',
          id: '9ab0b3c1-5a0e-4b1e-9e3a-1c2d3e4f5a6b',
          publishingState: 'published',
          committedContentVersion: '1',
        },
      },
    ],
  },
  {
    source: "A1 Find group: GET /groups?$filter=displayName eq '{n}'",
    method: 'GET',
    path: '/v1.0/groups',
    query: { $filter: /^displayName eq '.*'$/ },
    headers: GRAPH,
    responses: [{ status: 200, body: { value: [{ id: '0c4a5e6f-1111-4222-8333-444455556666', securityEnabled: true, groupTypes: [] }] } }],
  },
  {
    source: '§1 Assign: GET mobileApps/{id}/assignments (merge first)',
    method: 'GET',
    path: `${APP}/assignments`,
    headers: GRAPH,
    responses: [{ status: 200, body: { value: [] } }],
  },
  {
    source: '§1 Assign: POST mobileApps/{id}/assign {mobileAppAssignments} → 204',
    method: 'POST',
    path: `${APP}/assign`,
    headers: { ...GRAPH, ...JSON_CT },
    body: { mobileAppAssignments: 'array' },
    responses: [{ status: 204 }],
  },
  {
    source: '§1 Status: GET mobileApps/{id}/installSummary',
    method: 'GET',
    path: `${APP}/installSummary`,
    headers: GRAPH,
    responses: [
      {
        status: 200,
        body: {
          '@odata.type': '#microsoft.graph.mobileAppInstallSummary',
          id: '9ab0b3c1',
          installedDeviceCount: 3,
          failedDeviceCount: 1,
          notApplicableDeviceCount: 0,
          notInstalledDeviceCount: 0,
          pendingInstallDeviceCount: 1,
          installedUserCount: 0,
          failedUserCount: 0,
          notApplicableUserCount: 0,
          notInstalledUserCount: 0,
          pendingInstallUserCount: 0,
        },
      },
    ],
  },
];

/** Fields of `fileEncryptionInfo` (§1 step 6, B "Commit"): all base64 except the two fixed names. */
export const FILE_ENCRYPTION_INFO: Record<string, JsonType> = {
  encryptionKey: 'base64',
  macKey: 'base64',
  initializationVector: 'base64',
  mac: 'base64',
  profileIdentifier: 'string',
  fileDigest: 'base64',
  fileDigestAlgorithm: 'string',
};

/** Fields of each assignment (§1 Assign). */
export const ASSIGNMENT: Record<string, JsonType> = { '@odata.type': 'string', intent: 'string', target: 'object', settings: 'null' };
