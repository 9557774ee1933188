import { describe, expect, it } from 'vitest';
import { parseAdfXml } from '#shared/sources/adf-xml';
import { emptyDraft, type LeadDraft } from '#shared/sources/draft';
import { ForbiddenXmlConstructError, InvalidLeadError, MalformedPayloadError } from '#shared/sources/errors';
import { fixtureBytes } from './fixtures';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Builds an ADF document with one prospect whose inner XML is `prospect`. */
function adf(prospect: string, declaration = '<?xml version="1.0" encoding="UTF-8"?>'): string {
  return `${declaration}\n<?adf version="1.0"?>\n<adf><prospect status="new">${prospect}</prospect></adf>`;
}

function onlyDraft(body: Uint8Array): LeadDraft {
  const drafts = parseAdfXml(body);
  expect(drafts).toHaveLength(1);
  return drafts[0] as LeadDraft;
}

describe('parseAdfXml', () => {
  it('reads every field of the La Centrale fixture', () => {
    const expected: LeadDraft = {
      ...emptyDraft(),
      sourceLeadId: 'LC-2026-000417',
      submittedAt: '2026-11-03T09:12:44+01:00',
      interest: 'buy',
      contact: {
        firstName: 'Camille',
        lastName: 'Fontaine',
        fullName: null,
        email: 'Camille.Fontaine@Example.FR',
        phones: ['01 45 00 00 01', '06 39 98 00 01'],
        postalCode: '08000',
        city: 'Amiens',
      },
      vehicle: {
        make: 'Peugeot',
        model: '3008',
        year: '2021',
        vin: 'VF3MCYHZRMS000417',
        stock: 'VO-4521',
        condition: 'used',
        odometer: '42150',
        price: '24990',
      },
      comments: 'Reprise possible ? Rappel après 18h & pas le samedi',
      customFields: { trim: 'Allure Pack', timeframe: 'sous 1 mois' },
      siteHints: { siteId: null, aliases: ['SITE-AMIENS-NORD', 'Garage Exemple Amiens Nord'] },
    };

    expect(parseAdfXml(fixtureBytes('adf/lacentrale-vo.xml'))).toEqual([expected]);
  });

  it('decodes the ISO-8859-1 fixture', () => {
    const draft = onlyDraft(fixtureBytes('adf/website-latin1.xml'));

    expect(draft.contact.firstName).toBe('Hélène');
    expect(draft.contact.lastName).toBe('Lefèvre');
    expect(draft.vehicle.make).toBe('Citroën');
    expect(draft.comments).toBe('Intéressée par une reprise de sa Clio, préfère être rappelée en soirée.');
  });

  it('decodes ISO-8859-1 bytes 0x80-0x9F as windows-1252', () => {
    const xml = adf(
      '<id>1</id><customer><comments>Prix 24 990 \u20ac, c\u0153ur</comments></customer>',
      '<?xml version="1.0" encoding="ISO-8859-1"?>',
    );
    const body = new Uint8Array(Buffer.from(xml.replace('\u20ac', '\x80').replace('\u0153', '\x9c'), 'latin1'));

    expect(onlyDraft(body).comments).toBe('Prix 24 990 €, cœur');
  });

  it('drops a UTF-8 byte order mark', () => {
    const body = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(adf('<id>BOM-1</id>'))]);

    expect(onlyDraft(body).sourceLeadId).toBe('BOM-1');
  });

  it('reads a full name from a name without part and never splits part="full"', () => {
    const oem = onlyDraft(fixtureBytes('adf/oem-vn-single-phone.xml'));
    const noPart = onlyDraft(utf8(adf('<id>2</id><customer><contact><name>Jean Dupont</name></contact></customer>')));

    expect(oem.contact).toEqual({
      firstName: null,
      lastName: null,
      fullName: 'Marie-Claire de La Tour',
      email: null,
      phones: ['+33 6 12 34 56 78'],
      postalCode: null,
      city: null,
    });
    expect(noPart.contact.fullName).toBe('Jean Dupont');
    expect(noPart.contact.firstName).toBeNull();
  });

  it('keeps every value as a string with its leading zeros and plus sign', () => {
    const xml = adf(
      '<id>+00417</id><vehicle><year>2021</year><odometer>0042150</odometer><price>1e5</price></vehicle>' +
        '<customer><contact><phone>0639980001</phone><address><postalcode>01000</postalcode></address></contact></customer>',
    );
    const draft = onlyDraft(utf8(xml));

    expect(draft.sourceLeadId).toBe('+00417');
    expect(draft.contact.phones).toEqual(['0639980001']);
    expect(draft.contact.postalCode).toBe('01000');
    expect(draft.vehicle.odometer).toBe('0042150');
    expect(draft.vehicle.price).toBe('1e5');
  });

  it('decodes entities and keeps CDATA text', () => {
    const xml = adf('<id>3</id><comments>R&amp;D &lt;urgent&gt; <![CDATA[& <b>tel</b>]]></comments>');

    expect(onlyDraft(utf8(xml)).comments).toBe('R&D <urgent> & <b>tel</b>');
  });

  it('removes namespace prefixes', () => {
    const xml =
      '<?xml version="1.0"?><a:adf xmlns:a="urn:adf"><a:prospect><a:id>NS-1</a:id>' +
      '<a:vehicle a:status="new"><a:make>Renault</a:make></a:vehicle></a:prospect></a:adf>';
    const draft = onlyDraft(utf8(xml));

    expect(draft.sourceLeadId).toBe('NS-1');
    expect(draft.vehicle.make).toBe('Renault');
    expect(draft.vehicle.condition).toBe('new');
  });

  it('returns one draft per prospect', () => {
    const xml = '<adf><prospect><id>A</id></prospect><prospect><id>B</id></prospect></adf>';

    expect(parseAdfXml(utf8(xml)).map((draft) => draft.sourceLeadId)).toEqual(['A', 'B']);
  });

  it('reads stocknumber, mileage, an untyped price and prospect comments', () => {
    const xml = adf(
      '<id>4</id><vehicle status="used"><stocknumber>S-9</stocknumber><mileage>12 000</mileage><price>9990</price></vehicle>' +
        '<comments>Sur le prospect</comments>',
    );
    const draft = onlyDraft(utf8(xml));

    expect(draft.vehicle.stock).toBe('S-9');
    expect(draft.vehicle.odometer).toBe('12 000');
    expect(draft.vehicle.price).toBe('9990');
    expect(draft.comments).toBe('Sur le prospect');
  });

  it('skips a trade-in vehicle for the vehicle of interest', () => {
    const xml = adf(
      '<id>5</id><vehicle interest="trade-in" status="used"><make>Renault</make></vehicle>' +
        '<vehicle interest="buy" status="new"><make>Peugeot</make></vehicle>',
    );
    const draft = onlyDraft(utf8(xml));

    expect(draft.vehicle.make).toBe('Peugeot');
    expect(draft.interest).toBe('buy');
  });

  it('leaves sourceLeadId null when the prospect has no id', () => {
    expect(onlyDraft(utf8(adf('<requestdate>2026-11-03</requestdate>'))).sourceLeadId).toBeNull();
  });

  it.each([
    [
      'an external entity',
      '<?xml version="1.0"?><!DOCTYPE adf [<!ENTITY x SYSTEM "file:///etc/passwd">]><adf>&x;</adf>',
    ],
    ['an entity bomb', '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><adf>&lol2;</adf>'],
    ['a bare DOCTYPE', '<!doctype adf><adf><prospect><id>1</id></prospect></adf>'],
  ])('rejects %s', (_case, xml) => {
    expect(() => parseAdfXml(utf8(xml))).toThrow(ForbiddenXmlConstructError);
  });

  it.each([
    ['an unclosed element', '<adf><prospect><id>1</prospect></adf>'],
    ['text that is not XML', 'hello'],
    ['an empty body', ''],
  ])('rejects %s as malformed', (_case, xml) => {
    expect(() => parseAdfXml(utf8(xml))).toThrow(MalformedPayloadError);
  });

  it('rejects bytes that are not UTF-8 when no encoding is declared', () => {
    const body = new Uint8Array(Buffer.from(adf('<id>é</id>', '<?xml version="1.0"?>'), 'latin1'));

    expect(() => parseAdfXml(body)).toThrow(MalformedPayloadError);
  });

  it('rejects an encoding that it cannot decode', () => {
    const body = utf8(adf('<id>1</id>', '<?xml version="1.0" encoding="x-unknown-42"?>'));

    expect(() => parseAdfXml(body)).toThrow('ADF document declares an unsupported encoding "x-unknown-42"');
  });

  it('rejects a document without an adf root', () => {
    expect(() => parseAdfXml(utf8('<lead><prospect/></lead>'))).toThrow(
      new InvalidLeadError('ADF document has no <adf> root element'),
    );
  });

  it('rejects a document without a prospect', () => {
    expect(() => parseAdfXml(utf8('<adf><vendor/></adf>'))).toThrow(
      new InvalidLeadError('ADF document has no <prospect> element'),
    );
  });
});
