import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { WecomCallbackError } from './callback-crypto';

/** A callback's fields as WeCom names them; repeated elements become arrays, nested ones objects. */
export type CallbackFields = { [name: string]: CallbackValue };
type CallbackValue = string | CallbackFields | CallbackValue[];

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Ids such as ExternalUserID or MsgId must stay strings, never become numbers.
  parseTagValue: false,
  trimValues: true,
});

/**
 * The children of a callback's root `<xml>` element, every value a string. Anything else —
 * not well-formed, a DOCTYPE (WeCom never sends one; entity tricks start there), another
 * root, no children — is a `malformed` WecomCallbackError naming `field`.
 */
export function parseCallbackXml(xml: string, field = 'body'): CallbackFields {
  const bad = (message: string) => new WecomCallbackError('malformed', field, message);
  if (/<!DOCTYPE/i.test(xml)) throw bad('a DOCTYPE is not accepted');
  const valid = XMLValidator.validate(xml);
  if (valid !== true)
    throw bad(`not well-formed XML (${valid.err.code} at line ${valid.err.line})`);
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch (e) {
    throw bad(`not well-formed XML (${e instanceof Error ? e.message : String(e)})`);
  }
  const root = (doc as Record<string, unknown>)?.xml;
  if (Object.keys(doc as object).length !== 1 || root === null || typeof root !== 'object') {
    throw bad('the root element must be <xml> with child elements');
  }
  if (Array.isArray(root)) throw bad('one <xml> root element expected');
  return root as CallbackFields;
}

const cdata = (v: string) => `<![CDATA[${v.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;

/** `<xml>` with one element per field, strings in CDATA and numbers bare, as WeCom writes them. */
export function toCallbackXml(fields: Record<string, string | number>): string {
  const body = Object.entries(fields)
    .map(([k, v]) => `<${k}>${typeof v === 'number' ? String(v) : cdata(v)}</${k}>`)
    .join('');
  return `<xml>${body}</xml>`;
}
