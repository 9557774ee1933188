/**
 * Parser for ADF (Auto-lead Data Format) XML, the lead format of classified sites, manufacturer
 * portals and dealer websites: an `<adf>` root with one `<prospect>` per lead.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { emptyDraft, type LeadDraft } from './draft';
import { ForbiddenXmlConstructError, InvalidLeadError, MalformedPayloadError } from './errors';

/** Elements that may repeat; the parser always returns them as arrays so one and many read alike. */
const REPEATABLE_ELEMENTS = new Set([
  'prospect',
  'id',
  'vehicle',
  'customer',
  'contact',
  'name',
  'email',
  'phone',
  'address',
  'vendor',
  'comments',
  'price',
  'odometer',
  'mileage',
]);

const ATTRIBUTE_PREFIX = '@_';

// Built once: constructing an XMLParser compiles its options, which costs more than parsing a lead.
// Every value stays a string (phones, postal codes and ids keep leading zeros and `+`). The five XML
// entities are decoded; other entities cannot occur because DOCTYPE is rejected before parsing.
// Values are trimmed by `textOf`, not by the parser, which would also drop the spaces between text and CDATA.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTRIBUTE_PREFIX,
  parseTagValue: false,
  parseAttributeValue: false,
  removeNSPrefix: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: false,
  // Callbacks get a path matcher instead of a path string, which skips building a string per element.
  jPath: false,
  isArray: (tagName, _path, _isLeafNode, isAttribute) => !isAttribute && REPEATABLE_ELEMENTS.has(tagName),
});

type XmlNode = Record<string, unknown>;

/**
 * Parses an ADF document into one draft per `<prospect>`.
 *
 * Decodes the bytes by their BOM or the encoding in the XML declaration (UTF-8 when none is declared).
 * Throws `ForbiddenXmlConstructError` for a DOCTYPE or ENTITY declaration, `MalformedPayloadError` for
 * undecodable bytes or XML that is not well-formed, and `InvalidLeadError` when there is no `<adf>`
 * root or no `<prospect>`.
 */
export function parseAdfXml(body: Uint8Array): LeadDraft[] {
  const text = decodeXml(body);
  // NOTE: a plain text search, so the words inside a comment or CDATA section also reject the document.
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) {
    throw new ForbiddenXmlConstructError('ADF document contains a DOCTYPE or ENTITY declaration, which is rejected');
  }
  if (text.trim() === '') {
    throw new MalformedPayloadError('ADF document is empty');
  }
  const validation = XMLValidator.validate(text);
  if (validation !== true) {
    // The validator reports where it noticed the fault, which for an unclosed element is where it opened.
    const { code, msg, line, col } = validation.err;
    const where = Number.isInteger(line) && Number.isInteger(col) ? ` near line ${line}, column ${col}` : '';
    const detail = msg.replace(/\s+/g, ' ').slice(0, 200);
    throw new MalformedPayloadError(`ADF document is not well-formed XML: ${detail} (${code}${where})`);
  }

  let document: unknown;
  try {
    document = parser.parse(text);
  } catch (error) {
    throw new MalformedPayloadError('ADF document could not be parsed as XML', { cause: error });
  }
  const root = firstNode(childOf(document, 'adf'));
  if (!root) {
    throw new InvalidLeadError('ADF document has no <adf> root element');
  }
  const prospects = nodes(root, 'prospect');
  if (prospects.length === 0) {
    throw new InvalidLeadError('ADF document has no <prospect> element');
  }
  return prospects.map(draftFromProspect);
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const DECLARED_ENCODING = /^<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]{0,39})["']/;

/** Labels that mean UTF-8; everything else goes through the WHATWG decoder of its label. */
const UTF8_LABELS = new Set(['utf-8', 'utf8']);

/** Characters of windows-1252 bytes 0x80-0x9F; the five bytes it leaves undefined map to C1 controls. */
const WINDOWS_1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/**
 * Decodes with the WHATWG Encoding Standard's decoder for the label, or returns undefined for an unknown
 * label. Like browsers, the standard maps ISO-8859-1 and US-ASCII to windows-1252, because senders that
 * declare Latin-1 often write `€`, `œ` or `’` from the 0x80-0x9F range, where Latin-1 has only controls.
 *
 * Node 20's TextDecoder resolves those labels to windows-1252 but decodes 0x80-0x9F as Latin-1, so that
 * range is mapped here; other labels go to TextDecoder, which is backed by ICU.
 */
function decodeWithLabel(bytes: Buffer, label: string): string | undefined {
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(label);
  } catch {
    return undefined;
  }
  if (decoder.encoding !== 'windows-1252') {
    return decoder.decode(bytes);
  }
  return bytes
    .toString('latin1')
    .replace(/[\u0080-\u009f]/g, (char) => WINDOWS_1252_HIGH[char.charCodeAt(0) - 0x80] as string);
}

