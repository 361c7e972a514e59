import { Transform } from 'class-transformer';
import { ValidateBy } from '@td-sync/http';
import type { ValidationArguments } from 'class-validator';

export interface TextBounds {
  min: number;
  max: number;
}

/**
 * What is wrong with `value` as a text field of `min`–`max` characters, as the
 * end of a sentence starting with the field's name; undefined when nothing is.
 * Characters are Unicode code points, so an emoji counts once, as a person
 * typing a name would count it.
 */
export function textProblem(value: unknown, { min, max }: TextBounds): string | undefined {
  if (value === undefined || value === null) return 'is required';
  if (typeof value !== 'string') return 'must be a string';
  // Each code point takes one or two UTF-16 units: count only when it matters,
  // so a 10 MiB string is refused without being split into an array.
  const length = value.length <= max || value.length > 2 * max ? value.length : [...value].length;
  if (length < min) return min === 1 ? 'must not be empty' : `must be at least ${min} characters`;
  if (length > max) return `must be at most ${max} characters`;
  return undefined;
}

/**
 * A string of `min`–`max` characters, with one message saying exactly what is
 * wrong (the validation pipe reports the first failed constraint, so one
 * constraint per field keeps that message precise). Combine with
 * @IsOptional() for a field that may be left out.
 */
export function IsText(bounds: TextBounds): PropertyDecorator {
  return ValidateBy({
    name: 'isText',
    constraints: [bounds.min, bounds.max],
    validator: {
      validate: (value: unknown) => textProblem(value, bounds) === undefined,
      defaultMessage: (args?: ValidationArguments) => `${args?.property ?? 'value'} ${textProblem(args?.value, bounds) ?? 'is invalid'}`,
    },
  });
}

/** Trims a string before validation; anything else is left for the validators to refuse. */
export function Trim(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));
}

/**
 * Trims a string, and treats one left empty as absent. The reference server
 * ignores an empty `email` or `user_id`, and td clients rely on that.
 */
export function TrimToAbsent(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() || undefined : value));
}
