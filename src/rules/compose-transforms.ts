// Chains the transforms of a table into one. The CLI's order is the --transform module, then --exclude-attributes,
// then --rename-attributes: the module sees the source's attribute names, excluded ones included (it may derive a
// value from them), and renaming comes last so that no flag has to use a renamed name. The chain stays
// synchronous until a step returns a Promise: built-in transforms run on every record, no microtask each.
import type { Item } from '../stream/change-record.js';
import type { ImageTransform, TransformContext } from './transform-module.js';

type StepResult = Item | null | Promise<Item | null>;

function isThenable(value: unknown): value is PromiseLike<Item | null> {
  // An item's attributes are objects, so an attribute named `then` never looks like a thenable.
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

async function continueAsync(
  transforms: readonly ImageTransform[],
  pending: PromiseLike<Item | null>,
  next: number,
  context: TransformContext,
): Promise<Item | null> {
  let result = await pending;
  for (let index = next; index < transforms.length; index += 1) {
    if (result === null || typeof result !== 'object') return result;
    const step: StepResult = (transforms[index] as ImageTransform)(result, context);
    result = isThenable(step) ? await step : step;
  }
  return result;
}

export function composeTransforms(transforms: readonly ImageTransform[]): ImageTransform | undefined {
  if (transforms.length === 0) return undefined;
  if (transforms.length === 1) return transforms[0];
  const steps = [...transforms];
  return (image, context) => {
    let result = image;
    for (let index = 0; index < steps.length; index += 1) {
      const step: StepResult = (steps[index] as ImageTransform)(result, context);
      if (isThenable(step)) return continueAsync(steps, step, index + 1, context);
      // null ends the chain (not in the destination); so does a result that is no object at all (a module's
      // undefined, say), passed on untouched so that callTransform reports what the module returned instead of
      // a later step failing on it.
      if (step === null || typeof step !== 'object') return step;
      result = step;
    }
    return result;
  };
}
