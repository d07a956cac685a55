// DynamoDB Local (3.3.0) streams an empty map attribute as `{}`, without its type (a known DynamoDB Local bug);
// written back as is, the destination rejects the item. A value with no type at all can only be that empty map,
// so it is restored to `{ M: {} }`. Images without such a value are returned as they are, unallocated.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Item } from './change-record.js';

export function repairEmptyMaps(item: Item): Item {
  let repaired: Item | undefined;
  for (const name in item) {
    const value = item[name];
    if (value === undefined) continue;
    const fixed = repairValue(value);
    if (fixed !== value) {
      repaired ??= { ...item };
      repaired[name] = fixed;
    }
  }
  return repaired ?? item;
}

function repairValue(value: AttributeValue): AttributeValue {
  if (value.M !== undefined) {
    const inner = repairEmptyMaps(value.M);
    return inner === value.M ? value : { M: inner };
  }
  const elements = value.L;
  if (elements !== undefined) {
    let list: AttributeValue[] | undefined;
    elements.forEach((element, index) => {
      const fixed = repairValue(element);
      if (fixed !== element) {
        list ??= [...elements];
        list[index] = fixed;
      }
    });
    return list === undefined ? value : { L: list };
  }
  for (const _ in value) return value;
  return { M: {} };
}
