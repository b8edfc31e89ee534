import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppException } from '@app/common';
import { ContactIdentityService } from './contact-identity.service';
import {
  MappingEntry,
  MappingRejection,
  parseIdentityMappingCsv,
  UnreadableMappingError,
} from './identity-mapping-csv';

/** Rejections one import lists; past this they are counted only. */
const REPORT_MAX = 1_000;
/** Rows one transaction applies. */
const CHUNK = 500;

interface IdentityMappingReport {
  /** Data rows read (not the header, not blank rows) = linked + unchanged + rejected. */
  rows: number;
  /** Rows that linked a contact to its buyer or named its owner. */
  linked: number;
  /** Rows already true. */
  unchanged: number;
  /** Rows that named an owner (linked or not before). */
  ownersNamed: number;
  rejected: number;
  /** The rejected rows in line order, at most REPORT_MAX. */
  report: MappingRejection[];
}

const OUTCOME_REASON = {
  unknown_customer: 'unknown_customer',
  customer_taken: 'customer_taken',
  contact_taken: 'contact_taken',
  owner_not_following: 'owner_not_following',
} as const;

const MESSAGES: Record<keyof typeof OUTCOME_REASON | 'unknown_mobile', string> = {
  unknown_customer: 'no customer has this id',
  unknown_mobile: 'no customer has this mobile',
  customer_taken: 'the customer is linked to another WeCom contact',
  contact_taken: 'the contact is linked to another customer who has orders',
  owner_not_following: 'this member does not follow the contact (sync first if just added)',
};

/**
 * `/import/identities` (docs/WECOM.md "Identity"): an operator's CSV naming each WeCom
 * contact's buyer — by customer id or mobile — and perhaps its owner; applied row by row
 * through ContactIdentityService (a bad row is reported, the others applied), 500 rows a
 * transaction.
 */
@Injectable()
export class IdentityMappingService {
  constructor(
    private readonly db: DataSource,
    private readonly contacts: ContactIdentityService,
  ) {}

  async importCsv(csv: Buffer): Promise<IdentityMappingReport> {
    let parsed: ReturnType<typeof parseIdentityMappingCsv>;
    try {
      parsed = parseIdentityMappingCsv(csv);
    } catch (e) {
      if (e instanceof UnreadableMappingError)
        throw AppException.validation([{ field: 'file', message: e.message }]);
      throw e;
    }
    const rejections = [...parsed.rejections];
    const reject = (
      x: MappingEntry,
      column: string,
      value: string,
      reason: MappingRejection['reason'],
      message: string,
    ) => rejections.push({ line: x.line, column, value, reason, message });
    let linked = 0;
    let unchanged = 0;
    let ownersNamed = 0;
    const claimed = new Map<number, number>();
    for (let i = 0; i < parsed.entries.length; i += CHUNK) {
      const chunk = parsed.entries.slice(i, i + CHUNK);
      await this.db.transaction(async (em) => {
        const mobiles = chunk.flatMap((x) => (x.mobile ? [x.mobile] : []));
        const byMobile = new Map(
          mobiles.length === 0
            ? []
            : (
                (await em.query('SELECT id, mobile FROM customers WHERE mobile IN (?)', [
                  mobiles,
                ])) as { id: number; mobile: string }[]
              ).map((r) => [r.mobile, r.id]),
        );
        const items: (MappingEntry & { customerId: number })[] = [];
        for (const x of chunk) {
          const id = x.customerId ?? byMobile.get(x.mobile!);
          if (id === undefined) {
            reject(x, 'mobile', x.buyerValue, 'unknown_mobile', MESSAGES.unknown_mobile);
          } else if (claimed.has(id)) {
            reject(
              x,
              x.buyerColumn,
              x.buyerValue,
              'duplicate',
              `the customer is already named on line ${claimed.get(id)}`,
            );
          } else {
            claimed.set(id, x.line);
            items.push({ ...x, customerId: id });
          }
        }
        const outcomes = await this.contacts.assign(items, em);
        items.forEach((x, k) => {
          const o = outcomes[k];
          if (o === 'linked' || o === 'unchanged') {
            if (o === 'linked') linked++;
            else unchanged++;
            if (x.ownerUserid) ownersNamed++;
            return;
          }
          const [column, value] =
            o === 'contact_taken'
              ? ['external_userid', x.externalUserId]
              : o === 'owner_not_following'
                ? ['owner_userid', x.ownerUserid ?? '']
                : [x.buyerColumn, x.buyerValue];
          reject(x, column, value, OUTCOME_REASON[o], MESSAGES[o]);
        });
      });
    }
    rejections.sort((a, b) => a.line - b.line);
    return {
      rows: parsed.rows,
      linked,
      unchanged,
      ownersNamed,
      rejected: rejections.length,
      report: rejections.slice(0, REPORT_MAX),
    };
  }
}
