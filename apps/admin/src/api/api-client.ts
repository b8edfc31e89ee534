import { filenameFromDisposition } from './content-disposition';
import type {
  AuditQuery,
  CreateApiKey,
  CreateUser,
  DataOf,
  ErrorEnvelope,
  GetDataOf,
  GetRoute,
  FieldError,
  ListQuery,
  PolicyUpdate,
  PushRuleBody,
  PushRuleView,
  ReportQuery,
  RequestOf,
  Route,
  RunStatsQuery,
  StatsQuery,
  CompareQuery,
  ExperimentQuery,
  GoodsQuery,
  SuppressionAdd,
  SuppressionQuery,
  UpdateUser,
  TestGroupMemberInput,
  VariantKey,
} from './types';

/** A failed call: the API's error envelope, or a network failure (`status` 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldError[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Fetch = (input: string, init: RequestInit) => Promise<Response>;

interface ApiClientOptions {
  /** The operator token, read at every call so a new login applies at once. */
  token: () => string | null;
  /** Without a token: the signed-in session's CSRF token (the session is its cookie). */
  csrfToken?: () => string | null;
  /** Called on any 401 before the call rejects: the session is over. */
  onUnauthorized: () => void;
  baseUrl?: string;
  fetch?: Fetch;
}

/** What a response body may be: trusted only as far as `post` checks it. */
type Envelope<T> = { success?: unknown; data?: T; error?: Partial<ErrorEnvelope['error']> };

