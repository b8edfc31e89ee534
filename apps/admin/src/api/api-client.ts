import type {
  AudiencePreview,
  CancelReport,
  DailyFigures,
  FieldError,
  LabelLibrary,
  ListQuery,
  Page,
  PushRuleBody,
  PushRuleListItem,
  PushFigures,
  PushRuleView,
  RunFigures,
  RunStatsQuery,
  RunView,
  StatsQuery,
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

export interface ApiClientOptions {
  /** The operator token, read at every call so a new login applies at once. */
  token: () => string | null;
  /** Called on any 401 before the call rejects: the session is over. */
  onUnauthorized: () => void;
  baseUrl?: string;
  fetch?: Fetch;
}

interface Envelope<T> {
  success: boolean;
  data?: T;
  error?: { code?: string; message?: string; details?: FieldError[] };
}

/** Every API route is a POST with a JSON body answering `{success, data}` or an error envelope. */
export function createApiClient(opts: ApiClientOptions) {
  const doFetch: Fetch = opts.fetch ?? ((input, init) => fetch(input, init));
  const base = opts.baseUrl ?? '';

  async function post<T>(path: string, body: unknown = {}, token = opts.token()): Promise<T> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'NETWORK_ERROR', '无法连接服务器，请检查网络后重试');
    }
    let envelope: Envelope<T> | undefined;
    try {
      envelope = (await res.json()) as Envelope<T>;
    } catch {
      envelope = undefined;
    }
    if (res.status === 401) opts.onUnauthorized();
    if (!res.ok || !envelope || envelope.success !== true) {
      const err = envelope?.error;
      throw new ApiError(
        res.status,
        err?.code ?? `HTTP_${res.status}`,
        err?.message ?? `请求失败（HTTP ${res.status}）`,
        err?.details ?? [],
      );
    }
    return envelope.data as T;
  }

  return {
    /** Checks a token without storing it: resolves when the API accepts it. */
    checkToken: (token: string) =>
      post<Page<PushRuleListItem>>('/wechatpush/lists', { page: 1, pagesize: 1 }, token),
    listRules: (q: ListQuery) => post<Page<PushRuleListItem>>('/wechatpush/lists', q),
    ruleInfo: (id: number) => post<PushRuleView>('/wechatpush/info', { id }),
    createRule: (body: PushRuleBody) => post<boolean>('/wechatpush/create', body),
    editRule: (body: PushRuleView) => post<boolean>('/wechatpush/edit', body),
    setStatus: (id: number, status: number) =>
      post<boolean>('/wechatpush/editstatus', { id, status }),
    deleteRule: (id: number) => post<boolean>('/wechatpush/delete', { id }),
    labels: () => post<LabelLibrary>('/wechatpush/labels', {}),
    preview: (body: PushRuleBody) => post<AudiencePreview>('/wechatpush/preview', body),
    trigger: (id: number) => post<{ runId: number }>('/wechatpush/trigger', { id }),
    runs: (id: number, page: number, pagesize: number) =>
      post<Page<RunView>>('/wechatpush/runs', { id, page, pagesize }),
    resendBatch: (batchId: number) =>
      post<{ batchId: number; resends: number }>('/wechatpush/batch/resend', { batchId }),
    cancelRun: (runId: number) => post<CancelReport>('/wechatpush/run/cancel', { runId }),
    effectResult: (q: StatsQuery) => post<PushFigures>('/statistic/wechatpush/result', q),
    effectDaily: (q: StatsQuery) => post<DailyFigures[]>('/statistic/wechatpush/daily', q),
    effectRuns: (q: RunStatsQuery) => post<Page<RunFigures>>('/statistic/wechatpush/runs', q),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
