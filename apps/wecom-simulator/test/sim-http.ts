import { SimulatorHarness } from '../../../test/utils/simulator';

export interface Answer {
  errcode: number;
  errmsg: string;
  [field: string]: unknown;
}

/** Raw WeCom-style calls, as any HTTP client would make them. */
export function simHttp(sim: SimulatorHarness) {
  const token = async (): Promise<string> => {
    const q = new URLSearchParams({
      corpid: sim.env.WECOM_CORP_ID,
      corpsecret: sim.env.WECOM_CORP_SECRET,
    });
    const a = (await (await fetch(`${sim.url}/cgi-bin/gettoken?${q}`)).json()) as Answer;
    return a.access_token as string;
  };
  return {
    token,
    async get(path: string, query: Record<string, string>): Promise<Answer> {
      const res = await fetch(`${sim.url}/cgi-bin/${path}?${new URLSearchParams(query)}`);
      return (await res.json()) as Answer;
    },
    async post(path: string, body: unknown, accessToken?: string | null): Promise<Answer> {
      const t = accessToken === undefined ? await token() : accessToken;
      const q = t === null ? '' : `?access_token=${encodeURIComponent(t)}`;
      const res = await fetch(`${sim.url}/cgi-bin/${path}${q}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return (await res.json()) as Answer;
    },
    async upload(type: string, data: Buffer | null, filename = 'a.png'): Promise<Answer> {
      const form = new FormData();
      if (data) form.append('media', new Blob([new Uint8Array(data)]), filename);
      const q = new URLSearchParams({ access_token: await token(), type });
      const res = await fetch(`${sim.url}/cgi-bin/media/upload?${q}`, {
        method: 'POST',
        body: form,
      });
      return (await res.json()) as Answer;
    },
  };
}

export const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(64, 1),
]);