/** Every API route is a POST with a JSON body answering `{success, data}` or an error envelope. */
export function createApiClient(opts: ApiClientOptions) {
  const doFetch: Fetch = opts.fetch ?? ((input, init) => fetch(input, init));
  const base = opts.baseUrl ?? '';

  /** A token as Bearer; else the session cookie goes by itself, with its CSRF token. */
  function credentials(token: string | null, headers: Record<string, string>): void {
    const csrf = opts.csrfToken?.();
    if (token) headers.Authorization = `Bearer ${token}`;
    else if (csrf) headers['X-CSRF-Token'] = csrf;
  }

  async function send(path: string, body: unknown, token: string | null): Promise<Response> {
    const json = !(body instanceof FormData);
    // A FormData body gets its multipart Content-Type (with the boundary) from fetch itself.
    const headers: Record<string, string> = json ? { 'Content-Type': 'application/json' } : {};
    credentials(token, headers);
    try {
      return await doFetch(`${base}${path}`, {
        method: 'POST',
        headers,
        body: json ? JSON.stringify(body) : (body as FormData),
      });
    } catch {
      throw new ApiError(0, 'NETWORK_ERROR', '无法连接服务器，请检查网络后重试');
    }
  }

  async function readEnvelope<T>(res: Response): Promise<Envelope<T> | undefined> {
    try {
      return (await res.json()) as Envelope<T>;
    } catch {
      return undefined;
    }
  }

  function failure(res: Response, envelope: Envelope<unknown> | undefined): ApiError {
    const err = envelope?.error;
    return new ApiError(
      res.status,
      err?.code ?? `HTTP_${res.status}`,
      err?.message ?? `请求失败（HTTP ${res.status}）`,
      err?.details ?? [],
    );
  }

  async function post<P extends Route>(
    path: P,
    body: RequestOf<P> | FormData,
    token = opts.token(),
  ): Promise<DataOf<P>> {
    const res = await send(path, body, token);
    const envelope = await readEnvelope<DataOf<P>>(res);
    if (res.status === 401) opts.onUnauthorized();
    if (!res.ok || !envelope || envelope.success !== true) throw failure(res, envelope);
    return envelope.data as DataOf<P>;
  }

  /** A GET route without parameters (the few the API reads that way). */
  async function get<P extends GetRoute>(path: P): Promise<GetDataOf<P>> {
    const headers: Record<string, string> = {};
    credentials(opts.token(), headers);
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, { method: 'GET', headers });
    } catch {
      throw new ApiError(0, 'NETWORK_ERROR', '无法连接服务器，请检查网络后重试');
    }
    const envelope = await readEnvelope<GetDataOf<P>>(res);
    if (res.status === 401) opts.onUnauthorized();
    if (!res.ok || !envelope || envelope.success !== true) throw failure(res, envelope);
    return envelope.data as GetDataOf<P>;
  }

  /** A route answering a file (no envelope on success, the error envelope otherwise). */
  async function postForFile<P extends Route>(
    path: P,
    body: RequestOf<P>,
    fallbackName: string,
  ): Promise<{ blob: Blob; filename: string }> {
    const res = await send(path, body, opts.token());
    if (res.status === 401) opts.onUnauthorized();
    if (!res.ok) throw failure(res, await readEnvelope(res));
    const filename =
      filenameFromDisposition(res.headers.get('Content-Disposition')) ?? fallbackName;
    return { blob: await res.blob(), filename };
  }

  return {
    /** Checks a token without storing it: resolves when the API accepts it. */
    checkToken: (token: string) => post('/wechatpush/lists', { page: 1, pagesize: 1 }, token),
    /** Signs in with user name and password: the session cookie, and its CSRF token returned. */
    signIn: (username: string, password: string) =>
      post('/auth/login', { username, password }, null),
    signOut: () => post('/auth/logout', {}),
    /** Who the console is signed in as, with the role that decides what it shows. */
    me: () => post('/auth/me', {}),
    users: () => post('/users/list', {}),
    createUser: (body: CreateUser) => post('/users/create', body),
    updateUser: (body: UpdateUser) => post('/users/update', body),
    /** `disabled: false` enables the account again; disabling ends its sessions at once. */
    setUserDisabled: (id: number, disabled: boolean) => post('/users/disable', { id, disabled }),
    apiKeys: () => post('/apikeys/list', {}),
    /** The answer carries the key itself, this once. */
    createApiKey: (body: CreateApiKey) => post('/apikeys/create', body),
    revokeApiKey: (id: number) => post('/apikeys/revoke', { id }),
    listRules: (q: ListQuery) => post('/wechatpush/lists', q),
    ruleInfo: (id: number) => post('/wechatpush/info', { id }),
    createRule: (body: PushRuleBody) => post('/wechatpush/create', body),
    editRule: (body: PushRuleBody & { id: number }) => post('/wechatpush/edit', body),
    setStatus: (id: number, status: PushRuleView['status']) =>
      post('/wechatpush/editstatus', { id, status }),
    deleteRule: (id: number) => post('/wechatpush/delete', { id }),
    /** A rule's versions, newest first, each with its diff against the one before. */
    ruleVersions: (id: number) => post('/wechatpush/versions', { id }),
    /** The approval inbox: pending versions with their diff against the approved one. */
    pendingVersions: (page: number, pagesize: number) =>
      post('/wechatpush/pending', { page, pagesize }),
    approveVersion: (id: number, version: number) => post('/wechatpush/approve', { id, version }),
    rejectVersion: (id: number, version: number, comment: string) =>
      post('/wechatpush/reject', { id, version, comment }),
    /** A second approver confirms a trigger above APPROVAL_CONFIRM_ABOVE → {runId}. */
    confirmTrigger: (requestId: number) => post('/wechatpush/confirm', { requestId }),
    /** Triggers and resends waiting for a second approver (unconfirmed, within the hour). */
    openConfirmations: () => post('/wechatpush/confirmations', {}),
    labels: () => post('/wechatpush/labels', {}),
    preview: (body: PushRuleBody) => post('/wechatpush/preview', body),
    /** `force`: trigger inside the policy's quiet hours (otherwise 409 QUIET_HOURS). */
    trigger: (id: number, force = false) =>
      post('/wechatpush/trigger', force ? { id, force } : { id }),
    runs: (id: number, page: number, pagesize: number) =>
      post('/wechatpush/runs', { id, page, pagesize }),
    resendBatch: (batchId: number) => post('/wechatpush/batch/resend', { batchId }),
    cancelRun: (runId: number) => post('/wechatpush/run/cancel', { runId }),
    /** One customer's follow relations and corp tags (the audience sample links here). */
    customerContacts: (externalUserid: string) =>
      post('/wecom/contacts/customer', { externalUserid }),
    /** An operator adopts a content variant: it becomes the rule's content, the others retire. */
    promoteVariant: (id: number, variant: VariantKey) =>
      post('/wechatpush/variant/promote', { id, variant }),
    /** The audit log (admins only): who changed what, newest first. */
    auditLog: (q: AuditQuery) => post('/audit/list', q),
    /** The test group (editors read it; admins replace it whole, ≤ 50 members). */
    testGroup: () => post('/testgroup/get', {}),
    updateTestGroup: (members: TestGroupMemberInput[]) => post('/testgroup/update', { members }),
    /** The rule's saved message, each variant, to the test group: a run of kind `test`. */
    testSend: (id: number) => post('/wechatpush/testsend', { id }),
    policy: () => post('/policy/get', {}),
    updatePolicy: (body: PolicyUpdate) => post('/policy/update', body),
    suppressions: (q: SuppressionQuery) => post('/suppression/list', q),
    suppress: (body: SuppressionAdd) => post('/suppression/add', body),
    unsuppress: (externalUserIds: string[]) => post('/suppression/remove', { externalUserIds }),
    /** A CSV of external ids (multipart field `file`; `reason` for rows without one). */
    importSuppressions: (file: Blob, filename: string, reason?: string) => {
      const form = new FormData();
      form.append('file', file, filename);
      if (reason) form.append('reason', reason);
      return post('/suppression/import', form);
    },
    /** An order file (CSV / XLSX) as an import job; a dry run only checks it and writes the report. */
    importOrders: (file: Blob, filename: string, dryRun: boolean) => {
      const form = new FormData();
      form.append('file', file, filename);
      form.append('dryRun', String(dryRun));
      return post('/import/orders', form);
    },
    /** An import's state and counts, with rejected rows `offset`… of its report. */
    importStatus: (id: number, offset: number, limit: number) =>
      post('/import/status', { id, offset, limit }),
    imports: (limit: number) => post('/import/list', { limit }),
    cancelImport: (id: number) => post('/import/cancel', { id }),
    /** The import's whole report as the API's CSV file. */
    importReportCsv: (id: number) =>
      postForFile('/import/report', { id }, `order-import-${id}-report.csv`),
    /** Starts a full WeCom contact sync; 409 CONFLICT while one runs. */
    startContactSync: () => post('/wecom/contacts/sync', {}),
    contactSyncStatus: () => get('/wecom/contacts/sync/status'),
    contactMatchRates: () => get('/wecom/contacts/match'),
    /** The identity mapping CSV (external_userid → customer_id or mobile, owner_userid). */
    importIdentities: (file: Blob, filename: string) => {
      const form = new FormData();
      form.append('file', file, filename);
      return post('/import/identities', form);
    },
    effectResult: (q: StatsQuery) => post('/statistic/wechatpush/result', q),
    effectDaily: (q: StatsQuery) => post('/statistic/wechatpush/daily', q),
    effectRuns: (q: RunStatsQuery) => post('/statistic/wechatpush/runs', q),
    effectGoods: (q: GoodsQuery) => post('/statistic/wechatpush/goods', q),
    effectCompare: (q: CompareQuery) => post('/statistic/wechatpush/compare', q),
    effectExperiment: (q: ExperimentQuery) => post('/statistic/wechatpush/experiment', q),
    reportRows: (q: ReportQuery) => post('/statistic/wechatpush/report', { ...q, format: 'json' }),
    /** The report as the API's CSV file, with the file name the API gives it. */
    reportCsv: (q: ReportQuery) =>
      postForFile(
        '/statistic/wechatpush/report',
        { ...q, format: 'csv' },
        `wechatpush-report-${q.granularity}-${q.startTime.slice(0, 10)}-${q.endTime.slice(0, 10)}.csv`,
      ),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
