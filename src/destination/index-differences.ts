// How the secondary indexes of an existing destination differ from the source's: missing, extra, other keys
// (names, key types or attribute types) or another projection. Items are written whole, so replication goes on
// either way; the one warning line says what readers of the destination will miss, and warns that an index key
// typed otherwise than the source's items refuses their writes. Pure.
import type {
  AttributeDefinition,
  KeySchemaElement,
  Projection,
  TableDescription,
} from '@aws-sdk/client-dynamodb';

export interface IndexDifferences {
  /** 'GSI name' / 'LSI name' of source indexes the destination lacks. */
  readonly missing: readonly string[];
  /** Destination indexes the source lacks. */
  readonly extra: readonly string[];
  /** 'GSI name (source ...; destination ...)'. */
  readonly differentKeys: readonly string[];
  readonly differentProjection: readonly string[];
}

interface IndexShape {
  readonly keys: string;
  readonly projection: string;
}

export function indexDifferences(source: TableDescription, destination: TableDescription): IndexDifferences {
  const ours = indexShapes(source);
  const theirs = indexShapes(destination);
  const missing: string[] = [];
  const differentKeys: string[] = [];
  const differentProjection: string[] = [];
  for (const [name, shape] of ours) {
    const other = theirs.get(name);
    if (other === undefined) missing.push(name);
    else {
      if (other.keys !== shape.keys)
        differentKeys.push(`${name} (source ${shape.keys}; destination ${other.keys})`);
      if (other.projection !== shape.projection)
        differentProjection.push(`${name} (source ${shape.projection}; destination ${other.projection})`);
    }
  }
  const extra = [...theirs.keys()].filter((name) => !ours.has(name));
  return { missing, extra, differentKeys, differentProjection };
}

/** The one warning line, or undefined when the indexes agree. */
export function describeIndexDifferences(
  differences: IndexDifferences,
  sourceTable: string,
  destinationTable: string,
): string | undefined {
  const { missing, extra, differentKeys, differentProjection } = differences;
  const parts = [
    missing.length === 0 ? undefined : `missing ${missing.join(', ')}`,
    extra.length === 0 ? undefined : `extra ${extra.join(', ')}`,
    differentKeys.length === 0 ? undefined : `other keys: ${differentKeys.join(', ')}`,
    differentProjection.length === 0 ? undefined : `other projection: ${differentProjection.join(', ')}`,
  ].filter((part) => part !== undefined);
  if (parts.length === 0) return undefined;
  // An index key the source does not have, or types differently, can refuse items the source accepted.
  const refusals =
    extra.length + differentKeys.length === 0
      ? ''
      : ", and a write of an item whose attribute does not fit an index key of the destination's is refused";
  return `the secondary indexes of destination table ${destinationTable} differ from source table ${sourceTable}'s: ${parts.join('; ')}. Replication goes on (items are copied whole), but queries on those indexes answer differently${refusals}; change the destination's indexes to match if that matters`;
}

function indexShapes(table: TableDescription): Map<string, IndexShape> {
  const definitions = table.AttributeDefinitions ?? [];
  const shapes = new Map<string, IndexShape>();
  const add = (
    kind: string,
    name: string | undefined,
    keys?: KeySchemaElement[],
    projection?: Projection,
  ) => {
    shapes.set(`${kind} ${name ?? '?'}`, {
      keys: describeKeys(keys ?? [], definitions),
      projection: describeProjection(projection),
    });
  };
  for (const g of table.GlobalSecondaryIndexes ?? []) add('GSI', g.IndexName, g.KeySchema, g.Projection);
  for (const l of table.LocalSecondaryIndexes ?? []) add('LSI', l.IndexName, l.KeySchema, l.Projection);
  return shapes;
}

/** 'name type HASH, name type RANGE', hash first whatever order the description lists them in. */
function describeKeys(
  keys: readonly KeySchemaElement[],
  definitions: readonly AttributeDefinition[],
): string {
  const types = new Map(definitions.map((d) => [d.AttributeName, d.AttributeType]));
  return [...keys]
    .sort((a, b) => (a.KeyType === b.KeyType ? 0 : a.KeyType === 'HASH' ? -1 : 1))
    .map((k) => `${k.AttributeName ?? '?'} ${types.get(k.AttributeName) ?? '?'} ${k.KeyType ?? '?'}`)
    .join(', ');
}

/** 'INCLUDE [a, b]' with the attributes sorted (their order means nothing), or the type alone. */
function describeProjection(projection: Projection | undefined): string {
  const type = projection?.ProjectionType ?? '?';
  if (type !== 'INCLUDE') return type;
  return `INCLUDE [${[...(projection?.NonKeyAttributes ?? [])].sort().join(', ')}]`;
}
