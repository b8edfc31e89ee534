import type { components, paths } from './openapi';

/**
 * The console's names for the API's shapes. Every shape comes from openapi.ts, generated
 * from the api's OpenAPI document (`npm run gen:api-types`); only names are chosen here.
 */
type Schemas = components['schemas'];

/** A route of the API; every one is a POST with a JSON body. */
export type Route = {
  [P in keyof paths]: paths[P]['post'] extends never | undefined ? never : P;
}[keyof paths];
type Operation<P extends Route> = NonNullable<paths[P]['post']>;
/** The JSON body `route` takes. */
export type RequestOf<P extends Route> =
  Operation<P> extends { requestBody: { content: { 'application/json': infer B } } }
    ? B
    : Record<string, never>;
/** The `data` of `route`'s success envelope (200, or 202 for a job started). */
export type DataOf<P extends Route> =
  Operation<P> extends { responses: { 200: { content: { 'application/json': infer E } } } }
    ? E extends { data: infer D }
      ? D
      : never
    : Operation<P> extends { responses: { 202: { content: { 'application/json': infer E } } } }
      ? E extends { data: infer D }
        ? D
        : never
      : never;
/** A route read by GET without parameters (the WeCom contact sync's status and match rates). */
export type GetRoute = {
  [P in keyof paths]: paths[P]['get'] extends never | undefined ? never : P;
}[keyof paths];
/** The `data` of a GET route's success envelope. */
export type GetDataOf<P extends GetRoute> =
  NonNullable<paths[P]['get']> extends {
    responses: { 200: { content: { 'application/json': infer E } } };
  }
    ? E extends { data: infer D }
      ? D
      : never
    : never;

export type ErrorEnvelope = Schemas['ErrorEnvelopeView'];
export type FieldError = Schemas['ErrorDetailView'];

export type Slot = Schemas['WeekDayPushTimeDto'];
/** The console always sends every field of a rule (empty strings for unused ones). */
export type PushRuleBody = Required<Schemas['PushRuleDto']>;
export type PushRuleView = Schemas['PushRuleView'];
export type PushRuleListItem = Schemas['PushRuleListItem'];
export type PushRuleListPage = Schemas['PushRuleListPage'];
export type RuleVersion = Schemas['RuleVersionView'];
export type FieldDiff = Schemas['FieldDiff'];
export type PendingVersion = Schemas['PendingVersionItem'];
export type PendingVersionPage = Schemas['PendingVersionPage'];
export type OpenConfirmation = Schemas['OpenConfirmationView'];
export type ListQuery = Schemas['ListPushRulesDto'];
export type LabelLibrary = Schemas['LabelLibrary'];
export type AudiencePreview = Schemas['AudiencePreviewView'];

export type RunView = Schemas['RunRecordView'];
export type TestGroupMemberInput = Schemas['TestGroupMemberDto'];
export type TestGroup = Schemas['TestGroupView'];
export type RunPage = Schemas['RunPageView'];
export type RunState = RunView['state'];
export type BatchView = Schemas['BatchRecordView'];
export type BatchState = BatchView['state'];

export type StatsQuery = Schemas['StatsQueryDto'];
export type RunStatsQuery = Schemas['RunStatsQueryDto'];
export type PushFigures = Schemas['PushFiguresView'];
export type RunFigures = Schemas['RunFiguresView'];
export type RunFiguresPage = Schemas['RunFiguresPageView'];
export type DailyFigures = Schemas['DailyFiguresView'];

export type GoodsQuery = Schemas['GoodsQueryDto'];
export type GoodsDimension = GoodsQuery['dimension'];
export type GoodsRow = Schemas['GoodsRowView'];
export type GoodsBreakdown = Schemas['GoodsBreakdownView'];
export type CompareQuery = Schemas['CompareQueryDto'];
export type RuleFigures = Schemas['RuleFiguresView'];
/** The console asks for a format per call (rows or the CSV file). */
export type ReportQuery = Omit<Schemas['ReportQueryDto'], 'format'>;
export type ReportGranularity = ReportQuery['granularity'];
export type HoldoutLift = Schemas['HoldoutLiftView'];
export type ExperimentQuery = Schemas['ExperimentQueryDto'];
export type Experiment = Schemas['ExperimentView'];
export type ExperimentGroup = Experiment['groups'][number];
export type Lift = Experiment['lift'][number];
/** A content variant's letter: A = the rule's own content, B, C, … its variants. */
export type VariantKey = Schemas['PromoteVariantDto']['variant'];

export type ExclusionCounts = Schemas['ExclusionCountsView'];
export type PolicyView = Schemas['PolicyView'];
export type PolicyUpdate = Schemas['UpdatePolicyDto'];
export type WecomCapPeriod = PolicyView['wecomCap']['period'];
export type SuppressionView = Schemas['SuppressionView'];
export type SuppressionSource = SuppressionView['source'];
export type SuppressionPage = Schemas['SuppressionPageView'];
export type SuppressionQuery = Schemas['SuppressionListDto'];
export type SuppressionAdd = Schemas['SuppressionAddDto'];
export type ImportReport = Schemas['SuppressionImportView'];
export type ImportRowError = Schemas['ImportRowErrorView'];

export type OrderImport = Schemas['ImportView'];
export type OrderImportState = OrderImport['state'];
export type OrderImportStatus = Schemas['ImportStatusView'];
export type OrderImportReportRow = Schemas['ImportReportRowView'];
export type ImportRejectReason = OrderImportReportRow['reason'];

export type ContactSync = Schemas['ContactSyncRecordView'];
export type ContactSyncStatus = Schemas['ContactSyncStatusView'];
export type ContactMatchRates = Schemas['MatchRatesView'];
export type IdentityImportReport = Schemas['IdentityImportView'];
export type IdentityRejection = Schemas['IdentityRejectionView'];
export type IdentityRejectReason = IdentityRejection['reason'];

export type CustomerContacts = Schemas['CustomerContactsView'];

export type Me = Schemas['MeView'];
export type Account = Schemas['AccountView'];
export type CreateUser = Schemas['CreateUserDto'];
export type UpdateUser = Schemas['UpdateUserDto'];
export type ApiKey = Schemas['ApiKeyView'];
export type CreatedApiKey = Schemas['CreatedApiKeyView'];
export type CreateApiKey = Schemas['CreateApiKeyDto'];
export type AuditQuery = Schemas['ListAuditDto'];
export type AuditEntry = Schemas['AuditEntryView'];
export type AuditPage = Schemas['AuditPageView'];
