import { Result, Spin } from 'antd';
import { type ReactNode, useCallback, useEffect, useMemo, useState } from 'react';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { createApiClient } from './api/api-client';
import { ApiContext } from './api/api-context';
import { LoginPage } from './auth/login-page';
import { MeContext, useCan } from './auth/me-context';
import type { Me } from './api/types';
import type { Role } from '@app/contracts';
import { sessionCsrf, sessionToken } from './auth/session-token';
import { AdminLayout } from './components/admin-layout';
import { AuditPage } from './pages/audit-page';
import { ApprovalPage } from './pages/approval-page';
import { ComparePage } from './pages/compare-page';
import { ContactSyncPage } from './pages/contact-sync-page';
import { EffectPage } from './pages/effect-page';
import { PolicyPage } from './pages/policy-page';
import { OrderImportPage } from './pages/order-import-page';
import { EditRulePage, RuleFormPage } from './pages/rule-form-page';
import { RuleListPage } from './pages/rule-list-page';
import { RuleRunsPage } from './pages/rule-runs-page';
import { SuppressionPage } from './pages/suppression-page';
import { ApiKeysPage } from './pages/api-keys-page';
import { UsersPage } from './pages/users-page';
import { TestGroupPage } from './pages/test-group-page';

export interface LoginState {
  from?: string;
  expired?: boolean;
}

/** How the console is signed in: an operator token, or a session (cookie + CSRF token). */
export type Credential = { token: string } | { csrfToken: string };

const storedCredential = () => sessionToken.get() ?? sessionCsrf.get();

const forget = () => {
  sessionToken.clear();
  sessionCsrf.clear();
};

/**
 * Routes of the console under /admin. Without a token or session every page sends the
 * operator to the login screen; any 401 from the API ends the session the same way.
 */
export function AdminApp() {
  const [token, setToken] = useState<string | null>(storedCredential);
  const [expired, setExpired] = useState(false);
  const [me, setMe] = useState<Me | null>(null);
  const [meError, setMeError] = useState<string>();
  const navigate = useNavigate();
  const location = useLocation();

  const api = useMemo(
    () =>
      createApiClient({
        token: () => sessionToken.get(),
        csrfToken: () => sessionCsrf.get(),
        onUnauthorized: () => {
          forget();
          setExpired(true);
          setToken(null);
        },
      }),
    [],
  );

  const login = useCallback(
    (credential: Credential, from: string | undefined) => {
      forget();
      if ('token' in credential) sessionToken.set(credential.token);
      else sessionCsrf.set(credential.csrfToken);
      setExpired(false);
      setToken(storedCredential());
      navigate(from && from !== '/login' ? from : '/rules', { replace: true });
    },
    [navigate],
  );

  const logout = useCallback(() => {
    // A session ends on the server too (on every replica); a token just leaves the tab.
    if (sessionCsrf.get()) void api.signOut().catch(() => undefined);
    forget();
    setExpired(false);
    setToken(null);
  }, [api]);

  // The role decides what the pages show: read it once per sign-in (a 401 signs out).
  useEffect(() => {
    setMe(null);
    setMeError(undefined);
    if (!token) return;
    let live = true;
    api.me().then(
      (m) => live && setMe(m),
      (e: Error) => live && setMeError(e.message),
    );
    return () => {
      live = false;
    };
  }, [api, token]);

  const from = `${location.pathname}${location.search}`;
  let signedIn: ReactNode;
  if (!token)
    signedIn = <Navigate to="/login" replace state={{ from, expired } satisfies LoginState} />;
  else if (meError)
    signedIn = <Result status="error" title="无法读取当前账号" subTitle={meError} />;
  else if (!me) signedIn = <Spin style={{ display: 'block', marginTop: 120 }} />;
  else signedIn = <AdminLayout onLogout={logout} />;
  return (
    <ApiContext.Provider value={api}>
      <Routes>
        <Route path="/login" element={<LoginPage onLogin={login} />} />
        <Route element={<MeContext.Provider value={me}>{signedIn}</MeContext.Provider>}>
          <Route index element={<Navigate to="/rules" replace />} />
          <Route path="/rules" element={<RuleListPage />} />
          <Route path="/rules/new" element={<RuleFormPage key="new" />} />
          <Route path="/rules/:id/edit" element={<EditRulePage />} />
          <Route path="/rules/:id/runs" element={<RuleRunsPage />} />
          <Route path="/effect" element={<EffectPage />} />
          <Route path="/compare" element={<ComparePage />} />
          <Route path="/policy" element={<PolicyPage />} />
          <Route path="/suppression" element={<SuppressionPage />} />
          <Route path="/import" element={<OrderImportPage />} />
          <Route path="/contacts" element={<ContactSyncPage />} />
          <Route path="/users" element={<Allowed role="admin" page={<UsersPage />} />} />
          <Route path="/apikeys" element={<Allowed role="admin" page={<ApiKeysPage />} />} />
          <Route path="/testgroup" element={<Allowed role="editor" page={<TestGroupPage />} />} />
          <Route path="/audit" element={<Allowed role="admin" page={<AuditPage />} />} />
          <Route path="/approvals" element={<ApprovalPage />} />
          <Route path="*" element={<Navigate to="/rules" replace />} />
        </Route>
      </Routes>
    </ApiContext.Provider>
  );
}

/** A page only a role may open: others get a plain 403 page instead of the API's refusals. */
function Allowed({ role, page }: { role: Role; page: ReactNode }) {
  return useCan(role) ? (
    page
  ) : (
    <Result status="403" title="无权访问" subTitle="当前账号的角色不能打开此页面" />
  );
}
