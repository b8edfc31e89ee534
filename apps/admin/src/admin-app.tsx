import { useCallback, useMemo, useState } from 'react';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { createApiClient } from './api/api-client';
import { ApiContext } from './api/api-context';
import { LoginPage } from './auth/login-page';
import { sessionCsrf, sessionToken } from './auth/session-token';
import { AdminLayout } from './components/admin-layout';
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

  const from = `${location.pathname}${location.search}`;
  return (
    <ApiContext.Provider value={api}>
      <Routes>
        <Route path="/login" element={<LoginPage onLogin={login} />} />
        <Route
          element={
            token ? (
              <AdminLayout onLogout={logout} />
            ) : (
              <Navigate to="/login" replace state={{ from, expired } satisfies LoginState} />
            )
          }
        >
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
          <Route path="/approvals" element={<ApprovalPage />} />
          <Route path="*" element={<Navigate to="/rules" replace />} />
        </Route>
      </Routes>
    </ApiContext.Provider>
  );
}
