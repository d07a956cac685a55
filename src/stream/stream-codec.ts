// GetRecords pages are the replicator's hottest input: up to 1,000 records a page, each with a new and often an old
// image. The streams client reads them through the SDK's generic schema walker, which builds a fresh object for
// every attribute value of every image; in a catch-up profile that walk was about a sixth of the replicator's CPU.
// On the wire an attribute value already has the SDK's shape, except that binary values are base64 text there
// and bytes in the SDK. So this codec keeps the parsed JSON of an attribute value and only decodes B and BS, in
// place. The SDK's own DynamoDB client does the same for its AttributeValue (the `jsonCodec` protocol setting);
// the streams client does not. A GetRecords answer as a whole is read the same way: its records are already in
// the SDK's shape but for the creation time (epoch seconds, a Date in the SDK), so the SDK's walk over every
// member of every record is skipped too. Every other shape, and every error, still goes through the SDK unchanged.
import { AwsJson1_0Protocol, JsonCodec2, JsonShapeDeserializer2 } from '@aws-sdk/core/protocols';
import { AttributeValue$, errorTypeRegistries, GetRecordsOutput$ } from '@aws-sdk/client-dynamodb-streams';
import { NormalizedSchema } from '@smithy/core/schema';
import { fromBase64, parseEpochTimestamp } from '@smithy/core/serde';

/** The schema code of an epoch-seconds timestamp (Smithy's TIMESTAMP_EPOCH_SECONDS). */
const TIMESTAMP_EPOCH_SECONDS = 7;

/** The schema argument of the SDK's deserializer (its type is not exported under a current name). */
type SchemaArg = Parameters<JsonShapeDeserializer2['readObject']>[0];

type Decode = (text: string) => Uint8Array;

/** Pure: turns one parsed attribute value into the SDK's shape, in place (binary values become bytes). */
export function readAttributeValue(value: unknown, decode: Decode): unknown {
  if (value === null || typeof value !== 'object') return value;
  const av = value as Record<string, unknown>;
  if (typeof av.B === 'string') av.B = decode(av.B);
  if (Array.isArray(av.BS))
    av.BS = (av.BS as unknown[]).map((element) => (typeof element === 'string' ? decode(element) : element));
  if (Array.isArray(av.L)) for (const element of av.L) readAttributeValue(element, decode);
  const map = av.M;
  if (map !== null && typeof map === 'object') {
    for (const name of Object.keys(map)) readAttributeValue((map as Record<string, unknown>)[name], decode);
  }
  return av;
}

function readImage(image: unknown, decode: Decode): void {
  if (image === null || typeof image !== 'object') return;
  const values = image as Record<string, unknown>;
  for (const name in values) readAttributeValue(values[name], decode);
}

/**
 * Pure: turns one parsed GetRecords answer into the SDK's GetRecordsOutput, in place: each record's creation time
 * becomes a Date (as the SDK parses epoch seconds) and binary values of its images become bytes. False, with
 * nothing changed, when a record does not have the shape this expects; the SDK then reads the answer.
 */
export function readGetRecordsOutput(output: Record<string, unknown>, decode: Decode): boolean {
  const records = output.Records;
  if (records === undefined) return true;
  if (!Array.isArray(records)) return false;
  for (const record of records as unknown[]) {
    if (record === null || typeof record !== 'object') return false;
    const data = (record as Record<string, unknown>).dynamodb;
    if (data !== undefined && (data === null || typeof data !== 'object')) return false;
  }
  for (const record of records as Record<string, unknown>[]) {
    const data = record.dynamodb as Record<string, unknown> | undefined;
    if (data === undefined) continue;
    if (data.ApproximateCreationDateTime !== undefined) {
      data.ApproximateCreationDateTime = parseEpochTimestamp(data.ApproximateCreationDateTime);
    }
    readImage(data.Keys, decode);
    readImage(data.NewImage, decode);
    readImage(data.OldImage, decode);
  }
  return true;
}

class StreamShapeDeserializer extends JsonShapeDeserializer2 {
  protected override _read(schema: SchemaArg, value: unknown): unknown {
    if (value !== null && typeof value === 'object') {
      const target = NormalizedSchema.of(schema).getSchema();
      const decode = this.serdeContext?.base64Decoder ?? fromBase64;
      if (target === AttributeValue$) return readAttributeValue(value, decode);
      if (target === GetRecordsOutput$ && readGetRecordsOutput(value as Record<string, unknown>, decode)) {
        return value;
      }
    }
    return super._read(schema, value) as unknown;
  }
}

class StreamJsonCodec extends JsonCodec2 {
  override createDeserializer(): StreamShapeDeserializer {
    const deserializer = new StreamShapeDeserializer(this.settings);
    if (this.serdeContext !== undefined) deserializer.setSerdeContext(this.serdeContext);
    return deserializer;
  }
}

/**
 * The streams client's protocol with the attribute value fast path. The namespace and target are the
 * DynamoDB Streams API's (2012-08-10); the error registries come from the client, so errors keep their classes.
 */
export function streamsProtocol(): AwsJson1_0Protocol {
  return new AwsJson1_0Protocol({
    defaultNamespace: 'com.amazonaws.dynamodbstreams',
    serviceTarget: 'DynamoDBStreams_20120810',
    errorTypeRegistries,
    // The SDK's JSON settings for this protocol: timestamps as epoch seconds unless a member says otherwise.
    jsonCodec: new StreamJsonCodec({
      timestampFormat: { useTrait: true, default: TIMESTAMP_EPOCH_SECONDS },
      jsonName: false,
    }),
  });
}
