// The two attributes two-way replication keeps on every item of both tables: `<prefix>_v`, the version stamp of
// the write that gave the item its content (version-stamp.ts: version and side in one string), and `<prefix>_h`,
// the digest of that content (content-digest.ts), or `delete` while a replicator is deleting the item, so that
// the REMOVE that follows is told from an app's delete by its old image alone (echo.ts). Apps must not write
// either. A stamp that is not an S value counts as unstamped, as the conditions treat it (conditional-apply.ts),
// so that code and DynamoDB never disagree about an item.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ConfigError } from '../errors/replicator-error.js';
import type { Item } from '../stream/change-record.js';
import { contentDigest } from './content-digest.js';

export const DEFAULT_MARKER_PREFIX = '_ddbr';

/** The digest marker's value while a replicator deletes the item (never a digest: those are 22 characters). */
export const DELETING = 'delete';

export interface Markers {
  /** The version stamp's attribute. */
  readonly version: string;
  /** The content digest's attribute. */
  readonly digest: string;
}

// Letters, digits, '_', '-', '.': names that need no quoting anywhere a user may type them (filters, the CLI,
// a shell) and stay far below DynamoDB's 255-byte limit for names that may become index keys.
const PREFIX = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The marker attributes for a prefix, refused with one line naming the fix when the prefix is not a plain
 * attribute name or when a marker would be one of the table's key attributes.
 */
export function markerNames(
  prefix: string = DEFAULT_MARKER_PREFIX,
  keyAttributes: readonly string[] = [],
): Markers {
  if (!PREFIX.test(prefix)) {
    throw new ConfigError(
      `marker prefix ${JSON.stringify(prefix)} is not a plain attribute name: use 1 to 64 letters, digits, '_', '-' or '.' (default ${DEFAULT_MARKER_PREFIX})`,
    );
  }
  const markers = { version: `${prefix}_v`, digest: `${prefix}_h` };
  for (const name of [markers.version, markers.digest]) {
    if (keyAttributes.includes(name)) {
      throw new ConfigError(
        `marker attribute ${name} is a key attribute of the table: choose another marker prefix than ${JSON.stringify(prefix)}`,
      );
    }
  }
  return markers;
}

function stringValue(value: AttributeValue | undefined): string | undefined {
  return value?.S;
}

/** The image's version stamp; undefined when there is no image, no stamp, or a stamp that is not a string. */
export function readStamp(image: Item | undefined, markers: Markers): string | undefined {
  return image === undefined ? undefined : stringValue(image[markers.version]);
}

/** The image's digest marker as written (a digest, DELETING, or undefined). */
export function readDigest(image: Item | undefined, markers: Markers): string | undefined {
  return image === undefined ? undefined : stringValue(image[markers.digest]);
}

/** The digest of the image's own attributes, what its digest marker holds when a replicator stamped it. */
export function digestOf(image: Item, markers: Markers): string {
  return contentDigest(image, [markers.version, markers.digest]);
}

/** Whether the image carries a stamp and the digest of its own content: its content is what was stamped. */
export function matchesItsStamp(image: Item | undefined, markers: Markers): boolean {
  if (image === undefined || readStamp(image, markers) === undefined) return false;
  return readDigest(image, markers) === digestOf(image, markers);
}

/** Whether the image is an item a replicator was deleting: stamped, and marked DELETING. */
export function isMarkedDeleting(image: Item | undefined, markers: Markers): boolean {
  return readStamp(image, markers) !== undefined && readDigest(image, markers) === DELETING;
}

/** A copy of the image carrying `stamp` and the digest of its content. */
export function stampImage(image: Item, markers: Markers, stamp: string): Item {
  return { ...image, [markers.version]: { S: stamp }, [markers.digest]: { S: digestOf(image, markers) } };
}

/** A copy of the image without either marker (what an app's own attributes are). */
export function withoutMarkers(image: Item, markers: Markers): Item {
  return Object.fromEntries(
    Object.entries(image).filter(([name]) => name !== markers.version && name !== markers.digest),
  );
}