function decodeXml(body: Uint8Array): string {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (UTF8_BOM.every((byte, index) => bytes[index] === byte)) {
    return strictUtf8(bytes.subarray(3));
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return new TextDecoder(bytes[0] === 0xff ? 'utf-16le' : 'utf-16be').decode(bytes);
  }

  const head = bytes.subarray(0, 256).toString('latin1');
  const declared = DECLARED_ENCODING.exec(head)?.[1]?.toLowerCase();
  if (declared === undefined || UTF8_LABELS.has(declared)) {
    return strictUtf8(bytes);
  }
  const text = decodeWithLabel(bytes, declared);
  if (text === undefined) {
    throw new MalformedPayloadError(`ADF document declares an unsupported encoding "${declared}"`);
  }
  return text;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function strictUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch (error) {
    throw new MalformedPayloadError('ADF document is not valid UTF-8; declare its encoding in the XML declaration', {
      cause: error,
    });
  }
}

function draftFromProspect(prospect: XmlNode): LeadDraft {
  const draft = emptyDraft();
  draft.sourceLeadId = textOf(nodes(prospect, 'id')[0]);
  draft.submittedAt = textOf(childOf(prospect, 'requestdate'));

  const customer = nodes(prospect, 'customer')[0];
  const contacts = customer ? nodes(customer, 'contact') : [];
  const contact = contacts.find((candidate) => attributeOf(candidate, 'primarycontact') === '1') ?? contacts[0];
  if (contact) {
    readContact(contact, draft);
  }

  const vehicles = nodes(prospect, 'vehicle');
  const vehicle = vehicles.find((candidate) => !isTradeIn(candidate)) ?? vehicles[0];
  if (vehicle) {
    readVehicle(vehicle, draft);
  }

  draft.comments = (customer && textOf(nodes(customer, 'comments')[0])) ?? textOf(nodes(prospect, 'comments')[0]);
  const timeframe = customer && textOf(childOf(firstNode(childOf(customer, 'timeframe')), 'description'));
  if (timeframe) {
    draft.customFields.timeframe = timeframe;
  }

  const vendor = nodes(prospect, 'vendor')[0];
  if (vendor) {
    const vendorIds = nodes(vendor, 'id').map(textOf);
    const vendorName = textOf(childOf(vendor, 'vendorname'));
    draft.siteHints.aliases = [...vendorIds, vendorName].filter((alias): alias is string => alias !== null);
  }
  return draft;
}

/** Fills the contact: names by `part` (no `part` means a full name), every phone, the first email and the address. */
function readContact(contact: XmlNode, draft: LeadDraft): void {
  for (const name of nodes(contact, 'name')) {
    const value = textOf(name);
    const part = attributeOf(name, 'part')?.toLowerCase();
    if (part === 'first') {
      draft.contact.firstName ??= value;
    } else if (part === 'last') {
      draft.contact.lastName ??= value;
    } else if (part === undefined || part === 'full') {
      draft.contact.fullName ??= value;
    }
  }
  draft.contact.phones = nodes(contact, 'phone')
    .map(textOf)
    .filter((phone): phone is string => phone !== null);
  draft.contact.email = textOf(nodes(contact, 'email')[0]);

  const address = nodes(contact, 'address')[0];
  if (address) {
    draft.contact.postalCode = textOf(childOf(address, 'postalcode'));
    draft.contact.city = textOf(childOf(address, 'city'));
  }
}

function readVehicle(vehicle: XmlNode, draft: LeadDraft): void {
  draft.interest = attributeOf(vehicle, 'interest') ?? null;
  draft.vehicle = {
    make: textOf(childOf(vehicle, 'make')),
    model: textOf(childOf(vehicle, 'model')),
    year: textOf(childOf(vehicle, 'year')),
    vin: textOf(childOf(vehicle, 'vin')),
    stock: textOf(childOf(vehicle, 'stock')) ?? textOf(childOf(vehicle, 'stocknumber')),
    condition: attributeOf(vehicle, 'status') ?? null,
    odometer: textOf(nodes(vehicle, 'odometer')[0]) ?? textOf(nodes(vehicle, 'mileage')[0]),
    price: textOf(nodes(vehicle, 'price')[0]),
  };
  const trim = textOf(childOf(vehicle, 'trim'));
  if (trim) {
    draft.customFields.trim = trim;
  }
}

/** ADF marks the customer's current car with `interest="trade-in"`; the lead is about the other vehicle. */
function isTradeIn(vehicle: XmlNode): boolean {
  const interest = attributeOf(vehicle, 'interest')?.toLowerCase();
  return interest === 'trade-in' || interest === 'sell';
}

function isNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function childOf(node: unknown, name: string): unknown {
  return isNode(node) ? node[name] : undefined;
}

/** Element children of `node` named `name`, whether the parser produced one or many. */
function nodes(node: XmlNode, name: string): XmlNode[] {
  const value = node[name];
  if (value === undefined) {
    return [];
  }
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => (isNode(item) ? item : { '#text': item }));
}

function firstNode(value: unknown): XmlNode | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) {
    return undefined;
  }
  return isNode(first) ? first : { '#text': first };
}

/** Trimmed text content of an element (attributes ignored), or null when empty or absent. */
function textOf(value: unknown): string | null {
  const first = Array.isArray(value) ? value[0] : value;
  const text = isNode(first) ? first['#text'] : first;
  if (typeof text !== 'string') {
    return null;
  }
  const trimmed = text.trim();
  return trimmed === '' ? null : trimmed;
}

function attributeOf(node: XmlNode, name: string): string | undefined {
  const value = node[ATTRIBUTE_PREFIX + name];
  const trimmed = typeof value === 'string' ? value.trim() : '';
  return trimmed === '' ? undefined : trimmed;
}
